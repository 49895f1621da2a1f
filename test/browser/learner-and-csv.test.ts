import fs from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, seriousAxe, watchPage } from '../helpers/browser.js';

// Issue 19, on a laptop and on a 390 px phone: a CSV with a bad line awards the good lines and gives the bad one back
// to fix; a learner signed in by link gathers badges into a collection whose public page shows each badge's status.
const viewports = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
];

describe('CSV awards and learner collections in a real browser', () => {
  const suite = browserSuite();

  for (const device of viewports) {
    it(`awards the good lines of a CSV and hands back the bad one; a learner shares a collection (${device.name})`, async () => {
      const email = `csv-${device.name}@example.org`;
      const context = await suite.browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.isMobile, acceptDownloads: true });
      const page = await context.newPage();
      const problems = await watchPage(page);
      const axe: string[] = [];
      const check = async () => axe.push(...(await seriousAxe(page)));

      await page.goto(`${suite.t.baseUrl}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.url()).toMatch(/\/manage$/);
      const { badge } = await givenBadge(suite.t, await apiToken(suite.t, email));
      const learner = `sam-${device.name}@example.org`;

      // The template downloads; a file with one bad address awards the two good lines.
      await page.goto(`${suite.t.baseUrl}/manage/badges/${badge.id}/award/bulk`);
      const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download a template CSV file' }).click()]);
      expect(fs.readFileSync((await template.path())!, 'utf8').split('\n')[0]).toMatch(/^\ufeff?email,/);
      const csv = `email,name\n${learner},Sam Lee\nnot-an-address,Nobody\nkim-${device.name}@example.org,Kim Park\n`;
      await page.getByLabel('CSV file (required)').setInputFiles({ name: 'workshop.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByLabel('Award the good lines, and give me the bad ones back as a CSV file to fix').check();
      await page.getByRole('button', { name: 'Check the file' }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('2 lines are fine and 1 line has problems');
      await check();
      await page.getByRole('button', { name: 'Confirm and award 2 people' }).click();
      await expect.poll(() => page.getByText('1 line was not awarded.').count()).toBe(1);
      await check();
      const [toFix] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the line to fix (CSV)' }).click()]);
      const fixLines = fs.readFileSync((await toFix.path())!, 'utf8').trim().split(/\r?\n/);
      expect(fixLines).toHaveLength(2);
      expect(fixLines[0]).toMatch(/email,name,error/);
      expect(fixLines[1]).toContain('not-an-address');

      // The learner signs in by link, makes a collection of the badge, and its public page shows it as valid.
      await context.clearCookies();
      suite.t.kiln.services.learners.requestSignIn({ email: learner });
      const body = suite.t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get(learner) as string;
      await page.goto(/(http\S+\/learner\/sign-in\/[\w-]+)/.exec(body)![1]!);
      await Promise.all([page.waitForURL(/\/learner$/), page.getByRole('button', { name: /sign in/i }).click()]);
      await expect.poll(() => page.getByText(badge.name).count()).toBeGreaterThan(0);
      await check();
      await page.getByLabel('New collection name (required)').fill('My youth club badges');
      await page.getByRole('button', { name: 'Create collection' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('My youth club badges');
      await page.getByLabel('Description (optional)').fill('What I did at Riverside.');
      await page.getByLabel(new RegExp(badge.name)).check();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Saved.');
      await check();
      const publicUrl = (await page.locator('main a[href*="/collections/"]').first().getAttribute('href'))!;
      await context.clearCookies();
      await page.goto(publicUrl);
      await expect.poll(() => page.locator('h1').textContent()).toContain('My youth club badges');
      expect(await page.getByText('What I did at Riverside.').count()).toBe(1);
      expect(await page.getByText('Valid').count()).toBeGreaterThan(0);
      await check();
      expect((await request(suite.t.server).get(new URL(publicUrl).pathname)).status).toBe(200);

      expect(axe, axe.join('\n')).toEqual([]);
      expect(problems, problems.join('\n')).toEqual([]);
      await context.close();
    }, 120_000);
  }
});
