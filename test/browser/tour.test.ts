import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

// Issue 19: every key screen of the facilitator's and the learner's flows, on a laptop and on a 390 px phone: it
// answers, axe finds nothing serious or critical, and nothing runs off the side of the screen. With KILN_SCREENSHOTS
// set, each screen is saved (docs/screenshots holds the ones the README shows).
const viewports = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
];

describe('a tour of the key screens in a real browser', () => {
  const suite = browserSuite();

  for (const device of viewports) {
    it(`shows every key screen readably and accessibly (${device.name})`, async () => {
      const email = `tour-${device.name}@example.org`;
      const context = await suite.browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.isMobile });
      const page = await context.newPage();
      const problems = await watchPage(page);
      const snap = screenshotter(page, process.env.KILN_SCREENSHOTS ? path.join(process.env.KILN_SCREENSHOTS, device.name) : undefined);

      await page.goto(`${suite.t.baseUrl}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.url()).toMatch(/\/manage$/);

      const token = await apiToken(suite.t, email);
      const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
      const { issuer, badge } = await givenBadge(suite.t, token, { expiresAfterDays: 365 });
      const learner = `learner-${device.name}@example.org`;
      const award = await auth(request(suite.t.server).post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: learner, name: 'Ada Lovelace' }, narrative: 'Shared a story at the showcase.', notify: true });
      expect(award.status, JSON.stringify(award.body)).toBe(201);
      const session = await auth(request(suite.t.server).post(`/api/v1/badges/${badge.id}/sessions`)).send({ title: 'Saturday club', closesInMinutes: 180 });
      expect(session.status, JSON.stringify(session.body)).toBe(201);
      const outbox = suite.t.db.prepare('SELECT id FROM outbox ORDER BY rowid DESC LIMIT 1').pluck().get() as string;

      const problemsOf: string[] = [];
      const tour = async (name: string, url: string, fixedWidth = false) => {
        const res = await page.goto(url.startsWith('http') ? url : `${suite.t.baseUrl}${url}`);
        if (!res || res.status() >= 400) problemsOf.push(`${name} (${url}): status ${res?.status()}`);
        for (const finding of await seriousAxe(page)) problemsOf.push(`${name}: ${finding}`);
        // Against the device's width: on a phone the layout viewport widens to fit what overflows, so innerWidth would too.
        const overflow = (await page.evaluate(() => document.documentElement.scrollWidth)) - device.viewport.width;
        if (overflow > 1 && !fixedWidth) {
          const culprits = await page.evaluate((width) => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 1 && ![...(el.children)].some((c) => c.getBoundingClientRect().right > width + 1)).slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`), device.viewport.width);
          problemsOf.push(`${name} (${url}): ${overflow} px wider than the screen (${culprits.join(', ')})`);
        }
        await snap(name);
      };

      // The facilitator's screens.
      await tour('dashboard', '/manage');
      await tour('issuer', `/manage/issuers/${issuer.id}`);
      await tour('badge', `/manage/badges/${badge.id}`);
      await tour('badge-form', `/manage/issuers/${issuer.id}/badges/new`);
      await tour('award-form', `/manage/badges/${badge.id}/award`);
      await tour('csv-upload', `/manage/badges/${badge.id}/award/bulk`);
      await tour('award-manage', `/manage/assertions/${award.body.id}`);
      await tour('awards', `/manage/issuers/${issuer.id}/awards`);
      await tour('workshop', `/manage/sessions/${session.body.id}`);
      await tour('designer', `/designer?issuerId=${issuer.id}`);
      await tour('pathways', `/manage/issuers/${issuer.id}/pathways/new`);
      // The first account made is the site admin: the desktop run's.
      if (device.name === 'desktop') {
        await tour('outbox', '/admin/outbox');
        await tour('outbox-message', `/admin/outbox/${outbox}`);
      }
      await tour('account', '/account');

      // The learner's and the verifier's screens, signed out.
      await page.context().clearCookies();
      await tour('award-page', new URL(award.body.openBadgeId).pathname);
      await tour('claim', `/claim/${session.body.code}`);
      await tour('verify', '/verify');
      await tour('badge-page', `/badges/${badge.id}`);
      await tour('issuer-page', `/issuers/${issuer.id}`);
      suite.t.kiln.services.learners.requestSignIn({ email: learner });
      const body = suite.t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get(learner) as string;
      await page.goto(/(http\S+\/learner\/sign-in\/[\w-]+)/.exec(body)![1]!);
      await Promise.all([page.waitForURL(/\/learner$/), page.getByRole('button', { name: /sign in/i }).click()]);
      await tour('learner-home', '/learner');
      // The certificate is a sheet of A4 laid out for print: on a phone it may be scrolled sideways.
      await tour('certificate', `/learner/awards/${award.body.id}/certificate`, true);

      expect(problemsOf, problemsOf.join('\n')).toEqual([]);
      expect(problems, problems.join('\n')).toEqual([]);
      await context.close();
    }, 180_000);
  }
});
