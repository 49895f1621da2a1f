import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type TestKiln } from '../helpers/app.js';

describe('workshop sessions over the JSON API', () => {
  let t: TestKiln;
  let token: string;
  let badge: { id: string; issuerId?: string };
  let issuer: { id: string };

  const api = () => request(t.server);
  const auth = (req: request.Test, bearer = token) => req.set('Authorization', `Bearer ${bearer}`);

  beforeAll(async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge, issuer } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  async function openSession(body: Record<string, unknown> = {}) {
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/sessions`)).send({ title: 'Saturday club', closesInMinutes: 180, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res;
  }

  /** A learner claims through the public page, as in workshops.test.ts; returns the private link. */
  async function claim(code: string, fields: Record<string, string>) {
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, `/claim/${code}`);
    const res = await agent.post(`/claim/${code}`).type('form').send({ _csrf: csrf, ...fields });
    expect(res.status).toBe(303);
    return res.headers.location as string;
  }

  it('opens a session (201) with its code, claim and projector URLs, status and settings', async () => {
    const res = await openSession({ maxClaims: 20, autoApprove: false, wall: true });
    const s = res.body;
    expect(res.headers.location).toBe(`/api/v1/sessions/${s.id}`);
    expect(s).toMatchObject({
      badgeId: badge.id,
      issuerId: issuer.id,
      title: 'Saturday club',
      status: 'open',
      maxClaims: 20,
      autoApprove: false,
      wall: true,
      notify: false,
      closedAt: null,
      claimCount: 0,
      pendingCount: 0,
    });
    expect(s.code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(s.displayCode).toBe(`${s.code.slice(0, 4)}-${s.code.slice(4)}`);
    expect(s.claimUrl).toBe(`${t.config.publicUrl}/claim/${s.code}`);
    expect(s.projectorUrl).toBe(`${t.config.publicUrl}/manage/sessions/${s.id}/projector`);
    expect(s.wallUrl).toBe(`${t.config.publicUrl}/sessions/${s.id}/wall`);
    expect(Date.parse(s.closesAt) - Date.parse(s.createdAt)).toBe(180 * 60_000);
    // The code really opens the learner's claim page.
    expect((await api().get(new URL(s.claimUrl).pathname)).status).toBe(200);
  });

  it('lists the claims without private links or emails; approving awards a hosted badge, declining refuses, closing stops claims', async () => {
    const { body: session } = await openSession();
    const mayaLink = await claim(session.code, { name: 'Maya Patel', email: 'maya@example.org' });
    await claim(session.code, { name: 'Leo', noEmail: '1' });

    const shown = await auth(api().get(`/api/v1/sessions/${session.id}`));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: session.id, claimCount: 2, pendingCount: 2, status: 'open' });
    expect(shown.body.claims.map((c: Record<string, unknown>) => [c.name, c.hasEmail, c.status, c.assertionId])).toEqual([
      ['Maya Patel', true, 'pending', null],
      ['Leo', false, 'pending', null],
    ]);
    const text = JSON.stringify(shown.body);
    expect(text).not.toContain(mayaLink.split('/').pop()!);
    expect(text).not.toContain('maya@example.org');
    expect(text).not.toMatch(/linkHash|token/i);
    const [maya, leo] = shown.body.claims as Array<{ id: string }>;

    const approved = await auth(api().post(`/api/v1/sessions/${session.id}/claims/${maya!.id}/approve`));
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ id: maya!.id, status: 'approved' });
    expect(approved.body.assertionId).toMatch(/^[0-9a-f-]{36}$/);
    const hosted = await api().get(`/assertions/${approved.body.assertionId}`).set('Accept', 'application/ld+json');
    expect(hosted.status).toBe(200);
    expect(JSON.parse(hosted.text)).toMatchObject({ type: 'Assertion', badge: `${t.config.publicUrl}/badges/${badge.id}` });
    expect(approved.body.assertionUrl).toBe(`${t.config.publicUrl}/assertions/${approved.body.assertionId}`);
    // Approving again is harmless; the learner's private link now shows the badge.
    expect((await auth(api().post(`/api/v1/sessions/${session.id}/claims/${maya!.id}/approve`))).status).toBe(200);
    expect(tableCount(t.db, 'assertions')).toBe(1);
    expect((await api().get(mayaLink)).text).toContain('Your badge is awarded.');

    const declined = await auth(api().post(`/api/v1/sessions/${session.id}/claims/${leo!.id}/decline`));
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ id: leo!.id, status: 'rejected', assertionId: null });
    const late = await auth(api().post(`/api/v1/sessions/${session.id}/claims/${leo!.id}/approve`));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('already_decided');
    expect(tableCount(t.db, 'assertions')).toBe(1);

    const closed = await auth(api().post(`/api/v1/sessions/${session.id}/close`));
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ id: session.id, status: 'closed' });
    expect(closed.body.closedAt).not.toBeNull();
    expect((await api().get(`/claim/${session.code}`)).status).toBe(404);
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/claim');
    const before = tableCount(t.db, 'claims');
    const refused = await agent.post(`/claim/${session.code}`).type('form').send({ _csrf: csrf, name: 'Too late', noEmail: '1' });
    expect(refused.status).toBe(404);
    expect(tableCount(t.db, 'claims')).toBe(before);
  });

  it('lists the sessions of one badge only, newest first', async () => {
    const { badge: other } = await givenBadge(t, token, { name: 'Other badge' });
    const first = (await openSession({ title: 'First' })).body;
    const second = (await openSession({ title: 'Second' })).body;
    await auth(api().post(`/api/v1/badges/${other.id}/sessions`)).send({ title: 'Elsewhere', closesInMinutes: 60 }).expect(201);
    const list = await auth(api().get(`/api/v1/badges/${badge.id}/sessions`));
    expect(list.status).toBe(200);
    const ids = list.body.items.map((s: { id: string }) => s.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(ids.indexOf(first.id)).toBeGreaterThanOrEqual(0);
    expect(list.body.items.every((s: { badgeId: string }) => s.badgeId === badge.id)).toBe(true);
    expect(list.body.nextCursor).toBeNull();
    const firstPage = await auth(api().get(`/api/v1/badges/${badge.id}/sessions?limit=1`));
    expect(firstPage.body.items.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
    const secondPage = await auth(api().get(`/api/v1/badges/${badge.id}/sessions?limit=1&cursor=${firstPage.body.nextCursor}`));
    expect(secondPage.body.items.map((s: { id: string }) => s.id)).toEqual([ids[1]]);
  });

  it('auto-approves through the API setting, as on the page', async () => {
    const { body: session } = await openSession({ autoApprove: true });
    await claim(session.code, { name: 'Zoe', noEmail: '1' });
    const shown = await auth(api().get(`/api/v1/sessions/${session.id}`));
    expect(shown.body.claims[0].status).toBe('approved');
    expect(shown.body.claims[0].assertionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 422 with a message per field for bad input, writing nothing', async () => {
    const before = tableCount(t.db, 'workshop_sessions');
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/sessions`)).send({ title: '', closesInMinutes: 7, maxClaims: 0 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.details).sort()).toEqual(['closesInMinutes', 'maxClaims', 'title']);
    expect(res.body.error.details.closesInMinutes).toBe('Choose how long the session stays open.');
    const notObject = await auth(api().post(`/api/v1/badges/${badge.id}/sessions`)).send([1, 2]);
    expect(notObject.status).toBe(400);
    expect(tableCount(t.db, 'workshop_sessions')).toBe(before);
  });

  it('answers 404 to a non-member on every call, and for a claim of another session, changing nothing', async () => {
    const { body: session } = await openSession();
    await claim(session.code, { name: 'Ana', noEmail: '1' });
    const claimId = t.db.prepare('SELECT id FROM claims WHERE session_id = ?').pluck().get(session.id) as string;
    const outsider = await signedUpAgent(t);
    const theirs = await apiToken(t, outsider.email);
    const before = [tableCount(t.db, 'workshop_sessions'), tableCount(t.db, 'assertions')];
    const calls: Array<[string, string]> = [
      ['post', `/api/v1/badges/${badge.id}/sessions`],
      ['get', `/api/v1/badges/${badge.id}/sessions`],
      ['get', `/api/v1/sessions/${session.id}`],
      ['post', `/api/v1/sessions/${session.id}/claims/${claimId}/approve`],
      ['post', `/api/v1/sessions/${session.id}/claims/${claimId}/decline`],
      ['post', `/api/v1/sessions/${session.id}/close`],
    ];
    for (const [method, path] of calls) {
      const res = await auth(api()[method as 'post'](path), theirs).send({ title: 'Mine', closesInMinutes: 60 });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain(session.code);
    }
    // The owner's own other session cannot act on this claim.
    const { body: another } = await openSession();
    const crossed = await auth(api().post(`/api/v1/sessions/${another.id}/claims/${claimId}/approve`));
    expect(crossed.status).toBe(404);
    expect((await auth(api().get('/api/v1/sessions/00000000-0000-0000-0000-000000000000'))).status).toBe(404);
    expect([tableCount(t.db, 'workshop_sessions') - 1, tableCount(t.db, 'assertions')]).toEqual(before);
    expect(t.db.prepare('SELECT status FROM claims WHERE id = ?').pluck().get(claimId)).toBe('pending');
    expect(t.db.prepare('SELECT closed_at FROM workshop_sessions WHERE id = ?').pluck().get(session.id)).toBeNull();
  });

  it('answers 401 without a token', async () => {
    const { body: session } = await openSession();
    for (const res of [
      await api().post(`/api/v1/badges/${badge.id}/sessions`).send({ title: 'x', closesInMinutes: 60 }),
      await api().get(`/api/v1/badges/${badge.id}/sessions`),
      await api().get(`/api/v1/sessions/${session.id}`),
      await api().post(`/api/v1/sessions/${session.id}/close`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect(t.db.prepare('SELECT closed_at FROM workshop_sessions WHERE id = ?').pluck().get(session.id)).toBeNull();
  });
});

describe('workshop API logs', () => {
  it('never carry the claim code the API returns', async () => {
    const t = await startKiln();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const kiln = createApp({ db: t.db, config: t.config, sessionSecret: 'x', logger });
    const owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { badge } = await givenBadge(t, token);
    const created = await request(kiln.app).post(`/api/v1/badges/${badge.id}/sessions`).set('Authorization', `Bearer ${token}`).send({ title: 'Club', closesInMinutes: 60 });
    expect(created.status).toBe(201);
    await request(kiln.app).get(`/api/v1/sessions/${created.body.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    await request(kiln.app).get(`/api/v1/badges/${badge.id}/sessions`).set('Authorization', `Bearer ${token}`).expect(200);
    await request(kiln.app).get(`/claim/${created.body.code}`).expect(200);
    const log = lines.join('');
    expect(log).toContain(`/api/v1/sessions/${created.body.id}`);
    expect(log).not.toContain(created.body.code);
    await t.close();
  });
});
