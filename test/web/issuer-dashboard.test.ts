import { JSDOM } from 'jsdom';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

// A Wednesday: this week began on Monday 30 November 2026 (UTC), and the dashboard's 52 weeks on 8 December 2025.
const NOW = new Date('2026-12-02T10:00:00Z');

/** The rows of the table behind a chart, by its caption's start, as [label, number]. */
function chartTable(html: string, caption: string): Array<[string, number]> {
  const doc = new JSDOM(html).window.document;
  const figure = [...doc.querySelectorAll('figure.chart')].find((f) => f.querySelector('figcaption')?.textContent?.startsWith(caption));
  if (!figure) throw new Error(`no chart "${caption}"`);
  return [...figure.querySelectorAll('tbody tr')].map((tr) => [tr.querySelector('th')!.textContent!.trim(), Number(tr.querySelector('td')!.textContent!.replace(/,/g, ''))]);
}

const svgLabel = (html: string, caption: string) => {
  const doc = new JSDOM(html).window.document;
  const figure = [...doc.querySelectorAll('figure.chart')].find((f) => f.querySelector('figcaption')?.textContent?.startsWith(caption));
  const svg = figure?.querySelector('svg');
  return svg ? { role: svg.getAttribute('role'), label: svg.getAttribute('aria-label'), bars: svg.querySelectorAll('rect.chart-bar').length } : null;
};

