import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiToken } from '../helpers/app.js';
import { browserSuite, screenshotter, watchPage } from '../helpers/browser.js';

// Screenshots are part of this test's output: KILN_SCREENSHOTS, or test-results/ (git-ignored) by default.
const shots = process.env.KILN_SCREENSHOTS ?? 'test-results';

describe('designing and planning a badge in a real browser', () => {
  const suite = browserSuite();

  it('designs with the live preview, saves, makes a badge from the design and plans one with the canvas, with no console error or CSP violation', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = await watchPage(page);
    const snap = screenshotter(page, shots);

    await page.goto(`${suite.t.baseUrl}/signup`);
    await page.getByLabel('Email').fill('facilitator@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
    const issuer = await request(suite.t.server)
      .post('/api/v1/issuers')
      .set('Authorization', `Bearer ${await apiToken(suite.t, 'facilitator@example.org')}`)
      .send({ name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });

    // The badge form opens the designer, keeping what was typed there.
    await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.body.id}/badges/new`);
    await page.getByLabel('Description (required)').fill('Works well with others.');
    await page.getByLabel('Criteria', { exact: true }).fill('Took part in three team projects.');
    await page.getByRole('button', { name: 'Design an image for this badge' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Design a badge image');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('What you typed in the new badge form is kept');

    // Live preview: typing a title draws the badge from a blob: URL, without a page load.
    const preview = page.locator('#designer-preview');
    await page.getByLabel('Title (required)').fill('Team Player');
    await expect.poll(() => preview.getAttribute('src'), { timeout: 10_000 }).toMatch(/^blob:/);
    const first = await preview.getAttribute('src');
    await page.getByLabel('Shield').check();
    await page.getByLabel('Subtitle (optional)').fill('2026');
    await page.getByLabel('Ribbon text').fill('Leicester');
    await page.getByLabel('Search icons by name').fill('trophy');
    await expect.poll(() => page.locator('#icon-choices input[value="trophy"]').count()).toBe(1);
    await page.locator('#icon-choices input[value="trophy"]').check();
    await expect.poll(() => preview.getAttribute('src')).not.toBe(first);
    await expect.poll(() => page.locator('#f-altText').inputValue()).toMatch(/trophy icon, titled "Team Player", "2026" beneath/);
    expect(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(512);
    // A low-contrast text colour is flagged while typing.
    await page.getByLabel('Text colour (optional)').fill('#3b82f6');
    await expect.poll(() => page.locator('#designer-warnings .check-warn').first().textContent()).toMatch(/contrast is \d\.\d:1/);
    await page.getByLabel('Text colour (optional)').fill('');
    await expect.poll(() => page.locator('#designer-warnings .check-ok').count()).toBe(1);
    await snap('designer');

    // Saving comes back to the badge form: what was typed is there, the design is chosen and names the badge.
    await page.getByRole('button', { name: 'Save design' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Create a badge');
    expect(await page.getByLabel('Description (required)').inputValue()).toBe('Works well with others.');
    expect(await page.getByLabel('Criteria', { exact: true }).inputValue()).toBe('Took part in three team projects.');
    expect(await page.getByLabel('Badge name').inputValue()).toBe('Team Player');
    expect(await page.locator('input[name=designId]:checked').getAttribute('value')).not.toBe('');
    await snap('badge-form-with-design');
    await page.getByRole('button', { name: 'Create badge' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Team Player');
    const badgeId = /\/manage\/badges\/([\w-]+)/.exec(page.url())![1]!;
    expect((await request(suite.t.server).get(`/badges/${badgeId}/image.svg`)).status).toBe(200);

    // Plan the next badge on a canvas, print it, and fill the badge form from it.
    await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.body.id}/canvases/new`);
    await page.getByLabel('Badge name').fill('Young Gardener');
    await page.getByLabel('Description').fill('Grows food for the club kitchen.');
    await page.getByLabel('Who it is for').fill('Members aged 11 to 14 who have not gardened before.');
    await page.getByLabel('Component 1', { exact: true }).fill('Plan a vegetable bed');
    await page.getByLabel('Component 2', { exact: true }).fill('Keep a growing diary');
    await page.getByLabel('Component 2 is').selectOption('optional');
    await page.getByLabel('Team Player').selectOption('prerequisite');
    await page.getByLabel('Where it fits').fill('The first step towards the Club Chef badge.');
    await page.getByLabel('What it needs').fill('Seeds, a raised bed, a volunteer mentor.');
    await page.getByLabel('Evidence a learner could show').fill('Photos of the harvest.');
    await page.getByRole('button', { name: 'Create canvas' }).click();
    await expect.poll(() => page.locator('[role=status]').first().textContent()).toContain('Canvas saved.');

    await page.getByRole('link', { name: 'Print (A3)' }).click();
    await expect.poll(() => page.locator('#sheet-title').textContent()).toBe('Young Gardener');
    await page.emulateMedia({ media: 'print' });
    await snap('canvas-print');
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('link', { name: 'Back to the canvas' }).click();

    await page.getByRole('link', { name: 'Fill the badge form' }).click();
    expect(await page.getByLabel('Badge name').inputValue()).toBe('Young Gardener');
    expect(await page.getByLabel('Criteria', { exact: true }).inputValue()).toContain('**Required**\n\n- Plan a vegetable bed\n\n**Optional**\n\n- Keep a growing diary');

    for (const name of ['designer', 'canvas-print']) expect(fs.existsSync(path.join(shots, `${name}.png`)), name).toBe(true);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
