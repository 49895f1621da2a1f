import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

const screens: Array<[string, BrowserContextOptions]> = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }],
];

/** The visible primary buttons of the page's content, the group headings, and whether the page scrolls sideways. */
function layoutOf(page: Page) {
  return page.evaluate(() => {
    const visible = (e: Element) => (e as HTMLElement).offsetParent !== null;
    const primaries = [...document.querySelectorAll('main .button')].filter(
      (e) => visible(e) && !['button-secondary', 'button-danger', 'button-small'].some((c) => e.classList.contains(c)),
    );
    return {
      primaries: primaries.map((e) => e.textContent!.trim()),
      groups: [...document.querySelectorAll('main .action-group h2')].filter(visible).map((h) => h.textContent!.trim()),
      sideways: document.documentElement.scrollWidth > window.innerWidth,
    };
  });
}

// Issue 19: on an issuer and a badge, one clear primary action and the rest in labelled groups, also on a phone.
describe('the issuer and badge manage pages in a real browser', () => {
  const suite = browserSuite();

  for (const [screen, options] of screens) {
    it(`shows one primary action and labelled groups on the issuer and badge pages on ${screen}, asks before deleting, with no axe finding`, async () => {
      const context = await suite.browser.newContext(options);
      const page = await context.newPage();
      const problems = await watchPage(page);
      const snap = screenshotter(page);
      const email = `manage-${screen}@example.org`;
      await page.goto(`${suite.t.baseUrl}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.url()).toContain('/manage');
      const { issuer, badge } = await givenBadge(suite.t, await apiToken(suite.t, email));

      await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.id}`);
      expect(await layoutOf(page)).toEqual({ primaries: ['New badge'], groups: ['Awarding', 'Designing', 'Endorsements', 'Settings', 'Sharing'], sideways: false });
      expect(await page.getByText('1 badge · 0 awards · 1 member').isVisible()).toBe(true);
      await snap(`manage-issuer-${screen}`);
      expect(await seriousAxe(page)).toEqual([]);

      await page.getByRole('link', { name: 'Digital Storyteller' }).click();
      await expect.poll(() => page.url()).toContain(`/manage/badges/${badge.id}`);
      expect(await layoutOf(page)).toEqual({ primaries: ['Award this badge'], groups: ['Awarding', 'Settings', 'Sharing', 'Danger zone'], sideways: false });
      const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
      expect((await crumbs.innerText()).replace(/\s+/g, ' ').trim()).toBe('Issuers › Riverside Youth Club › Digital Storyteller');
      await snap(`manage-badge-${screen}`);
      expect(await seriousAxe(page)).toEqual([]);

      // Deleting asks first; saying no keeps the badge.
      const asked: string[] = [];
      page.once('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.dismiss();
      });
      await page.getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => asked).toEqual(['Delete this badge? This cannot be undone.']);
      expect(page.url()).toContain(`/manage/badges/${badge.id}`);
      expect(await suite.t.db.prepare('SELECT deleted_at FROM badge_classes WHERE id = ?').pluck().get(badge.id)).toBeNull();

      // The primary action leads to the award form.
      await page.getByRole('link', { name: 'Award this badge' }).click();
      await expect.poll(() => page.url()).toContain(`/manage/badges/${badge.id}/award`);
      expect(problems, problems.join('\n')).toEqual([]);
      await context.close();
    });
  }
});
