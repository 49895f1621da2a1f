import fs from 'node:fs';
import type { BrowserContextOptions } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { extractPng } from '../../src/openbadges/png.js';
import { apiToken, dataUri, givenBadge, signedUpAgent } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#2a9d8f"/></svg>`;

const screens: Array<[string, BrowserContextOptions]> = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }],
];

// Issue 19: what a learner (or whoever they send it to) sees first, and how they keep and share it.
describe("the learner's award page in a real browser", () => {
  const suite = browserSuite();

  for (const [screen, options] of screens) {
    it(`shows the badge name and the verdict above the fold on ${screen}, one primary download, More formats that opens, and no axe finding`, async () => {
      const { email } = await signedUpAgent(suite.t);
      const token = await apiToken(suite.t, email);
      const { badge } = await givenBadge(suite.t, token, {
        name: 'Community Storyteller and Digital Media Mentor',
        image: dataUri(Buffer.from(SVG), 'image/svg+xml'),
        expiresAfterDays: 365,
      });
      const res = await fetch(`${suite.t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ recipient: { email: `${screen}-learner@example.org`, name: 'Ada Lovelace' }, narrative: 'Shared a story at the **showcase**.' }),
      });
      expect(res.status).toBe(201);
      const award = (await res.json()) as { id: string; openBadgeId: string };

      const context = await suite.browser.newContext({ ...options, acceptDownloads: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.t.baseUrl });
      const page = await context.newPage();
      const problems = await watchPage(page);
      const snap = screenshotter(page);
      await page.goto(award.openBadgeId);
      const height = page.viewportSize()!.height;

      const heading = page.getByRole('heading', { level: 1, name: 'Community Storyteller and Digital Media Mentor' });
      const verdict = page.getByRole('status').filter({ hasText: 'Valid' });
      for (const [what, locator] of [['badge name', heading], ['verdict', verdict]] as const) {
        const box = await locator.boundingBox();
        expect(box, what).not.toBeNull();
        expect(box!.y + box!.height, `${what} bottom on ${screen}`).toBeLessThan(height);
      }
      expect(await page.getByText('Awarded to Ada Lovelace by Riverside Youth Club on').count()).toBe(1);
      expect(await page.getByRole('main').getByRole('link', { name: 'Riverside Youth Club' }).first().getAttribute('href')).toMatch(/\/issuers\//);
      expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), 'scrolls sideways').toBe(false);

      // One primary button on the page's content: the baked PNG.
      const primaries = page.locator('main .button:not(.button-secondary):not(.button-danger):not(.link-button)');
      expect(await primaries.count()).toBe(1);
      expect(await primaries.textContent()).toBe('Download badge (PNG)');
      const [download] = await Promise.all([page.waitForEvent('download'), primaries.click()]);
      expect(JSON.parse(extractPng(fs.readFileSync((await download.path())!))!).id).toBe(award.openBadgeId);

      // The other formats are folded away until asked for.
      const svgLink = page.getByRole('link', { name: 'Badge image (SVG)' });
      expect(await svgLink.isVisible()).toBe(false);
      await page.getByText('More formats', { exact: true }).click();
      await expect.poll(() => svgLink.isVisible()).toBe(true);
      for (const name of ['Open Badges 2.0 data (.json)', 'Open Badges 3.0 image (PNG)', 'Open Badges 3.0 credential (.json)', 'Printable certificate']) {
        expect(await page.getByRole('link', { name }).isVisible(), name).toBe(true);
      }
      const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Open Badges 2.0 data (.json)' }).click()]);
      expect(JSON.parse(fs.readFileSync((await json.path())!, 'utf8')).id).toBe(award.openBadgeId);

      // share.js shows the copy button where the clipboard works; it copies the award's link.
      // Found by its target: its name changes to "Copied" for a moment.
      const copy = page.locator('main button[data-copy-target="award-link"]');
      expect(await page.getByRole('button', { name: 'Copy link' }).count()).toBe(1);
      await expect.poll(() => copy.isVisible()).toBe(true);
      await copy.click();
      await expect.poll(() => copy.textContent()).toBe('Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(award.openBadgeId);
      for (const name of ['Add to LinkedIn profile', 'Post on LinkedIn', 'Post on X', 'Share on Facebook', 'Post on Mastodon', 'Send by email']) {
        expect(await page.getByRole('link', { name }).count(), name).toBe(1);
      }
      expect(await page.locator('#award-wallets').isHidden()).toBe(true);

      await snap(`award-page-${screen}`);
      expect(await seriousAxe(page)).toEqual([]);
      expect(problems, problems.join('\n')).toEqual([]);
      await context.close();
    });
  }

  it('shows the plain link and no dead copy button without JavaScript', async () => {
    const { email } = await signedUpAgent(suite.t);
    const token = await apiToken(suite.t, email);
    const { badge } = await givenBadge(suite.t, token);
    const res = await fetch(`${suite.t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipient: { email: 'nojs@example.org' } }),
    });
    const award = (await res.json()) as { openBadgeId: string };
    const context = await suite.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(award.openBadgeId);
    expect(await page.getByRole('link', { name: award.openBadgeId }).first().isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Copy link' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Share…' }).isVisible()).toBe(false);
    await context.close();
  });
});
