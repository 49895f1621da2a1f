import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pngImage } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

// Issue 19: a new facilitator follows the dashboard's checklist to a first award; an image chosen on a form that comes
// back with errors is kept and shown. On a laptop and on a 390 px phone, with no serious or critical axe finding.
const viewports = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
];

describe('a new facilitator’s first steps in a real browser', () => {
  const suite = browserSuite();

  for (const device of viewports) {
    it(`follows the checklist to a first award, and keeps a chosen image through a form error (${device.name})`, async () => {
      const context = await suite.browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.isMobile });
      const page = await context.newPage();
      const problems = await watchPage(page);
      const snap = screenshotter(page, process.env.KILN_SCREENSHOTS ? path.join(process.env.KILN_SCREENSHOTS, device.name) : undefined);
      const axe: string[] = [];
      const check = async () => axe.push(...(await seriousAxe(page)));
      let clicks = 0;
      const click = async (locator: ReturnType<Page['getByRole']>) => {
        clicks++;
        await locator.click();
      };

      await page.goto(`${suite.t.baseUrl}/signup`);
      await page.getByLabel('Email').fill(`facilitator-${device.name}@example.org`);
      await page.getByLabel('Password').fill('correct horse battery');
      await click(page.getByRole('button', { name: 'Create account' }));
      await expect.poll(() => page.url()).toMatch(/\/manage$/);

      // The empty dashboard is a checklist: only the first step can be done yet.
      const steps = page.locator('.first-steps .step');
      await expect.poll(() => steps.count()).toBe(3);
      expect(await page.locator('.first-steps').getByText('0 of 3 done').isVisible()).toBe(true);
      expect(await steps.nth(1).locator('a').count()).toBe(0);
      await check();
      await snap('dashboard-empty');

      // Step 1: the issuer. The name is forgotten; the logo chosen survives the error and is shown.
      await click(page.getByRole('link', { name: 'Set up your issuer' }));
      await page.getByLabel('Website').fill('riverside.example.org');
      await page.getByLabel('Contact email').fill('badges@riverside.example.org');
      await page.getByLabel('Logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: await pngImage(120, 120, '#1d4ed8') });
      await click(page.getByRole('button', { name: 'Create issuer' }));
      await expect.poll(() => page.locator('.error-message').count()).toBe(1);
      const kept = page.locator('.kept-upload img');
      await expect.poll(() => kept.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      expect(await page.getByLabel('Website').inputValue()).toBe('riverside.example.org');
      await check();
      await snap('issuer-kept-logo');
      await page.getByLabel('Organisation name').fill('Riverside Youth Club');
      await click(page.getByRole('button', { name: 'Create issuer' }));
      await expect.poll(() => page.locator('h1').textContent()).toBe('Riverside Youth Club');
      // The kept logo became the issuer's logo.
      expect(await page.locator('.page-title img.logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

      // Step 2: the badge, from the ticked-off checklist. The image survives a missing description.
      await page.goto(`${suite.t.baseUrl}/manage`);
      expect(await page.locator('.first-steps').getByText('1 of 3 done').isVisible()).toBe(true);
      await check();
      await click(page.getByRole('link', { name: 'Make your first badge' }));
      await page.getByLabel('Badge name').fill('Digital Storyteller');
      await page.getByLabel('Criteria', { exact: true }).fill('Plan, record and edit a two-minute story.');
      await page.getByLabel('Badge image').setInputFiles({ name: 'badge.png', mimeType: 'image/png', buffer: await pngImage(200, 200, '#b4451f') });
      await page.getByLabel('Image description (alt text)').fill('An orange square');
      await click(page.getByRole('button', { name: 'Create badge' }));
      await expect.poll(() => page.locator('#f-description-error').count()).toBe(1);
      await expect.poll(() => page.locator('.kept-upload img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      // The summary links to the marked field; the message is said once, beside it.
      await click(page.getByRole('link', { name: 'Check the marked field below' }));
      await expect.poll(() => page.url()).toMatch(/#f-description$/);
      await check();
      await snap('badge-kept-image');
      await page.getByLabel('Description (required)').fill('Made and shared a short digital story.');
      await click(page.getByRole('button', { name: 'Create badge' }));
      await expect.poll(() => page.locator('h1').textContent()).toContain('Digital Storyteller');
      expect(await page.locator('.badge-summary img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

      // Step 3: the award; then the checklist has done its job and goes.
      await page.goto(`${suite.t.baseUrl}/manage`);
      expect(await page.locator('.first-steps').getByText('2 of 3 done').isVisible()).toBe(true);
      await click(page.getByRole('link', { name: 'Award it to a learner' }));
      await page.getByLabel('Recipients').fill('ada@example.org, Ada Lovelace');
      await click(page.getByRole('button', { name: 'Award', exact: true }));
      await expect.poll(() => page.url()).toMatch(/\/manage\/assertions\//);
      await check();
      await page.goto(`${suite.t.baseUrl}/manage`);
      expect(await page.locator('.first-steps').count()).toBe(0);
      await check();
      await snap('dashboard-done');

      console.log(`[figure] first-steps-${device.name}: ${JSON.stringify({ clicksToFirstAward: clicks })}`);
      expect(axe, axe.join('\n')).toEqual([]);
      // The form errors are the browser's own log lines of the deliberate 400s; nothing else may appear.
      expect(problems.filter((p) => !p.includes('status of 400')), problems.join('\n')).toEqual([]);
      await context.close();
    }, 120_000);
  }
});
