import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractPng } from '../../src/openbadges/png.js';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, screenshotter, watchPage } from '../helpers/browser.js';

describe('awarding in a real browser', () => {
  const suite = browserSuite();

  it('awards two learners with a confirmation step, and a learner downloads a baked PNG from the award page', async () => {
    const context = await suite.browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const snap = screenshotter(page);

    await page.goto(`${suite.t.baseUrl}/signup`);
    await page.getByLabel('Email').fill('lead@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
    const { badge } = await givenBadge(suite.t, await apiToken(suite.t, 'lead@example.org'), { expiresAfterDays: 365 });

    await page.goto(`${suite.t.baseUrl}/manage/badges/${badge.id}`);
    await page.getByRole('link', { name: 'Award this badge' }).click();
    await page.getByLabel('Recipients (required)').fill('ana@example.org\nben@example.org, Ben Lee');
    await page.getByLabel('Narrative (optional)').fill('Shared a story at the **showcase**.');
    await page.getByRole('button', { name: 'Award' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Confirm and award 2' }).count()).toBe(1);
    await snap('award-confirm');
    await page.getByRole('button', { name: 'Confirm and award 2' }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(2);
    await snap('badge-awards');

    await page.getByRole('link', { name: /ana@example.org/ }).click();
    const awardUrl = await page.locator('dd a').first().getAttribute('href');
    await page.goto(awardUrl!);
    await expect.poll(() => page.locator('.banner').textContent()).toContain('Valid');
    expect(await page.content()).not.toContain('ana@example.org');
    await snap('award-page');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download badge (PNG)', exact: true }).click()]);
    const file = await download.path();
    const baked = JSON.parse(extractPng(fs.readFileSync(file))!);
    expect(baked.id).toBe(awardUrl);
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });
});
