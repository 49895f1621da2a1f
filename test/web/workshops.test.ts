import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { CODE_ALPHABET, generateCode, normaliseCode } from '../../src/services/workshops.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

describe('claim codes', () => {
  it('are 8 characters from an alphabet without 0, O, 1, I or L, and are read back in any case with or without the dash', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    const codes = new Set(Array.from({ length: 2000 }, generateCode));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    const code = [...codes][0]!;
    expect(normaliseCode(`${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `)).toBe(code);
    expect(normaliseCode('ABCD-EFG0')).toBeNull();
  });
});

describe('workshop sessions over HTTP', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };
  let issuer: { id: string };

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge, issuer } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  async function openSession(fields: Record<string, string> = {}, badgeId = badge.id) {
    const csrf = await csrfFrom(owner.agent, `/manage/badges/${badgeId}/sessions/new`);
    const res = await owner.agent
      .post(`/manage/badges/${badgeId}/sessions`)
      .type('form')
      .send({ _csrf: csrf, title: 'Saturday club', closesInMinutes: '180', notify: ['0', '1'], ...fields });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const sessionId = res.headers.location!.split('/').pop()!;
    const code = t.db.prepare('SELECT code FROM workshop_sessions WHERE id = ?').pluck().get(sessionId) as string;
    return { sessionId, code };
  }

  async function claim(code: string, fields: Record<string, string>, agent = request.agent(t.server)) {
    const csrf = await csrfFrom(agent, `/claim/${code}`);
    return agent.post(`/claim/${code}`).type('form').send({ _csrf: csrf, ...fields });
  }

  it('takes claims with and without email, awards on approval and emails only those with an address', async () => {
    const { sessionId, code } = await openSession({ wall: '1' });
    const withEmail = await claim(code, { name: 'Maya Patel', email: 'maya@example.org', wallConsent: '1' });
    expect(withEmail.status).toBe(303);
    expect(withEmail.headers.location).toMatch(/^\/claimed\/[\w-]{43}$/);
    const child = await claim(code.toLowerCase(), { name: 'Leo', noEmail: '1' });
    expect(child.status).toBe(303);

    const roster = await owner.agent.get(`/manage/sessions/${sessionId}/roster.json`);
    expect(roster.body.pending).toBe(2);
    expect(roster.body.claims.map((c: { name: string; email: string | null }) => [c.name, c.email])).toEqual([['Maya Patel', 'maya@example.org'], ['Leo', null]]);

    const pendingPage = await request(t.server).get(child.headers.location!);
    expect(pendingPage.text).toContain('Waiting for your facilitator');
    expect(pendingPage.headers['cache-control']).toBe('no-store');

    const csrf = await csrfFrom(owner.agent, `/manage/sessions/${sessionId}`);
    const approved = await owner.agent.post(`/manage/sessions/${sessionId}/approve`).type('form').send({ _csrf: csrf, all: '1' });
    expect(approved.status).toBe(303);
    const claims = t.db.prepare('SELECT name, status, assertion_id FROM claims WHERE session_id = ? ORDER BY created_at').all(sessionId) as Array<{ status: string; assertion_id: string }>;
    expect(claims.every((c) => c.status === 'approved' && c.assertion_id)).toBe(true);
    expect(t.db.prepare('SELECT to_address FROM outbox').pluck().all()).toEqual(['maya@example.org']);

    const childPage = await request(t.server).get(child.headers.location!);
    expect(childPage.text).toContain('Your badge is awarded.');
    expect(childPage.text).toContain('/certificate');
    // The child's award is a real, verifiable assertion with no email of theirs anywhere.
    const award = /href="[^"]*(\/assertions\/[0-9a-f-]{36})"/.exec(childPage.text)![1]!;
    const doc = JSON.parse((await request(t.server).get(award)).text);
    expect(doc.recipient.hashed).toBe(true);
    // Facilitators see "no email", never the address Kiln made up for the claim (also in accessible names).
    const leoAward = award.split('/').pop()!;
    for (const page of [`/manage/issuers/${issuer.id}/awards`, `/manage/badges/${badge.id}`, `/manage/assertions/${leoAward}`]) {
      const html = (await owner.agent.get(page)).text;
      expect(html, page).toContain('Leo · no email');
      expect(html, page).not.toContain('no-email.invalid');
    }

    const wall = await request(t.server).get(`/sessions/${sessionId}/wall`);
    expect(wall.status).toBe(200);
    expect(wall.text).toContain('Maya');
    expect(wall.text).not.toContain('Patel');
    expect(wall.text).not.toContain('Leo');
    expect(wall.text).toContain('<script src="/assets/wall.js" defer></script>');
    expect(wall.text).toContain('data-wall-refresh="20"');

    const mayaId = (t.db.prepare("SELECT id FROM claims WHERE name = 'Maya Patel'").pluck().get() as string);
    const csrf2 = await csrfFrom(owner.agent, `/manage/sessions/${sessionId}`);
    await owner.agent.post(`/manage/sessions/${sessionId}/claims/${mayaId}/wall`).type('form').send({ _csrf: csrf2, hidden: '1' });
    expect((await request(t.server).get(`/sessions/${sessionId}/wall`)).text).not.toContain('Maya');
  });

  it('asks for wall consent only where a wall could show the name, and stores none from a session without a wall', async () => {
    // An issuer of its own: its issuer wall starts off.
    const own = await givenBadge(t, token);
    const consentOf = (sessionId: string) => t.db.prepare('SELECT wall_consent FROM claims WHERE session_id = ?').pluck().get(sessionId);

    const noWall = await openSession({}, own.badge.id);
    const form = await request(t.server).get(`/claim/${noWall.code}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain('wallConsent');
    expect(form.text).not.toMatch(/wall/i);
    // A consent sent anyway (an old form, a hand-made request) is not kept.
    expect((await claim(noWall.code, { name: 'Ana', noEmail: '1', wallConsent: '1' })).status).toBe(303);
    expect(consentOf(noWall.sessionId)).toBe(0);
    // Re-rendered with an error, the form still does not ask.
    const invalid = await claim(noWall.code, { name: '', noEmail: '1', wallConsent: '1' });
    expect(invalid.status).toBe(400);
    expect(invalid.text).not.toContain('wallConsent');

    const withWall = await openSession({ wall: '1' }, own.badge.id);
    const wallForm = await request(t.server).get(`/claim/${withWall.code}`);
    expect(wallForm.text).toContain('name="wallConsent"');
    expect(wallForm.text).toContain('Show my first name and badge on the workshop wall');
    expect((await claim(withWall.code, { name: 'Ben', noEmail: '1', wallConsent: '1' })).status).toBe(303);
    expect(consentOf(withWall.sessionId)).toBe(1);

    // The issuer's wall shows every session's consenting learners, so a session without its own wall asks once it is on.
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${own.issuer.id}/sessions`);
    await owner.agent.post(`/manage/issuers/${own.issuer.id}/wall`).type('form').send({ _csrf: csrf, enabled: '1' });
    const issuerWall = await openSession({}, own.badge.id);
    const issuerForm = await request(t.server).get(`/claim/${issuerWall.code}`);
    expect(issuerForm.text).toContain('name="wallConsent"');
    expect(issuerForm.text).toContain('Show my first name and badge on Riverside Youth Club’s wall of badges');
    expect((await claim(issuerWall.code, { name: 'Cy', noEmail: '1', wallConsent: '1' })).status).toBe(303);
    expect(consentOf(issuerWall.sessionId)).toBe(1);
  });

  it('links each approved row of the roster, and only those, to the facilitator’s page of the award', async () => {
    const { sessionId, code } = await openSession();
    await claim(code, { name: 'Dee Approved', noEmail: '1' });
    await claim(code, { name: 'Eli Waiting', noEmail: '1' });
    const [dee, eli] = t.db.prepare('SELECT id FROM claims WHERE session_id = ? ORDER BY name').pluck().all(sessionId) as string[];
    const csrf = await csrfFrom(owner.agent, `/manage/sessions/${sessionId}`);
    expect((await owner.agent.post(`/manage/sessions/${sessionId}/approve`).type('form').send({ _csrf: csrf, ids: dee })).status).toBe(303);
    const assertionId = t.db.prepare('SELECT assertion_id FROM claims WHERE id = ?').pluck().get(dee) as string;
    expect(assertionId).toMatch(/^[0-9a-f-]{36}$/);

    const page = (await owner.agent.get(`/manage/sessions/${sessionId}`)).text;
    const rowOf = (claimId: string) => new RegExp(`<tr data-claim="${claimId}">([\\s\\S]*?)</tr>`).exec(page)![1]!;
    expect(rowOf(dee!)).toContain(`<a href="/manage/assertions/${assertionId}" data-award-link>Award<span class="visually-hidden"> to Dee Approved</span></a>`);
    expect(rowOf(eli!)).not.toContain('/manage/assertions/');
    const award = await owner.agent.get(`/manage/assertions/${assertionId}`);
    expect(award.status).toBe(200);
    expect(award.text).toContain('Dee Approved');
    // The live roster gives roster.js what it needs to draw the same link.
    const roster = (await owner.agent.get(`/manage/sessions/${sessionId}/roster.json`)).body as { claims: Array<{ id: string; assertionId: string | null }> };
    expect(roster.claims.find((c) => c.id === dee)!.assertionId).toBe(assertionId);
    expect(roster.claims.find((c) => c.id === eli)!.assertionId).toBeNull();
  });

  it('tells the waiting page its claim’s status as JSON, offers “Check again” without JavaScript, and answers 404 to unknown links', async () => {
    const { sessionId, code } = await openSession();
    const claimed = await claim(code, { name: 'Fay', noEmail: '1' });
    const link = claimed.headers.location!;
    const waiting = await request(t.server).get(link);
    expect(waiting.text).toContain(`data-claim-status="${link}/status.json"`);
    expect(waiting.text).toContain(`<a class="button button-secondary" href="${link}">Check again</a>`);
    expect(waiting.text).toContain('<script src="/assets/claim-status.js" defer></script>');

    const pending = await request(t.server).get(`${link}/status.json`);
    expect(pending.status).toBe(200);
    expect(pending.headers['cache-control']).toBe('no-store');
    expect(pending.body).toEqual({ status: 'pending', awarded: false });

    const csrf = await csrfFrom(owner.agent, `/manage/sessions/${sessionId}`);
    await owner.agent.post(`/manage/sessions/${sessionId}/approve`).type('form').send({ _csrf: csrf, all: '1' });
    expect((await request(t.server).get(`${link}/status.json`)).body).toEqual({ status: 'approved', awarded: true });
    const awarded = await request(t.server).get(link);
    expect(awarded.text).toContain('Your badge is awarded.');
    // Decided: nothing left to poll.
    expect(awarded.text).not.toContain('claim-status.js');
    expect(awarded.text).not.toContain('Check again');

    const declined = await claim((await openSession()).code, { name: 'Gus', noEmail: '1' });
    const gusId = t.db.prepare("SELECT id, session_id FROM claims WHERE name = 'Gus'").get() as { id: string; session_id: string };
    const csrf2 = await csrfFrom(owner.agent, `/manage/sessions/${gusId.session_id}`);
    await owner.agent.post(`/manage/sessions/${gusId.session_id}/reject`).type('form').send({ _csrf: csrf2, ids: gusId.id });
    expect((await request(t.server).get(`${declined.headers.location}/status.json`)).body).toEqual({ status: 'rejected', awarded: false });

    expect((await request(t.server).get(`/claimed/${'x'.repeat(43)}/status.json`)).status).toBe(404);
  });

  it('refuses a second claim with the same email, and a claim with neither email nor the no-email box, writing nothing', async () => {
    const { code } = await openSession();
    expect((await claim(code, { name: 'Ana', email: 'ana@example.org' })).status).toBe(303);
    const before = tableCount(t.db, 'claims');
    const again = await claim(code, { name: 'Ana again', email: 'ANA@example.org' });
    expect(again.status).toBe(400);
    expect(again.text).toContain('This email has already claimed the badge in this session.');
    const neither = await claim(code, { name: 'Ben' });
    expect(neither.status).toBe(400);
    expect(neither.text).toContain('tick “I don’t have an email”');
    expect(neither.text).toContain('value="Ben"');
    expect(tableCount(t.db, 'claims')).toBe(before);
  });

  it('auto-approves when asked, and stops taking claims when full or closed', async () => {
    const { sessionId, code } = await openSession({ autoApprove: '1', maxClaims: '1' });
    expect((await claim(code, { name: 'Zoe', noEmail: '1' })).status).toBe(303);
    expect(t.db.prepare('SELECT status FROM claims WHERE session_id = ?').pluck().get(sessionId)).toBe('approved');
    expect((await request(t.server).get(`/claim/${code}`)).status).toBe(404);

    const second = await openSession();
    const csrf = await csrfFrom(owner.agent, `/manage/sessions/${second.sessionId}`);
    await owner.agent.post(`/manage/sessions/${second.sessionId}/close`).type('form').send({ _csrf: csrf });
    expect((await request(t.server).get(`/claim/${second.code}`)).status).toBe(404);
  });

  it('shows the projector page with a QR code for the claim URL and the code in large type', async () => {
    const { sessionId, code } = await openSession();
    const res = await owner.agent.get(`/manage/sessions/${sessionId}/projector`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`${code.slice(0, 4)}-${code.slice(4)}`);
    const qr = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(res.text)![1]!;
    expect(Buffer.from(qr, 'base64').toString()).toMatch(/^<svg/);
  });

  it('answers 404 for another issuer’s session, and for an issuer wall that is off', async () => {
    const { sessionId } = await openSession();
    const outsider = await signedUpAgent(t);
    for (const path of [`/manage/sessions/${sessionId}`, `/manage/sessions/${sessionId}/roster.json`, `/manage/sessions/${sessionId}/projector`]) {
      expect((await outsider.agent.get(path)).status, path).toBe(404);
    }
    expect((await request(t.server).get(`/issuers/${issuer.id}/wall`)).status).toBe(404);
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}/sessions`);
    await owner.agent.post(`/manage/issuers/${issuer.id}/wall`).type('form').send({ _csrf: csrf, enabled: '1' });
    expect((await request(t.server).get(`/issuers/${issuer.id}/wall`)).status).toBe(200);
  });

  it('limits failed code lookups to 30 a minute per address', async () => {
    // A fresh app: the limiter counts per address, and every test here comes from 127.0.0.1.
    const fresh = await startKiln();
    const agent = request.agent(fresh.server);
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await agent.get('/claim/ZZZZZZZZ')).status);
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    await fresh.close();
  });
});

describe('logs', () => {
  it('never carry a claim code, a private claim link or a sign-in token', async () => {
    const t = await startKiln();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const kiln = createApp({ db: t.db, config: t.config, sessionSecret: 'x', logger });
    const secrets = ['ABCD2345', 'QWERTYUP', 'c2VjcmV0LXRva2VuLXRoYXQtaXMtbG9uZy1lbm91Z2g'];
    await request(kiln.app).get(`/claim/${secrets[0]}`);
    await request(kiln.app).post(`/claim/${secrets[1]}`).type('form').send({ name: 'x' });
    await request(kiln.app).get(`/claimed/${secrets[2]}`);
    await request(kiln.app).get(`/learner/sign-in/${secrets[2]}`);
    await request(kiln.app).get(`/claim?code=${secrets[0]}`);
    const log = lines.join('');
    expect(log).toContain('/claim/[redacted]');
    expect(log).toContain('/claimed/[redacted]');
    for (const secret of secrets) expect(log).not.toContain(secret);
    await t.close();
  });
});
