import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, seriousAxe, watchPage } from '../helpers/browser.js';

describe('a workshop in real browsers', () => {
  const suite = browserSuite();

  it('a facilitator opens a session, two learners claim (one without email), the roster updates live, approval awards both and the wall shows the one who agreed', async () => {
    const problems: string[] = [];
    const track = async (page: Page) => {
      const seen = await watchPage(page);
      return () => problems.push(...seen.splice(0));
    };

    // Facilitator: signs up in the browser; the issuer and badge come from the API.
    const facilitator = await (await suite.browser.newContext()).newPage();
    const flushFacilitator = await track(facilitator);
    await facilitator.goto(`${suite.t.baseUrl}/signup`);
    await facilitator.getByLabel('Email').fill('facilitator@example.org');
    await facilitator.getByLabel('Password').fill('correct horse battery');
    await facilitator.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => facilitator.url()).toContain('/manage');
    const { badge } = await givenBadge(suite.t, await apiToken(suite.t, 'facilitator@example.org'));

    await facilitator.goto(`${suite.t.baseUrl}/manage/badges/${badge.id}`);
    await facilitator.getByRole('link', { name: 'Run a workshop session' }).click();
    await facilitator.getByLabel('Session title').fill('Saturday story club');
    await facilitator.getByLabel(/Show a public wall/).check();
    await facilitator.getByRole('button', { name: 'Open the session' }).click();
    await expect.poll(() => facilitator.locator('h1').textContent()).toBe('Saturday story club');
    const sessionUrl = facilitator.url();
    const code = (await facilitator.locator('strong.token').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    // The projector page: QR code image and the code in large type.
    const projector = await facilitator.context().newPage();
    const flushProjector = await track(projector);
    await projector.goto(`${sessionUrl}/projector`);
    await expect.poll(() => projector.locator('.projector-code').textContent()).toBe(code);
    expect(await projector.locator('img.projector-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    await facilitator.bringToFront();
    await facilitator.goto(sessionUrl);

    // Learner one: has an email, agrees to the wall. Types the code on the claim page.
    const maya = await (await suite.browser.newContext()).newPage();
    const flushMaya = await track(maya);
    await maya.goto(`${suite.t.baseUrl}/claim`);
    await maya.getByLabel('Claim code').fill(code.toLowerCase());
    await maya.getByRole('button', { name: 'Continue' }).click();
    await maya.getByLabel('Your name').fill('Maya Patel');
    await maya.getByLabel('Your email').fill('maya@example.org');
    await maya.getByLabel(/Show my first name/).check();
    await maya.getByRole('button', { name: 'Claim my badge' }).click();
    await expect.poll(() => maya.locator('[role=status]').first().textContent()).toContain('Waiting for your facilitator');

    // Learner two: no email (under 13), does not agree to the wall. Opens the QR code's URL directly.
    const leo = await (await suite.browser.newContext()).newPage();
    const flushLeo = await track(leo);
    await leo.goto(`${suite.t.baseUrl}/claim/${code.replace('-', '')}`);
    await leo.getByLabel('Your name').fill('Leo');
    await leo.getByLabel('I don’t have an email').check();
    await leo.getByRole('button', { name: 'Claim my badge' }).click();
    await expect.poll(() => leo.locator('[role=status]').first().textContent()).toContain('Waiting for your facilitator');
    const leoLink = leo.url();
    expect(leoLink).toMatch(/\/claimed\/[\w-]{43}$/);

    // The roster fills in by itself (no reload), then the facilitator approves everyone.
    await expect.poll(() => facilitator.locator('tr[data-claim]').count(), { timeout: 10_000 }).toBe(2);
    expect(await facilitator.locator('table.roster tbody').textContent()).toContain('no email (private link)');
    await facilitator.getByRole('button', { name: 'Approve all waiting' }).click();
    await expect.poll(() => facilitator.locator('[role=status]').first().textContent()).toContain('Approved and awarded: 2');
    expect(await facilitator.locator('.status-claim-approved').count()).toBe(2);

    // Both are awarded: the child through the private link, with a printable certificate.
    await leo.reload();
    await expect.poll(() => leo.locator('[role=status]').first().textContent()).toContain('Your badge is awarded.');
    await leo.getByRole('link', { name: 'Printable certificate' }).click();
    await expect.poll(() => leo.locator('.certificate-name').textContent()).toBe('Leo');
    expect(await leo.locator('img.certificate-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await maya.reload();
    await expect.poll(() => maya.locator('[role=status]').first().textContent()).toContain('Your badge is awarded.');

    // The wall shows Maya's first name only, and not Leo, who did not agree.
    const wall = await (await suite.browser.newContext()).newPage();
    const flushWall = await track(wall);
    await wall.goto(`${sessionUrl.replace('/manage/sessions/', '/sessions/')}/wall`);
    expect(await wall.locator('.wall-name').allTextContents()).toEqual(['Maya']);
    expect(await wall.content()).not.toContain('Leo');

    for (const flush of [flushFacilitator, flushProjector, flushMaya, flushLeo, flushWall]) flush();
    expect(problems).toEqual([]);
  });

  it('a waiting learner’s page changes by itself when the facilitator approves or declines in another browser, and the roster links the award', async () => {
    const problems: string[] = [];
    const facilitator = await (await suite.browser.newContext()).newPage();
    const seenFacilitator = await watchPage(facilitator);
    await facilitator.goto(`${suite.t.baseUrl}/signup`);
    await facilitator.getByLabel('Email').fill('waiting-room@example.org');
    await facilitator.getByLabel('Password').fill('correct horse battery');
    await facilitator.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => facilitator.url()).toContain('/manage');
    const { badge } = await givenBadge(suite.t, await apiToken(suite.t, 'waiting-room@example.org'));
    await facilitator.goto(`${suite.t.baseUrl}/manage/badges/${badge.id}/sessions/new`);
    await facilitator.getByLabel('Session title').fill('Tuesday coding club');
    await facilitator.getByRole('button', { name: 'Open the session' }).click();
    await expect.poll(() => facilitator.locator('h1').textContent()).toBe('Tuesday coding club');
    const sessionUrl = facilitator.url();
    const code = (await facilitator.locator('strong.token').textContent())!.trim().replace('-', '');

    // Two learners, on a phone and on a laptop. The session has no wall, so neither is asked about one.
    const learners = [
      { name: 'Maya Patel', context: await suite.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true }) },
      { name: 'Leo Grant', context: await suite.browser.newContext({ viewport: { width: 1280, height: 800 } }) },
    ];
    const waiting: Array<{ page: Page; seen: string[] }> = [];
    for (const learner of learners) {
      const page = await learner.context.newPage();
      const seen = await watchPage(page);
      await page.goto(`${suite.t.baseUrl}/claim/${code}`);
      expect(await page.getByRole('checkbox', { name: /wall/ }).count()).toBe(0);
      await page.getByLabel('Your name').fill(learner.name);
      await page.getByLabel('I don’t have an email').check();
      await page.getByRole('button', { name: 'Claim my badge' }).click();
      await expect.poll(() => page.locator('[role=status]').first().textContent()).toContain('Waiting for your facilitator');
      // claim-status.js (deferred) says so once it runs.
      await expect.poll(() => page.locator('[role=status]').first().textContent()).toContain('This page changes by itself');
      expect(await page.getByRole('link', { name: 'Check again' }).count()).toBe(1);
      problems.push(...(await seriousAxe(page)));
      // Marks the document: a reload (by the learner or the script) would lose it.
      await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
      waiting.push({ page, seen });
    }
    const [maya, leo] = waiting as [{ page: Page; seen: string[] }, { page: Page; seen: string[] }];

    // The facilitator approves Maya and declines Leo, in another browser.
    await facilitator.goto(sessionUrl);
    await expect.poll(() => facilitator.locator('tr[data-claim]').count()).toBe(2);
    await facilitator.getByRole('checkbox', { name: 'Select Maya Patel' }).check();
    await facilitator.getByRole('button', { name: 'Approve selected' }).click();
    await expect.poll(() => facilitator.locator('[role=status]').first().textContent()).toContain('Approved and awarded: 1 learner');
    await facilitator.getByRole('checkbox', { name: 'Select Leo Grant' }).check();
    await facilitator.getByRole('button', { name: 'Decline selected' }).click();
    await expect.poll(() => facilitator.locator('[role=status]').first().textContent()).toContain('Declined.');

    // Neither learner touches their page: it changes on its own, without a reload.
    await expect.poll(() => maya.page.locator('[data-claim-outcome]').textContent(), { timeout: 15_000 }).toContain('Your badge is awarded.');
    expect(await maya.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(await maya.page.getByRole('link', { name: 'Check again' }).count()).toBe(0);
    problems.push(...(await seriousAxe(maya.page)));
    await expect.poll(() => leo.page.locator('[data-claim-outcome]').textContent(), { timeout: 15_000 }).toContain('did not approve this claim');
    expect(await leo.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    problems.push(...(await seriousAxe(leo.page)));
    await maya.page.getByRole('link', { name: 'Open your badge page' }).click();
    await expect.poll(() => maya.page.url()).toMatch(/\/assertions\/[0-9a-f-]{36}$/);
    const awardId = maya.page.url().split('/').pop()!;

    // The roster links Maya's approved row to the award, also once roster.js has redrawn the rows.
    await facilitator.locator('tr[data-claim]').first().evaluate((tr) => tr.setAttribute('data-drawn-by-server', ''));
    await expect.poll(() => facilitator.locator('tr[data-drawn-by-server]').count(), { timeout: 10_000 }).toBe(0);
    expect(await facilitator.getByRole('link', { name: 'Award to Leo Grant' }).count()).toBe(0);
    await facilitator.getByRole('link', { name: 'Award to Maya Patel' }).click();
    await expect.poll(() => facilitator.url()).toBe(`${suite.t.baseUrl}/manage/assertions/${awardId}`);
    expect(await facilitator.locator('body').textContent()).toContain('Maya Patel');

    problems.push(...seenFacilitator, ...maya.seen, ...leo.seen);
    expect(problems, problems.join('\n')).toEqual([]);
    for (const learner of learners) await learner.context.close();
    await facilitator.context().close();
  });
});
