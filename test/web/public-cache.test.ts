import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Kiln } from '../../src/app.js';
import { apiToken, binary, dataUri, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

// The public cache's contract (src/web/public-cache.ts): after any write the public URL answers the new bytes at
// once, in every process sharing the database; a write that changes nothing cached evicts nothing; the fast path
// answers exactly what Express answers.

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#c0392b"/></svg>`;
const LD = 'application/ld+json';
const JSON_ONLY = 'application/json';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface Setup {
  issuerId: string;
  badgeId: string;
  awardIds: string[];
}

/** A second app on the same database file: another process, as far as the cache can tell (its own connection). */
async function secondProcess(t: TestKiln): Promise<{ kiln: Kiln; server: http.Server; close(): Promise<void> }> {
  const { openDatabase } = await import('../../src/db/database.js');
  const db = openDatabase(`${t.dataDir}/kiln.db`);
  const kiln = createApp({ db, config: t.config, sessionSecret: 'test-secret' });
  const server = http.createServer(kiln.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    kiln,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    },
  };
}

const fetchBytes = (server: http.Server, path: string, accept = LD) =>
  request(server).get(path).set('Accept', accept).buffer(true).parse(binary);

describe('public cache: targeted invalidation', () => {
  let t: TestKiln;
  let token: string;
  let a: Setup;
  let b: Setup;
  let other: Awaited<ReturnType<typeof secondProcess>>;
  const api = () => request(t.server);
  const auth = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);

  async function given(name: string, image: string): Promise<Setup> {
    const { issuer, badge } = await givenBadge(t, token, { image });
    if (name !== 'Riverside Youth Club') await auth(api().patch(`/api/v1/issuers/${issuer.id}`)).send({ name });
    const awards = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({
      recipients: [{ email: `one@${issuer.id}.example.org` }, { email: `two@${issuer.id}.example.org` }],
    });
    expect(awards.status).toBe(201);
    return { issuerId: issuer.id, badgeId: badge.id, awardIds: awards.body.items.map((x: { id: string }) => x.id) };
  }

  /** Every hosted document and image of one issuer, badge and its awards. */
  const urlsOf = (s: Setup) => [
    `/issuers/${s.issuerId}`,
    `/issuers/${s.issuerId}/ob3`,
    `/issuers/${s.issuerId}/revocations`,
    `/issuers/${s.issuerId}/status/revocation`,
    `/badges/${s.badgeId}`,
    `/badges/${s.badgeId}/ob3`,
    `/badges/${s.badgeId}/image`,
    ...s.awardIds.flatMap((id) => [
      `/assertions/${id}`,
      `/assertions/${id}/baked.png`,
      `/credentials/${id}`,
      `/credentials/${id}/credential.json`,
      `/credentials/${id}/baked.png`,
    ]),
  ];

  /** What each URL answers now, through the cache (warming it). */
  async function snapshot(urls: string[]): Promise<Map<string, { status: number; body: Buffer }>> {
    const out = new Map<string, { status: number; body: Buffer }>();
    for (const url of urls) {
      const res = await fetchBytes(t.server, url);
      out.set(url, { status: res.status, body: res.body as Buffer });
    }
    return out;
  }

  /** Each URL answers exactly what a process with an empty cache answers for it now: no stale document. */
  async function expectFresh(urls: string[]): Promise<void> {
    for (const url of urls) {
      const cached = await fetchBytes(t.server, url);
      other.kiln.cache.clear();
      const uncached = await fetchBytes(other.server, url);
      expect({ url, status: cached.status }).toEqual({ url, status: uncached.status });
      expect((cached.body as Buffer).equals(uncached.body as Buffer), url).toBe(true);
    }
  }

  /** Requests each URL and expects every one to come from memory. */
  async function expectAllCached(urls: string[]): Promise<void> {
    const before = t.kiln.cache.stats().hits;
    for (const url of urls) expect((await fetchBytes(t.server, url)).status, url).toBeLessThan(500);
    expect(t.kiln.cache.stats().hits - before).toBe(urls.length);
  }

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    token = await apiToken(t, email);
    a = await given('Riverside Youth Club', dataUri(Buffer.from(SVG), 'image/svg+xml'));
    b = await given('Hillside Library', dataUri(Buffer.from(SVG), 'image/svg+xml'));
    other = await secondProcess(t);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('keeps every cached document through writes that change none of them (awards, sign-ins, tokens)', async () => {
    const urls = [...urlsOf(a), ...urlsOf(b), `/assertions/${a.awardIds[0]}/baked.svg`];
    // Twice: a credential's first signing lengthens its issuer's status list, which the second round caches again.
    await snapshot(urls);
    await snapshot(urls);
    await expectAllCached(urls);
    const before = t.kiln.cache.stats();
    const award = await auth(api().post(`/api/v1/badges/${a.badgeId}/assertions`)).send({ recipient: { email: 'three@example.org' } });
    expect(award.status).toBe(201);
    await signedUpAgent(t);
    const login = await request(t.server).post('/login').type('form').send({ email: 'nobody@example.org', password: 'wrong' });
    expect(login.status).toBeGreaterThanOrEqual(400);
    expect(t.kiln.cache.stats().invalidated).toBe(before.invalidated);
    expect(t.kiln.cache.stats().cleared).toBe(before.cleared);
    await expectAllCached(urls);
    // The new award answers at once (nothing cached said it did not exist).
    expect((await fetchBytes(t.server, `/assertions/${award.body.id}`)).status).toBe(200);
  });

  it('a revocation changes that award, its baked images and the issuer lists, and nothing of the other issuer', async () => {
    const [revoked, kept] = a.awardIds as [string, string];
    const urls = [...urlsOf(a), ...urlsOf(b)];
    await snapshot(urls);
    const before = await snapshot(urls);
    await expectAllCached(urls);
    const res = await auth(api().post(`/api/v1/assertions/${revoked}/revoke`)).send({ reason: 'Awarded by mistake' });
    expect(res.status).toBe(200);

    expect((await fetchBytes(t.server, `/assertions/${revoked}`)).status).toBe(410);
    expect((await fetchBytes(t.server, `/assertions/${revoked}/baked.png`)).status).toBe(410);
    expect((await fetchBytes(t.server, `/credentials/${revoked}`)).status).toBe(410);
    expect((await fetchBytes(t.server, `/credentials/${revoked}/baked.png`)).status).toBe(410);
    const list = JSON.parse((await fetchBytes(t.server, `/issuers/${a.issuerId}/revocations`)).body.toString());
    expect(JSON.stringify(list)).toContain(revoked);
    const status = (await fetchBytes(t.server, `/issuers/${a.issuerId}/status/revocation`)).body as Buffer;
    expect(status.equals(before.get(`/issuers/${a.issuerId}/status/revocation`)!.body)).toBe(false);
    await expectFresh(urlsOf(a));

    // The other award of the same badge, the badge and the issuer profiles, and the whole other issuer: still cached.
    await expectAllCached([
      ...urlsOf(b),
      `/assertions/${kept}`,
      `/assertions/${kept}/baked.png`,
      `/credentials/${kept}`,
      `/badges/${a.badgeId}`,
      `/issuers/${a.issuerId}`,
      `/issuers/${a.issuerId}/ob3`,
    ]);
  });

  it('a badge edit changes the badge class and every award and baked image embedding it, not the other badge', async () => {
    const urls = [...urlsOf(a), ...urlsOf(b)];
    await snapshot(urls);
    const res = await auth(api().patch(`/api/v1/badges/${a.badgeId}`)).send({ description: 'Made, edited and shared a story.' });
    expect(res.status).toBe(200);
    expect(JSON.parse((await fetchBytes(t.server, `/badges/${a.badgeId}`)).body.toString()).description).toBe('Made, edited and shared a story.');
    const credential = JSON.parse((await fetchBytes(t.server, `/credentials/${a.awardIds[1]}`)).body.toString());
    expect(credential.credentialSubject.achievement.description).toBe('Made, edited and shared a story.');
    await expectFresh(urlsOf(a));
    await expectAllCached([...urlsOf(b), `/issuers/${a.issuerId}`, `/issuers/${a.issuerId}/ob3`]);
  });

  it('an issuer edit changes its profiles and everything embedding it, not the other issuer', async () => {
    await snapshot([...urlsOf(a), ...urlsOf(b)]);
    const res = await auth(api().patch(`/api/v1/issuers/${a.issuerId}`)).send({ name: 'Riverside Youth & Community Club' });
    expect(res.status).toBe(200);
    expect(JSON.parse((await fetchBytes(t.server, `/issuers/${a.issuerId}`)).body.toString()).name).toBe('Riverside Youth & Community Club');
    expect(JSON.parse((await fetchBytes(t.server, `/issuers/${a.issuerId}/ob3`)).body.toString()).name).toBe('Riverside Youth & Community Club');
    const credential = JSON.parse((await fetchBytes(t.server, `/credentials/${a.awardIds[1]}`)).body.toString());
    expect(credential.issuer.name).toBe('Riverside Youth & Community Club');
    await expectFresh(urlsOf(a));
    await expectAllCached(urlsOf(b));
  });

  it('a key rotation changes the 3.0 profile and what is signed with the key, not the 2.0 documents', async () => {
    await snapshot([...urlsOf(a), ...urlsOf(b)]);
    const profileBefore = JSON.parse((await fetchBytes(t.server, `/issuers/${a.issuerId}/ob3`)).body.toString());
    const res = await auth(api().post(`/api/v1/issuers/${a.issuerId}/keys/rotate`)).send({});
    expect(res.status).toBe(201);
    const profile = JSON.parse((await fetchBytes(t.server, `/issuers/${a.issuerId}/ob3`)).body.toString());
    expect(JSON.stringify(profile)).not.toBe(JSON.stringify(profileBefore));
    const credential = JSON.parse((await fetchBytes(t.server, `/credentials/${a.awardIds[1]}`)).body.toString());
    const newKey = profile.verificationMethod.at(-1).id as string;
    expect(newKey).toBe([credential.proof].flat()[0].verificationMethod);
    // The new key's own document (a verification method URL) answers at once, and so does the old one.
    expect(JSON.parse((await fetchBytes(t.server, new URL(newKey).pathname)).body.toString()).id).toBe(newKey);
    await expectFresh(urlsOf(a));
    await expectAllCached([...urlsOf(b), `/issuers/${a.issuerId}`, `/badges/${a.badgeId}`, `/assertions/${a.awardIds[1]}`]);
  });

  it('a write made by another process is seen before the next answer', async () => {
    const kept = b.awardIds[1]!;
    expect((await fetchBytes(t.server, `/assertions/${kept}`)).status).toBe(200);
    const user = other.kiln.services.accounts.findUserByEmail(
      t.kiln.services.issuers.members(b.issuerId)[0]!.email,
    )!;
    other.kiln.services.assertions.revoke([kept], user.id, { reason: 'Revoked elsewhere' });
    expect((await fetchBytes(t.server, `/assertions/${kept}`)).status).toBe(410);
    expect((await fetchBytes(t.server, `/credentials/${kept}`)).status).toBe(410);
    expect(JSON.stringify(JSON.parse((await fetchBytes(t.server, `/issuers/${b.issuerId}/revocations`)).body.toString()))).toContain(kept);
  });

  it('does not keep a document whose data changed while it was being made', async () => {
    const id = a.awardIds[1]!;
    const path = `/assertions/${id}`;
    t.kiln.cache.clear();
    const req = Object.assign(new http.IncomingMessage(null as never), { method: 'GET', url: path, headers: {} });
    const since = t.kiln.cache.begin(req);
    const stale = (await fetchBytes(other.server, path)).body as Buffer;
    // The award changes after this request read it, before it is stored.
    t.db.prepare('UPDATE assertions SET narrative = ? WHERE id = ?').run('Edited meanwhile', id);
    const refusedBefore = t.kiln.cache.stats().refused;
    t.kiln.cache.store('document', path, LD, { status: 200, headers: {}, body: stale, etag: '"x"' }, [`assertion:${id}`], since);
    expect(t.kiln.cache.stats().refused).toBe(refusedBefore + 1);
    expect(JSON.parse((await fetchBytes(t.server, path)).body.toString()).narrative).toBe('Edited meanwhile');
  });

  it('has a change-log trigger on every table a hosted document is made from', () => {
    const triggers = t.db.prepare("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'public_changes_%'").pluck().all();
    for (const table of ['issuers', 'badge_classes', 'assertions', 'credentials', 'status_lists', 'issuer_keys', 'issuer_rsa_keys', 'endorsements']) {
      expect(triggers, table).toContain(table);
    }
  });
});

