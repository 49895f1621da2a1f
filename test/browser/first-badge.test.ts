import { describe, expect, it } from 'vitest';
import { pngImage } from '../helpers/app.js';
import { browserSuite, screenshotter, watchPage } from '../helpers/browser.js';

describe('a facilitator in a real browser', () => {
  const suite = browserSuite();

  it('signs up, creates an issuer and a badge with an uploaded image, and opens its public page with no console error or CSP violation', async () => {
    const page = await suite.browser.newPage();
    const problems = await watchPage(page);
    const snap = screenshotter(page);

    await page.goto(suite.t.baseUrl);
    await snap('home');
    await page.getByRole('link', { name: 'Create your account' }).click();
    await page.getByLabel('Email').fill('teacher@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
    await snap('dashboard');

    await page.getByRole('link', { name: 'Set up your issuer' }).click();
    await page.getByRole('button', { name: 'Create issuer' }).click();
    // An empty form comes back with messages, not a crash.
    await expect.poll(() => page.locator('.error-message').count()).toBeGreaterThan(0);
    await snap('issuer-errors');
    // The browser logs the deliberate 400 itself; nothing else may appear.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    problems.length = 0;
    await page.getByLabel('Organisation name').fill('Riverside Youth Club');
    await page.getByLabel('Website').fill('https://riverside.example.org');
    await page.getByLabel('Contact email').fill('badges@riverside.example.org');
    await page.getByRole('button', { name: 'Create issuer' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Riverside Youth Club');

    await page.getByRole('link', { name: 'New badge' }).click();
    await page.getByLabel('Badge name').fill('Digital Storyteller');
    await page.getByLabel('Description (required)').fill('Made and shared a short digital story.');
    await page.getByLabel('Criteria', { exact: true }).fill('Plan, record and edit a **two-minute** story.');
    await page.getByLabel('Badge image').setInputFiles({ name: 'badge.png', mimeType: 'image/png', buffer: await pngImage(200, 160) });
    await page.getByLabel('Image description (alt text)').fill('A red square');
    await snap('badge-form');
    await page.getByRole('button', { name: 'Create badge' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Digital Storyteller');
    await snap('badge-manage');

    await page.getByRole('link', { name: 'public page' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Digital Storyteller');
    expect(await page.locator('.markdown strong').textContent()).toBe('two-minute');
    const image = page.locator('.badge-art img');
    expect(await image.getAttribute('alt')).toBe('A red square');
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(200);
    await snap('badge-public');

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
