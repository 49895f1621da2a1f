import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, binary, csrfFrom, dataUri, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#2a9d8f"/></svg>`;

// Issue 19: the learner's award page says who and by whom, offers one download with the rest under "More formats",
// and shares by link, email and the usual networks with plain links.
describe("the learner's award page", () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };
  let issuer: { id: string; openBadgeId: string };

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml') }));
  });
  afterAll(() => t.close());

  async function award(recipient: Record<string, string>) {
    const res = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; openBadgeId: string };
  }
  const page = async (id: string) => {
    const res = await request(t.server).get(`/assertions/${id}`).set('Accept', 'text/html');
    return { status: res.status, html: res.text };
  };
  const hrefsOf = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map(([, h]) => h!.replaceAll('&amp;', '&'));

  it('names the recipient the issuer gave and links the issuer, never showing the email address', async () => {
    const a = await award({ email: 'nadia.award@example.org', name: 'Nadia Rahman' });
    const { status, html } = await page(a.id);
    expect(status).toBe(200);
    expect(html).toMatch(/Awarded to <strong>Nadia Rahman<\/strong> by <a href="[^"]*\/issuers\/[^"]+">Riverside Youth Club<\/a>/);
    expect(html).toContain(`href="${issuer.openBadgeId}"`);
    expect(html.toLowerCase()).not.toContain('nadia.award');
  });

  it('says the badge went to an unnamed learner by email without giving the address', async () => {
    const a = await award({ email: 'unnamed.award@example.org' });
    const { html } = await page(a.id);
    expect(html).toContain('Awarded to <strong>the learner it was sent to by email</strong>');
    expect(html.toLowerCase()).not.toContain('unnamed.award');
  });

  it('says "no email" for a workshop learner who claimed without one, never the address Kiln made up', async () => {
    let csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}/sessions/new`);
    const session = await owner.agent
      .post(`/manage/badges/${badge.id}/sessions`)
      .type('form')
      .send({ _csrf: csrf, title: 'Saturday club', closesInMinutes: '180', notify: '0' });
    expect(session.status, session.text.slice(0, 300)).toBe(303);
    const sessionId = session.headers.location!.split('/').pop()!;
    const code = t.db.prepare('SELECT code FROM workshop_sessions WHERE id = ?').pluck().get(sessionId) as string;
    const learner = request.agent(t.server);
    const claimCsrf = await csrfFrom(learner, `/claim/${code}`);
    const claimed = await learner.post(`/claim/${code}`).type('form').send({ _csrf: claimCsrf, name: 'Leo', noEmail: '1' });
    expect(claimed.status).toBe(303);
    csrf = await csrfFrom(owner.agent, `/manage/sessions/${sessionId}`);
    expect((await owner.agent.post(`/manage/sessions/${sessionId}/approve`).type('form').send({ _csrf: csrf, all: '1' })).status).toBe(303);
    const assertionId = t.db.prepare('SELECT assertion_id FROM claims WHERE session_id = ?').pluck().get(sessionId) as string;

    const { status, html } = await page(assertionId);
    expect(status).toBe(200);
    expect(html).toContain('Awarded to <strong>Leo (no email)</strong>');
    expect(html).not.toContain('no-email.invalid');
    expect(html).not.toContain('claim-');
    // The certificate sits behind the emailed learner sign-in, which this learner cannot use.
    expect(html).not.toContain('/certificate');
  });

  it('offers exactly one primary download, the baked PNG, and every other format under "More formats", each working', async () => {
    const a = await award({ email: 'formats@example.org', name: 'Fran' });
    const { html } = await page(a.id);
    const primaries = [...html.matchAll(/<a class="button( [\w-]+)*"[^>]*>/g)].filter((m) => !/button-(secondary|small|danger)/.test(m[0]));
    expect(primaries.map((m) => m[0])).toEqual([`<a class="button award-download" href="${t.baseUrl}/assertions/${a.id}/baked.png" download>`]);
    const details = /<details class="more-formats">\s*<summary>More formats<\/summary>([\s\S]*?)<\/details>/.exec(html)?.[1];
    expect(details).toBeDefined();
    const formats = [...details!.matchAll(/<li><a href="([^"]+)"[^>]*>([^<]+)<\/a> <span class="hint">([^<]+)<\/span><\/li>/g)].map(([, href, label, what]) => ({ href: href!, label: label!, what: what! }));
    expect(formats.map((f) => f.label)).toEqual([
      'Badge image (SVG)',
      'Open Badges 2.0 data (.json)',
      'Open Badges 3.0 image (PNG)',
      'Open Badges 3.0 image (SVG)',
      'Open Badges 3.0 credential (.json)',
      'Printable certificate',
    ]);
    for (const f of formats) expect(f.what.length, f.label).toBeGreaterThan(20);
    const expected: Record<string, [number, RegExp]> = {
      'Badge image (SVG)': [200, /^image\/svg\+xml/],
      'Open Badges 2.0 data (.json)': [200, /^application\/ld\+json/],
      'Open Badges 3.0 image (PNG)': [200, /^image\/png/],
      'Open Badges 3.0 image (SVG)': [200, /^image\/svg\+xml/],
      'Open Badges 3.0 credential (.json)': [200, /^application\/vc\+ld\+json/],
      // Not signed in as the learner: sent to the learner sign-in.
      'Printable certificate': [303, /^text\/html/],
    };
    for (const f of formats) {
      const res = await request(t.server).get(f.href.replace(t.baseUrl, '')).set('Accept', 'text/html').buffer(true).parse(binary);
      expect(res.status, f.label).toBe(expected[f.label]![0]);
      if (res.status === 200) expect(res.headers['content-type'], f.label).toMatch(expected[f.label]![1]);
    }
  });

  it('hands out the hosted assertion as a .json file with the same bytes, and refuses it once revoked', async () => {
    const a = await award({ email: 'jsonfile@example.org' });
    const hosted = await request(t.server).get(`/assertions/${a.id}`);
    const file = await request(t.server).get(`/assertions/${a.id}/assertion.json`).set('Accept', 'text/html').buffer(true).parse(binary);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="badge-${a.id.slice(0, 8)}.json"`);
    expect(file.headers['access-control-allow-origin']).toBe('*');
    expect((file.body as Buffer).toString()).toBe(hosted.text);
    expect(JSON.parse((file.body as Buffer).toString())).toMatchObject({ type: 'Assertion', id: a.openBadgeId });

    const revoke = await request(t.server).post(`/api/v1/assertions/${a.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Mistake' });
    expect(revoke.status).toBe(200);
    expect((await request(t.server).get(`/assertions/${a.id}/assertion.json`)).status).toBe(410);
  });

  it('shares by link, email, LinkedIn, X, Facebook, Bluesky and Mastodon with plain links and no third-party script', async () => {
    const a = await award({ email: 'share@example.org', name: 'Sam' });
    const { html } = await page(a.id);
    const awardUrl = `${t.baseUrl}/assertions/${a.id}`;
    expect(html).toContain(`<a id="award-link" href="${awardUrl}">${awardUrl}</a>`);
    expect(html).toMatch(/<button type="button" class="button button-secondary" data-copy-target="award-link" hidden>Copy link<\/button>/);
    const hrefs = hrefsOf(html);
    const starting = (prefix: string) => hrefs.filter((h) => h.startsWith(prefix));
    expect(starting('https://www.linkedin.com/profile/add?')).toHaveLength(1);
    for (const prefix of ['https://www.linkedin.com/sharing/share-offsite/?', 'https://x.com/intent/post?', 'https://www.facebook.com/sharer/sharer.php?', 'https://bsky.app/intent/compose?', 'https://s2f.kytta.dev/?', 'mailto:?']) {
      const links = starting(prefix);
      expect(links, prefix).toHaveLength(1);
      const params = new URL(links[0]!).searchParams;
      expect([...params.values()].some((v) => v.includes(awardUrl)), prefix).toBe(true);
    }
    const mail = new URL(starting('mailto:?')[0]!).searchParams;
    expect(mail.get('subject')).toBe('Digital Storyteller · awarded by Riverside Youth Club');
    expect(mail.get('body')).toContain('I earned the Digital Storyteller badge from Riverside Youth Club.');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map(([, src]) => src);
    expect(scripts).toEqual(['/assets/app.js', '/assets/share.js']);
    expect(html).toMatch(/<section id="award-wallets"[^>]*hidden><\/section>/);
    expect((await request(t.server).get('/assets/share.js')).status).toBe(200);
  });

  it('keeps no download or share on a revoked award, but still says who, by whom and why', async () => {
    const a = await award({ email: 'revoked.page@example.org', name: 'Rae' });
    await request(t.server).post(`/api/v1/assertions/${a.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Awarded in error' });
    const { status, html } = await page(a.id);
    expect(status).toBe(410);
    expect(html).toContain('This badge has been revoked by its issuer: Awarded in error');
    expect(html).toContain('Awarded to <strong>Rae</strong>');
    expect(html).not.toContain('baked.png');
    expect(html).not.toContain('More formats');
    expect(html).not.toContain('mailto:');
  });
});
