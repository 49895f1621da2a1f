import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPng } from '../../src/openbadges/png.js';
import { signJwsRs256 } from '../../src/openbadges/signed.js';
import { extractSvg } from '../../src/openbadges/svg.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';
import { blockNetwork } from '../helpers/no-network.js';
import { apiToken, csrfFrom, dataUri, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln, binary } from '../helpers/app.js';
import { failing, notPassing } from '../helpers/verify.js';

// Signed Open Badges 2.0 (openbadges-spec.md §2): an issuer switches it on, its baked badges carry an RS256 JWS, and
// our own verifier (private networks refused, our documents answered in-process) checks them end to end.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="45" fill="#e9c46a"/></svg>`;
const LEARNER = 'Kit.Learner@example.org';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

type Json = Record<string, any>;

const decode = (jws: string) => jws.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))) as [Json, Json];


describe('signed Open Badges 2.0 assertions, per issuer', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let issuer: Json;
  let badge: Json;
  let network: ReturnType<typeof blockNetwork>;
  const api = () => request(t.server);
  const auth = (r: request.Test, as = token) => r.set('Authorization', `Bearer ${as}`);
  const pathOf = (url: string) => new URL(url).pathname;
  const bytes = async (url: string) => (await api().get(pathOf(url)).buffer(true).parse(binary)).body as Buffer;
  const json = async (url: string) => JSON.parse((await api().get(pathOf(url))).text) as Json;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml') }));
    network = blockNetwork();
  });
  afterAll(async () => {
    network.restore();
    await t.close();
  });

  async function award(badgeId = badge.id): Promise<Json> {
    const res = await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email: LEARNER } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  }

  async function setSigning(issuerId: string, on: boolean, as = token) {
    const res = await auth(api().patch(`/api/v1/issuers/${issuerId}`), as).send({ signedAssertions: on });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Json;
  }

  async function verify(input: { assertion?: string; file?: [Buffer, string] }, email?: string): Promise<VerificationReport> {
    const req = api().post('/api/v1/verify');
    const res = input.file
      ? await (email ? req.attach('file', input.file[0], input.file[1]).field('email', email) : req.attach('file', input.file[0], input.file[1]))
      : await req.send({ ...input, ...(email ? { email } : {}) });
    expect(res.status, res.text).toBe(200);
    return res.body as VerificationReport;
  }

  const keyRows = () => t.db.prepare('SELECT * FROM issuer_rsa_keys WHERE issuer_id = ?').all(issuer.id) as Json[];

  it('is off by default: hosted badges, no key, no publicKey in the Profile', async () => {
    expect((await auth(api().get(`/api/v1/issuers/${issuer.id}`))).body.signedAssertions).toBe(false);
    const profile = await json(issuer.openBadgeId);
    expect(profile.publicKey).toBeUndefined();
    expect(profile.revocationList).toBeUndefined();
    expect(keyRows()).toEqual([]);
    const a = await award();
    expect(JSON.parse(extractPng(await bytes(a.bakedPngUrl))!)).toMatchObject({ id: a.openBadgeId, verification: { type: 'HostedBadge' } });
  });

  it('refuses a non-boolean switch and a non-owner with nothing written', async () => {
    const bad = await auth(api().patch(`/api/v1/issuers/${issuer.id}`)).send({ signedAssertions: 'yes' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual({ signedAssertions: expect.any(String) });

    const stranger = await signedUpAgent(t);
    const strangerToken = await apiToken(t, stranger.email);
    expect((await auth(api().patch(`/api/v1/issuers/${issuer.id}`), strangerToken).send({ signedAssertions: true })).status).toBe(404);
    expect(keyRows()).toEqual([]);
    expect((await auth(api().get(`/api/v1/issuers/${issuer.id}`))).body.signedAssertions).toBe(false);
  });

  it('publishes the key as a CryptographicKey in the Profile once switched on, with the private key sealed at rest', async () => {
    const updated = await setSigning(issuer.id, true);
    expect(updated.signedAssertions).toBe(true);
    const [row] = keyRows();
    const keyUrl = `${t.baseUrl}/issuers/${issuer.id}/public-keys/${row!.id}`;

    const profile = await json(issuer.openBadgeId);
    expect(profile.publicKey).toBe(keyUrl);
    expect(profile.revocationList).toBe(`${t.baseUrl}/issuers/${issuer.id}/revocations`);

    const res = await api().get(pathOf(keyUrl));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/ld+json');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const key = JSON.parse(res.text);
    expect(key).toEqual({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'CryptographicKey',
      id: keyUrl,
      owner: issuer.openBadgeId,
      publicKeyPem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/),
    });
    expect(res.text).not.toMatch(/PRIVATE/);
    expect((await api().get(`/issuers/${issuer.id}/public-keys/00000000-0000-4000-8000-000000000000`)).status).toBe(404);

    // Sealed like the 3.0 seeds: AES-256-GCM, nothing of the PKCS#8 key in the clear.
    expect(row!.secret_key).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(row!.secret_key).not.toMatch(/PRIVATE|MII/);
    // Switching on again keeps the same key.
    await setSigning(issuer.id, true);
    expect(keyRows().map((r) => r.id)).toEqual([row!.id]);
  });

  it('bakes the compact JWS into the PNG and self-closing verify="…" into the SVG; the hosted URL keeps serving JSON', async () => {
    const a = await award();
    const png = await bytes(a.bakedPngUrl);
    const jws = extractPng(png)!;
    expect(jws).toMatch(COMPACT_JWS);
    const [header, payload] = decode(jws);
    expect(header).toEqual({ alg: 'RS256' });
    expect(payload).toMatchObject({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: `urn:uuid:${a.id}`,
      badge: badge.openBadgeId,
      verification: { type: 'SignedBadge', creator: (await json(issuer.openBadgeId)).publicKey },
      recipient: { type: 'email', hashed: true },
    });
    expect(payload.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // RS256 is deterministic: the same award gives the same bytes.
    t.kiln.cache.clear();
    expect((await bytes(a.bakedPngUrl)).equals(png)).toBe(true);

    const svg = (await bytes(a.bakedSvgUrl)).toString('utf8');
    expect(svg).toContain(`<openbadges:assertion verify="${jws}"/>`);
    expect(extractSvg(svg)).toEqual({ verify: jws, json: null });

    expect(await json(a.openBadgeId)).toMatchObject({ id: a.openBadgeId, verification: { type: 'HostedBadge' } });
  });

  it('verifies valid through our verifier from the PNG, the SVG and the pasted JWS', async () => {
    const a = await award();
    const png = await bytes(a.bakedPngUrl);
    const inputs: Array<[string, Parameters<typeof verify>[0]]> = [
      ['PNG', { file: [png, 'badge.png'] }],
      ['SVG', { file: [await bytes(a.bakedSvgUrl), 'badge.svg'] }],
      ['JWS', { assertion: extractPng(png)! }],
    ];
    for (const [name, input] of inputs) {
      const report = await verify(input, ' KIT.learner@example.org ');
      expect(notPassing(report), name).toEqual([]);
      expect(report.verdict, name).toBe('valid');
      expect(report.summary, name).toMatchObject({ assertion: { id: `urn:uuid:${a.id}` }, issuer: { name: 'Riverside Youth Club' }, recipientChecked: true });
      const ids = report.checks.map((c) => c.id);
      for (const id of ['signature-key', 'signature', 'revocation', 'recipient']) expect(ids, name).toContain(id);
    }
    expect(network.attempts).toEqual([]);
  });

  it("lists a revoked signed award in the issuer's revocation list by its signed id, so the verifier says revoked", async () => {
    const a = await award();
    const jws = extractPng(await bytes(a.bakedPngUrl))!;
    const revoke = await auth(api().post(`/api/v1/assertions/${a.id}/revoke`)).send({ reason: 'Issued in error' });
    expect(revoke.status).toBe(200);

    const list = await json(`${t.baseUrl}/issuers/${issuer.id}/revocations`);
    expect(list.revokedAssertions).toEqual(
      expect.arrayContaining([
        { id: a.openBadgeId, revoked: true, revocationReason: 'Issued in error' },
        { id: `urn:uuid:${a.id}`, revoked: true, revocationReason: 'Issued in error' },
      ]),
    );
    const report = await verify({ assertion: jws });
    expect(report.verdict).toBe('revoked');
    expect(report.checks.find((c) => c.id === 'revocation')).toMatchObject({ outcome: 'fail', message: expect.stringContaining('Issued in error') });
  });

  it("finds a badge invalid when signed with a key the issuer's Profile does not list", async () => {
    const a = await award();
    const [, payload] = decode(extractPng(await bytes(a.bakedPngUrl))!);
    // Another issuer on this Kiln, signing too: its key is real and hosted, but not this issuer's.
    const other = await auth(api().post('/api/v1/issuers')).send({ name: 'Other Club', url: 'https://other.example.org', email: 'x@other.example.org', signedAssertions: true });
    expect(other.status).toBe(201);
    expect(other.body.signedAssertions).toBe(true);
    const otherKey = t.kiln.services.keys.rsaKey(other.body.id)!;
    const creator = `${t.baseUrl}/issuers/${other.body.id}/public-keys/${otherKey.id}`;
    expect((await api().get(pathOf(creator))).status).toBe(200);
    const forged = signJwsRs256({ ...payload, verification: { type: 'SignedBadge', creator } }, t.kiln.services.keys.rsaPrivateKey(otherKey));

    const report = await verify({ assertion: forged });
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['signature-key']);
    expect(report.checks.find((c) => c.id === 'signature-key')!.message).toMatch(/key that the issuer does not list/);
  });

  it('switched off, bakes hosted badges again while signed ones handed out keep verifying', async () => {
    const a = await award();
    const jws = extractPng(await bytes(a.bakedPngUrl))!;
    expect((await setSigning(issuer.id, false)).signedAssertions).toBe(false);
    expect(JSON.parse(extractPng(await bytes(a.bakedPngUrl))!)).toMatchObject({ id: a.openBadgeId, verification: { type: 'HostedBadge' } });
    expect((await json(issuer.openBadgeId)).publicKey).toMatch(/\/public-keys\//);
    expect((await verify({ assertion: jws }, LEARNER)).verdict).toBe('valid');
  });

  it('is switched on and off by an owner in the issuer edit form', async () => {
    const path = `/manage/issuers/${issuer.id}/edit`;
    const fields = { name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' };
    const page = await owner.agent.get(path).set('Accept', 'text/html');
    expect(page.text).toMatch(/<input id="f-signedAssertions" name="signedAssertions" type="checkbox" value="1" aria-describedby="f-signedAssertions-hint" >/);

    const on = await owner.agent.post(`/manage/issuers/${issuer.id}`).field('_csrf', await csrfFrom(owner.agent, path)).field(fields).field('signedAssertions', '1');
    expect(on.status).toBe(303);
    expect(t.kiln.services.issuers.findPublic(issuer.id)!.signedAssertions).toBe(true);
    expect((await owner.agent.get(path).set('Accept', 'text/html')).text).toMatch(/name="signedAssertions" type="checkbox" value="1" aria-describedby="f-signedAssertions-hint" checked>/);

    const invalid = await owner.agent.post(`/manage/issuers/${issuer.id}`).field('_csrf', await csrfFrom(owner.agent, path)).field({ ...fields, name: '' });
    expect(invalid.status).toBe(400);
    expect(t.kiln.services.issuers.findPublic(issuer.id)!.signedAssertions).toBe(true);

    const off = await owner.agent.post(`/manage/issuers/${issuer.id}`).field('_csrf', await csrfFrom(owner.agent, path)).field(fields);
    expect(off.status).toBe(303);
    expect(t.kiln.services.issuers.findPublic(issuer.id)!.signedAssertions).toBe(false);
  });
});
