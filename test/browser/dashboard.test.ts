import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent } from '../helpers/app.js';
import { browserSuite, screenshotter, seriousAxe, watchPage } from '../helpers/browser.js';

/** What a reader of the dashboard gets: the charts as images with their spoken summaries, and whether the page fits. */
async function dashboardOf(page: Page) {
  const { width } = page.viewportSize()!;
  return page.evaluate((width) => ({
    charts: [...document.querySelectorAll('svg[role=img]')].map((svg) => ({
      label: svg.getAttribute('aria-label') ?? '',
      width: svg.getBoundingClientRect().width,
      bars: svg.querySelectorAll('rect.chart-bar').length,
    })),
    // The page's own content (the header is header.test.ts's): nothing reaches past the screen's edge. A phone's
    // layout viewport widens to fit what overflows, so the screen's width itself is the measure.
    // A wide table scrolls inside its own box (.table-scroll), which must fit.
    overflows: [...document.querySelectorAll('#main *')].some((e) => !e.parentElement!.closest('.table-scroll') && e.getBoundingClientRect().right > width + 0.5),
  }), width);
}

describe('the issuer dashboard in Chromium', () => {
  const suite = browserSuite();
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

  it('draws its charts with tables behind them, axe-clean and within the screen on a desktop and on a 390 × 844 phone', async () => {
    await signedUpAgent(suite.t); // the site admin, so the facilitator's header is an ordinary one
    const desktop = await (await suite.browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems = await watchPage(desktop);
    await desktop.goto(`${suite.t.baseUrl}/signup`);
    await desktop.getByLabel('Email').fill('dashboard@example.org');
    await desktop.getByLabel('Password').fill('correct horse battery');
    await desktop.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => desktop.url()).toContain('/manage');
    const token = await apiToken(suite.t, 'dashboard@example.org');
    const { issuer, badge } = await givenBadge(suite.t, token);
    const day = 86_400_000;
    const recipients = Array.from({ length: 30 }, (_, i) => ({ email: `learner${i}@example.org`, name: `Learner ${i}`, issuedOn: new Date(Date.now() - (i % 10) * 9 * day).toISOString().slice(0, 10) }));
    const awarded = await fetch(`${suite.t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipients, notify: true }),
    });
    expect(awarded.status).toBe(201);
    // A workshop session with one claim waiting, so the sessions table and the waiting list are on the page too.
    const session = await request(suite.t.server).post(`/api/v1/badges/${badge.id}/sessions`).set('Authorization', `Bearer ${token}`).send({ title: 'Saturday club', closesInMinutes: 120 });
    expect(session.status).toBe(201);
    const learner = request.agent(suite.t.server);
    const csrf = await csrfFrom(learner, `/claim/${session.body.code}`);
    expect((await learner.post(`/claim/${session.body.code}`).type('form').send({ _csrf: csrf, name: 'Maya Patel', noEmail: '1' })).status).toBe(303);

    await desktop.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.id}`);
    await desktop.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await expect.poll(() => desktop.url()).toContain('/dashboard');
    const wide = await dashboardOf(desktop);
    expect(wide.charts.map((c) => c.bars)).toEqual([52, 1, 4]);
    expect(wide.charts[0]!.label).toMatch(/^Awards per week, from the week of .+: 30 awards in all; the most, \d+, for the week of .+\.$/);
    expect(wide.charts[1]!.label).toBe('Awards per badge: 30 awards in all.');
    expect(wide.charts.every((c) => c.width > 300)).toBe(true);
    expect(wide.overflows).toBe(false);
    expect(await desktop.getByRole('link', { name: 'Maya Patel' }).getAttribute('href')).toBe(`/manage/sessions/${session.body.id}`);
    expect(await desktop.getByRole('region', { name: 'Table of workshop sessions' }).isVisible()).toBe(true);
    await screenshotter(desktop)('dashboard-desktop');
    expect(await seriousAxe(desktop)).toEqual([]);
    // The table behind a chart opens with a click and carries the same numbers.
    await desktop.getByText('Show as table').first().click();
    const weekly = desktop.getByRole('table', { name: /Awards per week/ });
    expect(await weekly.isVisible()).toBe(true);
    const sum = await weekly.locator('tbody td').evaluateAll((tds) => tds.reduce((n, td) => n + Number(td.textContent), 0));
    expect(sum).toBe(30);
    expect(await seriousAxe(desktop)).toEqual([]);

    const small = await (await suite.browser.newContext(phone)).newPage();
    problems.push(...(await watchPage(small)));
    await small.goto(`${suite.t.baseUrl}/login`);
    await small.getByLabel('Email').fill('dashboard@example.org');
    await small.getByLabel('Password').fill('correct horse battery');
    await small.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => small.url()).toContain('/manage');
    await small.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.id}/dashboard`);
    const narrow = await dashboardOf(small);
    expect(narrow.charts).toHaveLength(3);
    expect(narrow.charts.every((c) => c.width > 250 && c.width <= 390)).toBe(true);
    expect(narrow.overflows).toBe(false);
    await screenshotter(small)('dashboard-phone');
    expect(await seriousAxe(small)).toEqual([]);
    for (const summary of await small.getByText('Show as table').all()) await summary.click();
    expect((await dashboardOf(small)).overflows).toBe(false);
    expect(await seriousAxe(small)).toEqual([]);

    expect(problems).toEqual([]);
  });
});