describe('public cache: least-recently-used within a byte budget', () => {
  let t: TestKiln;
  let small: { kiln: Kiln; server: http.Server; close(): Promise<void> };

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    const token = await apiToken(t, email);
    const { badge } = await givenBadge(t, token);
    const awards = await request(t.server)
      .post(`/api/v1/badges/${badge.id}/assertions`)
      .set('Authorization', `Bearer ${token}`)
      .send({ recipients: Array.from({ length: 8 }, (_, i) => ({ email: `learner${i}@example.org` })) });
    ids = awards.body.items.map((x: { id: string }) => x.id);
    const { openDatabase } = await import('../../src/db/database.js');
    const db = openDatabase(`${t.dataDir}/kiln.db`);
    // Room for about four assertion documents.
    const one = (await request(t.server).get(`/assertions/${ids[0]}`)).text.length;
    const kiln = createApp({ db, config: t.config, sessionSecret: 'test-secret', publicCacheBytes: 4 * (one + 700) + 100 });
    const server = http.createServer(kiln.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    small = {
      kiln,
      server,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        db.close();
      },
    };
    void (server.address() as AddressInfo);
  });
  let ids: string[] = [];
  afterAll(async () => {
    await small.close();
    await t.close();
  });

  it('evicts the least recently used document, keeping the one read again', async () => {
    const get = (id: string) => request(small.server).get(`/assertions/${id}`);
    for (const id of ids.slice(0, 4)) await get(id);
    expect(small.kiln.cache.size).toBe(4);
    await get(ids[0]!); // now the most recently used
    const hits = small.kiln.cache.stats().hits;
    expect(hits).toBe(1);
    await get(ids[4]!); // over budget: the least recently used (ids[1]) goes
    expect(small.kiln.cache.stats().evicted).toBe(1);
    await get(ids[0]!);
    expect(small.kiln.cache.stats().hits).toBe(hits + 1);
    await get(ids[1]!);
    expect(small.kiln.cache.stats().hits).toBe(hits + 1);
    expect(small.kiln.cache.stats().bytes).toBeLessThanOrEqual(4 * 10_000);
  });
});