describe('the issuer dashboard', () => {
  let t: TestKiln;
  const api = () => request(t.server);

  beforeAll(async () => {
    t = await startKiln({}, () => NOW);
  });
  afterAll(() => t.close());

  async function givenIssuer(options: { timeZone?: string } = {}) {
    const owner = await signedUpAgent(t);
    if (options.timeZone) {
      const saved = await owner.agent.post('/account/time-zone').type('form').send({ _csrf: await csrfFrom(owner.agent, '/account'), timeZone: options.timeZone });
      expect(saved.status).toBe(303);
    }
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    const award = async (badgeId: string, issuedOn: string, extra: Record<string, unknown> = {}) => {
      const res = await api().post(`/api/v1/badges/${badgeId}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: `learner-${Math.random()}@example.org` }, issuedOn, ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string };
    };
    const newBadge = async (name: string) => {
      const res = await api().post(`/api/v1/issuers/${issuer.id}/badges`).set('Authorization', `Bearer ${token}`).send({ name, description: 'A second badge.', criteria: { narrative: 'Worked well with others.' }, image: dataUri(await pngImage()) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string };
    };
    return { owner, token, issuer: issuer as { id: string }, badge: badge as { id: string }, award, newBadge };
  }

  const dashboard = async (agent: Agent, issuerId: string) => {
    const res = await agent.get(`/manage/issuers/${issuerId}/dashboard`);
    expect(res.status).toBe(200);
    return res.text;
  };

  it('counts awards per week over the last 52 weeks by their issue date, and per badge, with tables behind the charts', async () => {
    const { owner, issuer, badge, award, newBadge } = await givenIssuer();
    const second = await newBadge('Team Player');
    await award(badge.id, '2026-11-30T09:00:00Z');
    await award(badge.id, '2026-12-01T15:00:00Z');
    await award(badge.id, '2026-11-29T23:30:00Z'); // Sunday: the week before
    await award(second.id, '2026-01-05T12:00:00Z');
    await award(badge.id, '2025-12-07T12:00:00Z'); // the Sunday before the first of the 52 weeks: per badge only

    const html = await dashboard(owner.agent, issuer.id);
    const weeks = chartTable(html, 'Awards per week');
    expect(weeks).toHaveLength(52);
    expect(weeks[0]).toEqual(['8 December 2025', 0]);
    expect(weeks[51]).toEqual(['30 November 2026', 2]);
    expect(weeks[50]).toEqual(['23 November 2026', 1]);
    expect(weeks.find(([label]) => label === '5 January 2026')).toEqual(['5 January 2026', 1]);
    expect(weeks.reduce((sum, [, n]) => sum + n, 0)).toBe(4);
    const svg = svgLabel(html, 'Awards per week');
    expect(svg).toMatchObject({ role: 'img', bars: 52 });
    expect(svg!.label).toBe('Awards per week, from the week of 8 December 2025 to this week: 4 awards in all; the most, 2, for the week of 30 November 2026.');

    expect(chartTable(html, 'Awards per badge')).toEqual([
      ['Digital Storyteller', 4],
      ['Team Player', 1],
    ]);
    expect(html).toContain(`href="/manage/badges/${second.id}"`);
    // No inline styles anywhere on the page (CSP style-src 'self').
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('puts the weeks in the reader’s time zone: a Sunday-night award in UTC is Monday morning in Tokyo', async () => {
    const { owner, issuer, badge, award } = await givenIssuer({ timeZone: 'Asia/Tokyo' });
    await award(badge.id, '2026-11-29T23:30:00Z');
    await award(badge.id, '2026-11-29T14:00:00Z'); // 23:00 on Sunday in Tokyo: still the week before
    const weeks = chartTable(await dashboard(owner.agent, issuer.id), 'Awards per week');
    expect(weeks[51]).toEqual(['30 November 2026', 1]);
    expect(weeks[50]).toEqual(['23 November 2026', 1]);
  });

  it('shows sessions with their claims, approved and pending counts, the claims waiting linked to their session, and emails by status with the failures linked to their award', async () => {
    const { owner, token, issuer, badge, award } = await givenIssuer();
    const session = await api().post(`/api/v1/badges/${badge.id}/sessions`).set('Authorization', `Bearer ${token}`).send({ title: 'Saturday club', closesInMinutes: 180, autoApprove: false });
    expect(session.status).toBe(201);
    for (const name of ['Maya Patel', 'Leo Brooks', 'Sam Ito']) {
      const learner = request.agent(t.server);
      const csrf = await csrfFrom(learner, `/claim/${session.body.code}`);
      expect((await learner.post(`/claim/${session.body.code}`).type('form').send({ _csrf: csrf, name, noEmail: '1' })).status).toBe(303);
    }
    const claims = (await api().get(`/api/v1/sessions/${session.body.id}`).set('Authorization', `Bearer ${token}`)).body.claims as Array<{ id: string; name: string }>;
    const maya = claims.find((c) => c.name === 'Maya Patel')!;
    expect((await api().post(`/api/v1/sessions/${session.body.id}/claims/${maya.id}/approve`).set('Authorization', `Bearer ${token}`).send({})).status).toBe(200);

    // Three award emails: one fails, one is sent, one waits.
    const failed = await award(badge.id, '2026-12-01T09:00:00Z', { notify: true });
    const sent = await award(badge.id, '2026-12-01T09:00:00Z', { notify: true });
    await award(badge.id, '2026-12-01T09:00:00Z', { notify: true });
    const outbox = t.kiln.services.ctx.repos.outbox;
    const kept = { textBody: '', htmlBody: '' };
    const idOf = (assertionId: string) => outbox.latestForAssertion(assertionId)!.id;
    t.db.prepare("UPDATE outbox SET status = 'sending' WHERE id IN (?, ?)").run(idOf(failed.id), idOf(sent.id));
    expect(outbox.markFailed(idOf(failed.id), '550 mailbox unavailable', kept)).toBe(true);
    expect(outbox.markSent(idOf(sent.id), NOW.toISOString(), kept)).toBe(true);

    const html = await dashboard(owner.agent, issuer.id);
    const doc = new JSDOM(html).window.document;
    const row = [...doc.querySelectorAll('#sessions-h ~ div tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()));
    expect(row[0]!.slice(0, 5)).toEqual(['Saturday club', 'Digital Storyteller', '3', '1', '2']);
    expect(doc.querySelector('#pending-h')!.parentElement!.textContent).toContain('2 claims waiting');
    const pendingLinks = [...doc.querySelectorAll('#pending-h ~ ul a')].map((a) => [a.textContent, a.getAttribute('href')]);
    expect(pendingLinks.sort()).toEqual([
      ['Leo Brooks', `/manage/sessions/${session.body.id}`],
      ['Sam Ito', `/manage/sessions/${session.body.id}`],
    ]);
    expect(chartTable(html, 'Award emails by status')).toEqual([
      ['Queued', 1],
      ['Sent', 1],
      ['Failed', 1],
      ['Cancelled', 0],
    ]);
    const failures = [...doc.querySelectorAll('#failed-mail-h ~ ul a')].map((a) => a.getAttribute('href'));
    expect(failures).toEqual([`/manage/assertions/${failed.id}#email-h`]);
    expect(doc.querySelector('#failed-mail-h')!.parentElement!.textContent).toContain('550 mailbox unavailable');

    // Resending supersedes the failure: nothing left to act on, while the count by status keeps it.
    const page = await owner.agent.get(`/manage/assertions/${failed.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    expect((await owner.agent.post(`/manage/assertions/${failed.id}/resend`).type('form').send({ _csrf: csrf })).status).toBe(303);
    const after = new JSDOM(await dashboard(owner.agent, issuer.id)).window.document;
    expect(after.querySelectorAll('#failed-mail-h ~ ul a')).toHaveLength(0);
  });

  it('answers 404 to a member of another issuer and to anyone for an unknown issuer, and sends the signed-out to sign in', async () => {
    const { issuer } = await givenIssuer();
    const stranger = await signedUpAgent(t);
    expect((await stranger.agent.get(`/manage/issuers/${issuer.id}/dashboard`)).status).toBe(404);
    expect((await stranger.agent.get(`/manage/issuers/${crypto.randomUUID()}/dashboard`)).status).toBe(404);
    const anonymous = await api().get(`/manage/issuers/${issuer.id}/dashboard`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login/);
  });

  it('is linked from the issuer page', async () => {
    const { owner, issuer } = await givenIssuer();
    const page = await owner.agent.get(`/manage/issuers/${issuer.id}`);
    expect(page.text).toContain(`href="/manage/issuers/${issuer.id}/dashboard"`);
  });
});
