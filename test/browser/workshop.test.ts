import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, watchPage } from '../helpers/browser.js';

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
});