describe('public fast path', () => {
  let t: TestKiln;
  let paths: string[];

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    const token = await apiToken(t, email);
    const { issuer, badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml') });
    const award = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'learner@example.org' } });
    const revoked = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'gone@example.org' } });
    await request(t.server).post(`/api/v1/assertions/${revoked.body.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Mistake' });
    const id = award.body.id;
    const profile = JSON.parse((await request(t.server).get(`/issuers/${issuer.id}/ob3`).set('Accept', LD)).text);
    const keyPath = new URL(profile.verificationMethod[0].id).pathname;
    paths = [
      keyPath,
      `/issuers/${issuer.id}`,
      `/issuers/${issuer.id}/ob3`,
      `/issuers/${issuer.id}/revocations`,
      `/issuers/${issuer.id}/status/revocation`,
      `/badges/${badge.id}`,
      `/badges/${badge.id}/ob3`,
      `/badges/${badge.id}/image`,
      `/badges/${badge.id}/image.svg`,
      `/assertions/${id}`,
      `/assertions/${id}/baked.png`,
      `/assertions/${id}/baked.svg`,
      `/credentials/${id}`,
      `/credentials/${id}/credential.json`,
      `/credentials/${id}/baked.png`,
      `/credentials/${id}/baked.svg`,
      `/assertions/${revoked.body.id}`,
      `/credentials/${revoked.body.id}`,
    ];
  });
  afterAll(() => t.close());

  const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);
  const headersOf = (res: request.Response) => Object.fromEntries(Object.entries(res.headers).filter(([name]) => !PER_RESPONSE.has(name)));
  const get = (path: string, accept: string, cookie?: string, method: 'get' | 'head' = 'get') => {
    const req = request(t.server)[method](path).set('Accept', accept).buffer(true).parse(binary);
    return cookie ? req.set('Cookie', cookie) : req;
  };

  it.each([
    ['JSON-LD', LD],
    ['plain JSON', JSON_ONLY],
  ])('answers %s with the same status, bytes and headers as Express and the cache replay', async (_name, accept) => {
    for (const path of paths) {
      t.kiln.cache.clear();
      // A cookie sends the request through Express (sessions, CSRF, logging): the normal path.
      const normal = await get(path, accept, 'theme=dark');
      expect(normal.headers['x-request-id'], path).toBeTruthy();
      t.kiln.cache.clear();
      const served = t.kiln.fastPath.served();
      const fast = await get(path, accept);
      expect(t.kiln.fastPath.served(), `${path} took the fast path`).toBe(served + 1);
      const hits = t.kiln.cache.stats().hits;
      const replay = await get(path, accept);
      expect(t.kiln.cache.stats().hits, `${path} replayed`).toBe(hits + 1);
      for (const res of [fast, replay]) {
        expect(res.status, path).toBe(normal.status);
        expect(headersOf(res), path).toEqual(headersOf(normal));
        expect((res.body as Buffer).equals(normal.body as Buffer), path).toBe(true);
      }
      expect(normal.headers['content-security-policy']).toBeTruthy();
      expect(normal.headers['x-content-type-options']).toBe('nosniff');

      // HEAD and a matching ETag (304) alike.
      t.kiln.cache.clear();
      const headNormal = await get(path, accept, 'theme=dark', 'head');
      t.kiln.cache.clear();
      const headFast = await get(path, accept, undefined, 'head');
      expect(headersOf(headFast), path).toEqual(headersOf(headNormal));
      t.kiln.cache.clear();
      const notModifiedNormal = await get(path, accept, 'theme=dark').set('If-None-Match', normal.headers.etag!);
      t.kiln.cache.clear();
      const notModifiedFast = await get(path, accept).set('If-None-Match', normal.headers.etag!);
      expect(notModifiedFast.status, path).toBe(304);
      expect(headersOf(notModifiedFast), path).toEqual(headersOf(notModifiedNormal));
    }
  });

  it('leaves browsers (HTML), query strings, unknown ids and signed-in visitors to Express', async () => {
    const served = t.kiln.fastPath.served();
    const awardPath = paths.find((p) => /^\/assertions\/[^/]+$/.test(p))!;
    const page = await get(awardPath, BROWSER);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect((await get(`${awardPath}?print=1`, BROWSER)).status).toBe(200);
    const missing = await get('/assertions/00000000-0000-4000-8000-000000000000', LD);
    expect(missing.status).toBe(404);
    expect(JSON.parse((missing.body as Buffer).toString()).error.code).toBe('not_found');
    expect((await get('/badges/00000000-0000-4000-8000-000000000000/image', LD)).status).toBe(404);
    expect(t.kiln.fastPath.served()).toBe(served);
  });
});
