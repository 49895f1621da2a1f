import type { Page } from 'playwright-core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiToken, dataUri, givenBadge, pngImage } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe('making a pathway in a real browser', () => {
  const suite = browserSuite();

  async function signUp(page: Page, email: string) {
    await page.goto(`${suite.t.baseUrl}/signup`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
  }

  /** An issuer with five badges, made through the API. */
  async function givenBadges(email: string) {
    const token = await apiToken(suite.t, email);
    const { issuer } = await givenBadge(suite.t, token, { name: 'Teamwork' });
    for (const name of ['Communication', 'Listening', 'Problem solving', 'Public speaking']) {
      const res = await request(suite.t.server)
        .post(`/api/v1/issuers/${issuer.id}/badges`)
        .set('Authorization', `Bearer ${token}`)
        .send({ name, description: 'A step.', image: dataUri(await pngImage()), criteria: { narrative: 'Do it.' } });
      expect(res.status).toBe(201);
    }
    return issuer.id as string;
  }

  const chosenNames = (page: Page) => page.locator('[data-chosen] .pathway-step-name').evaluateAll((labels) => labels.map((l) => l.firstChild!.textContent!.trim()));
  const visibleAvailable = (page: Page) =>
    page.locator('[data-available] li[data-step]:visible .pathway-step-name').evaluateAll((labels) => labels.map((l) => l.firstChild!.textContent!.trim()));

  it('searches the badges, picks three, reorders them with the keyboard and saves the pathway in that order, with no serious axe finding', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const problems = await watchPage(page);
    const snap = screenshotter(page);
    await signUp(page, 'pathways@example.org');
    const issuerId = await givenBadges('pathways@example.org');

    await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuerId}/pathways/new`);
    problems.push(...(await seriousAxe(page)));
    // Without JavaScript the numbers are the order; with it they are kept in step with the list and not shown.
    expect(await page.getByLabel('Number of Teamwork').isVisible()).toBe(false);

    const search = page.getByLabel('Find a badge');
    await search.fill('pub');
    await expect.poll(() => visibleAvailable(page)).toEqual(['Public speaking']);
    expect(await page.locator('[data-step-search-count]').textContent()).toBe('1 of 5 badges shown.');
    await page.getByLabel('Public speaking', { exact: true }).check();
    await search.fill('solv');
    await expect.poll(() => visibleAvailable(page)).toEqual(['Problem solving']);
    await page.getByLabel('Problem solving', { exact: true }).check();
    await search.fill('');
    await expect.poll(() => visibleAvailable(page)).toEqual(['Communication', 'Listening', 'Teamwork']);
    await page.getByLabel('Teamwork', { exact: true }).check();
    expect(await chosenNames(page)).toEqual(['Public speaking', 'Problem solving', 'Teamwork']);
    await page.getByLabel('Group of Teamwork').fill('Core');

    // Keyboard only: Teamwork up twice to the top, then Public speaking down once.
    const teamworkUp = page.getByRole('button', { name: 'Move up Teamwork' });
    await teamworkUp.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    expect(await teamworkUp.evaluate((b) => b === document.activeElement)).toBe(true);
    expect(await chosenNames(page)).toEqual(['Teamwork', 'Public speaking', 'Problem solving']);
    await expect.poll(() => page.locator('[data-step-announce]').textContent()).toBe('Teamwork is now step 1 of 3.');
    await page.getByRole('button', { name: 'Move down Public speaking' }).focus();
    await page.keyboard.press('Space');
    expect(await chosenNames(page)).toEqual(['Teamwork', 'Problem solving', 'Public speaking']);
    await snap('pathway-form-steps');
    problems.push(...(await seriousAxe(page)));

    await page.getByLabel('Pathway name').fill('Speaking up');
    await page.getByRole('button', { name: 'Create pathway' }).click();
    await expect.poll(() => page.locator('[role=status]').first().textContent()).toContain('Saved: the pathway is created.');
    expect(await page.locator('.pathway-map .pathway-step .card-title').allTextContents()).toEqual(['Teamwork', 'Problem solving', 'Public speaking']);
    expect(await page.locator('.pathway-map .pathway-group').allTextContents()).toEqual(['Core']);
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });

  it('reorders chosen steps by dragging, and the form has no serious axe finding on a 390 px phone', async () => {
    const context = await suite.browser.newContext(PHONE);
    const page = await context.newPage();
    const problems = await watchPage(page);
    const snap = screenshotter(page);
    await signUp(page, 'pathways-phone@example.org');
    const issuerId = await givenBadges('pathways-phone@example.org');
    await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuerId}/pathways/new`);
    problems.push(...(await seriousAxe(page)));
    for (const name of ['Communication', 'Listening', 'Teamwork']) await page.getByLabel(name, { exact: true }).check();
    expect(await chosenNames(page)).toEqual(['Communication', 'Listening', 'Teamwork']);
    await snap('pathway-form-steps-phone');
    // Nothing of the form is wider than the phone.
    expect(await page.locator('form[action$="/pathways"] *').evaluateAll((all) => Math.max(...all.map((e) => e.getBoundingClientRect().right)))).toBeLessThanOrEqual(390);
    problems.push(...(await seriousAxe(page)));

    await page.locator('[data-chosen] li[data-step]').nth(2).dragTo(page.locator('[data-chosen] li[data-step]').nth(0), { targetPosition: { x: 10, y: 2 } });
    await expect.poll(() => chosenNames(page)).toEqual(['Teamwork', 'Communication', 'Listening']);
    const numbers = await page.locator('[data-chosen] [data-step-order] input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(numbers).toEqual(['1', '2', '3']);
    await page.getByLabel('Pathway name').fill('Dragged');
    await page.getByRole('button', { name: 'Create pathway' }).click();
    await expect.poll(() => page.locator('.pathway-map .pathway-step .card-title').allTextContents()).toEqual(['Teamwork', 'Communication', 'Listening']);
    problems.push(...(await seriousAxe(page)));
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });
});
