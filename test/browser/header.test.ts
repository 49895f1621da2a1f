import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, watchPage } from '../helpers/browser.js';

/** The header's menu items: their text, and whether they all sit on one line (every item spans a common band). */
async function menuOf(page: Page): Promise<{ items: string[]; oneRow: boolean; overflows: boolean }> {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll<HTMLElement>('header nav li')];
    const boxes = items.map((li) => li.getBoundingClientRect());
    return {
      items: items.map((li) => li.innerText.replace(/\s+/g, ' ').trim()),
      oneRow: Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom)),
      // Against the phone's 390 px: a mobile layout viewport widens to fit what overflows, so innerWidth would too.
      overflows: document.documentElement.scrollWidth > 390,
    };
  });
}

describe('the site header on a phone', () => {
  const suite = browserSuite();
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

  it('shows each visitor their own menu on one row: anonymous, facilitator (whose browser zone is kept), and a learner signed in by link', async () => {
    const problems: string[] = [];

    const visitor = await (await suite.browser.newContext(phone)).newPage();
    problems.push(...(await watchPage(visitor)));
    await visitor.goto(`${suite.t.baseUrl}/`);
    const anonymous = await menuOf(visitor);
    expect(anonymous.items).toEqual(['Verify', 'Your badges', 'Sign in', 'Sign up']);
    expect(anonymous.oneRow).toBe(true);
    expect(anonymous.overflows).toBe(false);

    // A facilitator who awards a badge to a learner.
    const facilitator = await (await suite.browser.newContext({ ...phone, timezoneId: 'Pacific/Auckland' })).newPage();
    problems.push(...(await watchPage(facilitator)));
    await facilitator.goto(`${suite.t.baseUrl}/signup`);
    await facilitator.getByLabel('Email').fill('header-facilitator@example.org');
    await facilitator.getByLabel('Password').fill('correct horse battery');
    await facilitator.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => facilitator.url()).toContain('/manage');
    const signedIn = await menuOf(facilitator);
    expect(signedIn.items).toContain('Sign out');
    expect(signedIn.items).not.toContain('Sign in');
    expect(signedIn.oneRow).toBe(true);
    expect(signedIn.overflows).toBe(false);
    // The browser's zone came along with the sign-up form and is the account's until another is chosen.
    expect(await suite.t.db.prepare('SELECT time_zone FROM user_preferences').pluck().get()).toBe('Pacific/Auckland');
    await facilitator.goto(`${suite.t.baseUrl}/account`);
    expect(await facilitator.locator('#f-timeZone').inputValue()).toBe('Pacific/Auckland');
    const token = await apiToken(suite.t, 'header-facilitator@example.org');
    const { badge } = await givenBadge(suite.t, token);
    const award = await fetch(`${suite.t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipient: { email: 'header-learner@example.org' } }),
    });
    expect(award.status).toBe(201);

    // The learner asks for a link, follows it from the email, and is signed in: the header says so.
    const learner = await (await suite.browser.newContext(phone)).newPage();
    problems.push(...(await watchPage(learner)));
    await learner.goto(`${suite.t.baseUrl}/learner`);
    await learner.getByLabel('Email').fill('header-learner@example.org');
    await learner.getByRole('button', { name: /sign-in link/i }).click();
    const body = (await suite.t.db
      .prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC")
      .pluck()
      .get('header-learner@example.org')) as string;
    const link = /\((http[^)]+\/learner\/sign-in\/[\w-]+)\)/.exec(body)![1]!;
    await learner.goto(link);
    await learner.getByRole('button', { name: /sign in/i }).click();
    await expect.poll(() => learner.url()).toMatch(/\/learner$/);
    const asLearner = await menuOf(learner);
    expect(asLearner.items).toEqual(['Verify', 'Your badges', 'Sign out (header-learner@example.org)']);
    expect(asLearner.oneRow).toBe(true);
    expect(asLearner.overflows).toBe(false);
    expect(await learner.locator('header nav a[aria-current=page]').textContent()).toBe('Your badges');

    // Signing out from the header ends the learner's session: the learner home asks for an email again.
    await learner.locator('header nav').getByRole('button', { name: /Sign out/ }).click();
    await expect.poll(() => learner.getByRole('button', { name: /sign-in link/i }).count()).toBe(1);
    expect((await menuOf(learner)).items).toEqual(['Verify', 'Your badges', 'Sign in', 'Sign up']);
    await expect.poll(() => learner.getByLabel('Email').count()).toBe(1);

    expect(problems).toEqual([]);
  });
});
