import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { JSDOM } from 'jsdom';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDocumentLoader,
  extractCredentialPng,
  extractCredentialSvg,
  OB3_SVG,
  signCredential,
  signingKeyFromSeed,
  verifyCredential,
  type CredentialCheck,
} from '../../src/openbadges/ob3/index.js';
import { loadConfig } from '../../src/config.js';
import { extractPng } from '../../src/openbadges/png.js';
import { hashIdentity } from '../../src/openbadges/recipient.js';
import { blockNetwork } from '../helpers/no-network.js';
import { apiToken, dataUri, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln, binary } from '../helpers/app.js';

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#2a9d8f"/></svg>`;
const VC_TYPE = 'application/vc+ld+json';

type Json = Record<string, any>;

describe('Open Badges 3.0: signed, hosted, baked and revocable credentials', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let issuer: { id: string; openBadgeId: string };
  let badge: { id: string; openBadgeId: string };
  let clock = new Date('2026-03-02T10:00:00Z');
  let network: ReturnType<typeof blockNetwork>;
  const api = () => request(t.server);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
  const pathOf = (url: string) => new URL(url).pathname;

  beforeAll(async () => {
    t = await startKiln({}, () => clock);
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token, {
      name: 'Digital Storyteller',
      image: dataUri(Buffer.from(SVG), 'image/svg+xml'),
      imageCaption: 'A green circle',
      expiresAfterDays: 365,
    }));
    // From here on, only loopback: signing and verifying must never reach out.
    network = blockNetwork();
  });
  afterAll(async () => {
    network.restore();
    await t.close();
  });

  async function award(email = 'Learner.One@Example.org', extra: Json = {}) {
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({
      recipient: { email },
      narrative: 'Presented at the showcase.',
      evidence: [{ url: 'https://example.org/story', name: 'The story', narrative: 'A two-minute film' }],
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  }

  async function getCredential(url: string): Promise<{ text: string; json: Json }> {
    const res = await api().get(pathOf(url));
    expect(res.status, res.text).toBe(200);
    return { text: res.text, json: JSON.parse(res.text) };
  }

  /** What a verifier holds after fetching the issuer's controller document once (here over loopback). */
  async function loaderFor(credential: Json) {
    const issuerId = credential.issuer.id as string;
    const profile = JSON.parse((await api().get(pathOf(issuerId))).text);
    return createDocumentLoader(new Map([[issuerId, profile]]));
  }

  const fetchStatusList = async (url: string) => {
    const res = await api().get(pathOf(url));
    if (res.status !== 200) throw new Error(`status list answered ${res.status}`);
    return JSON.parse(res.text) as unknown;
  };

  async function verify(credential: Json, extra: { recipientEmail?: string; now?: Date } = {}) {
    return verifyCredential(credential, { documentLoader: await loaderFor(credential), fetchStatusList, now: extra.now ?? clock, ...extra });
  }

  const failures = (checks: CredentialCheck[]) => checks.filter((c) => c.outcome === 'fail');

  it('blocks the network in this suite (the guard itself works)', async () => {
    await expect(Promise.resolve().then(() => fetch('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'))).rejects.toThrow(/blocked/);
    network.attempts.length = 0;
  });

  it('hosts every award as an OpenBadgeCredential exactly per §4.2, signed with eddsa-rdfc-2022', async () => {
    const a = await award();
    expect(a.credentialUrl).toBe(`${t.baseUrl}/credentials/${a.id}`);
    expect(a.bakedCredentialPngUrl).toBe(`${t.baseUrl}/credentials/${a.id}/baked.png`);
    expect(a.bakedCredentialSvgUrl).toBe(`${t.baseUrl}/credentials/${a.id}/baked.svg`);

    const res = await api().get(pathOf(a.credentialUrl));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain(VC_TYPE);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.vary).toContain('Accept');
    const c = JSON.parse(res.text);
    const assertion = JSON.parse((await api().get(pathOf(a.openBadgeId))).text);
    const profile3 = `${t.baseUrl}/issuers/${issuer.id}/ob3`;

    expect(c['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
    expect(c.id).toBe(a.credentialUrl);
    expect(c.id).not.toBe(a.openBadgeId);
    expect(c.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(c.name).toBe('Digital Storyteller');
    expect(c.issuer).toMatchObject({ id: profile3, type: ['Profile'], name: 'Riverside Youth Club', url: 'https://riverside.example.org' });
    expect(c.issuer.otherIdentifier).toEqual([{ type: 'IdentifierEntry', identifier: issuer.openBadgeId, identifierType: 'identifier' }]);
    expect(c.validFrom).toBe(assertion.issuedOn);
    expect(c.validUntil).toBe(assertion.expires);
    expect(c.credentialSubject.identifier).toEqual([
      { type: 'IdentityObject', hashed: true, identityHash: assertion.recipient.identity, identityType: 'emailAddress', salt: assertion.recipient.salt },
    ]);
    expect(c.credentialSubject.identifier[0].identityHash).toBe(hashIdentity('learner.one@example.org', assertion.recipient.salt));
    expect(c.credentialSubject.type).toEqual(['AchievementSubject']);
    expect(c.credentialSubject.narrative).toBe('Presented at the showcase.');
    expect(c.credentialSubject.achievement).toMatchObject({
      id: `${t.baseUrl}/badges/${badge.id}/ob3`,
      type: ['Achievement'],
      name: 'Digital Storyteller',
      criteria: { narrative: 'Plan, record and edit a *two-minute* story.' },
      image: { id: `${badge.openBadgeId}/image`, type: 'Image', caption: 'A green circle' },
      alignment: [{ type: ['Alignment'], targetName: 'Digital Competence 3.1', targetUrl: 'https://example.org/framework/3.1' }],
      tag: ['media', 'storytelling'],
      related: [{ id: badge.openBadgeId, type: ['Related', 'https://w3id.org/openbadges#BadgeClass'], version: 'Open Badges v2p0' }],
    });
    expect(c.evidence).toEqual([{ id: 'https://example.org/story', type: ['Evidence'], name: 'The story', narrative: 'A two-minute film' }]);
    expect(c.credentialStatus).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListCredential: `${t.baseUrl}/issuers/${issuer.id}/status/revocation`,
    });
    expect(c.credentialStatus.statusListIndex).toMatch(/^\d+$/);
    expect(c.proof).toHaveLength(1);
    expect(c.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' });
    expect(c.proof[0].verificationMethod).toMatch(new RegExp(`^${profile3}/keys/[0-9a-f-]{36}$`));
    expect(res.text.toLowerCase()).not.toContain('learner.one');
    // The 2.0 assertion points at its 3.0 form.
    expect(assertion.related).toEqual([
      { id: a.credentialUrl, type: ['https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential'], version: 'Open Badges v3p0' },
    ]);
    expect(network.attempts).toEqual([]);
  });

  it('negotiates: JSON for every non-browser client, the award page for browsers', async () => {
    const a = await award();
    const json = await api().get(pathOf(a.credentialUrl)).set('Accept', 'application/json');
    expect(json.headers['content-type']).toContain('application/json');
    const any = await api().get(pathOf(a.credentialUrl)).set('Accept', '*/*');
    expect(any.headers['content-type']).toContain(VC_TYPE);
    expect(JSON.parse(any.text).proof[0].proofValue).toBe(JSON.parse(json.text).proof[0].proofValue);
    const page = await api().get(pathOf(a.credentialUrl)).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain(`/credentials/${a.id}/baked.png`);
    expect(page.text).toContain(`/credentials/${a.id}/credential.json`);
    const file = await api().get(`/credentials/${a.id}/credential.json`).set('Accept', 'text/html').buffer(true).parse(binary);
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="badge-[\w-]+-ob3\.json"$/);
    expect(file.body.toString()).toBe(any.text);
  });

  it("publishes the issuer's 3.0 profile as the controller document of its key, and links the 2.0 forms", async () => {
    const res = await api().get(`/issuers/${issuer.id}/ob3`);
    expect(res.status).toBe(200);
    const profile = JSON.parse(res.text);
    const id = `${t.baseUrl}/issuers/${issuer.id}/ob3`;
    expect(profile).toMatchObject({ id, type: ['Profile'], name: 'Riverside Youth Club' });
    expect(profile.verificationMethod).toHaveLength(1);
    const [method] = profile.verificationMethod;
    expect(method).toEqual({ id: expect.stringMatching(new RegExp(`^${id}/keys/[0-9a-f-]{36}$`)), type: 'Multikey', controller: id, publicKeyMultibase: method.publicKeyMultibase });
    expect(method.publicKeyMultibase).toMatch(/^z6Mk/);
    expect(profile.assertionMethod).toEqual([method.id]);
    expect(res.text).not.toMatch(/secret/i);

    const profile2 = JSON.parse((await api().get(`/issuers/${issuer.id}`)).text);
    expect(profile2.related).toEqual([{ id, type: ['https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile'], version: 'Open Badges v3p0' }]);
    const badge2 = JSON.parse((await api().get(`/badges/${badge.id}`)).text);
    expect(badge2.related[0].id).toBe(`${t.baseUrl}/badges/${badge.id}/ob3`);
    const achievement = JSON.parse((await api().get(`/badges/${badge.id}/ob3`)).text);
    expect(achievement).toMatchObject({ id: badge2.related[0].id, type: ['Achievement'], name: 'Digital Storyteller' });
  });

  it('verifies an issued credential with @digitalbazaar/vc using only the bundled contexts', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    const documentLoader = await loaderFor(json);
    const profile = (await documentLoader(json.issuer.id)).document as Json;

    const direct = await vc.verifyCredential({
      credential: json,
      suite: new DataIntegrityProof({ cryptosuite }),
      documentLoader,
      controller: profile,
      checkStatus: async () => ({ verified: true }),
    });
    expect(direct.verified, String(direct.error)).toBe(true);

    const checks = await verify(json, { recipientEmail: 'learner.one@example.org' });
    expect(failures(checks)).toEqual([]);
    expect(checks.map((c) => `${c.id}:${c.outcome}`)).toEqual([
      'credential-format:pass',
      'credential-proof:pass',
      'validity:pass',
      'revocation:pass',
      'recipient:pass',
    ]);
    expect((await verify(json, { recipientEmail: 'someone.else@example.org' })).find((c) => c.id === 'recipient')?.outcome).toBe('fail');
    expect(network.attempts).toEqual([]);
  });

  it('fails verification when any field is changed', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    const edits: Array<[string, (c: Json) => void]> = [
      ['name', (c) => (c.name = 'Master Storyteller')],
      ['validFrom', (c) => (c.validFrom = '2020-01-01T00:00:00Z')],
      ['validUntil', (c) => (c.validUntil = '2099-01-01T00:00:00Z')],
      ['recipient', (c) => (c.credentialSubject.identifier[0].identityHash = hashIdentity('mallory@example.org', c.credentialSubject.identifier[0].salt))],
      ['issuer name', (c) => (c.issuer.name = 'Another Club')],
      ['criteria', (c) => (c.credentialSubject.achievement.criteria.narrative = 'Turn up.')],
      ['evidence', (c) => (c.evidence[0].id = 'https://example.org/other')],
      ['status index', (c) => (c.credentialStatus.statusListIndex = '99')],
      ['description', (c) => (c.description = 'Changed later')],
      ['added property', (c) => (c.awardedDate = '2020-01-01T00:00:00Z')],
    ];
    for (const [what, edit] of edits) {
      const tampered = structuredClone(json);
      edit(tampered);
      const proof = (await verify(tampered)).find((c) => c.id === 'credential-proof');
      expect(proof, what).toMatchObject({ outcome: 'fail', effect: 'invalid' });
    }
  });

  it('fails verification when signed with another key, or with a key the issuer does not control', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    const { proof: _proof, ...unsigned } = json;
    const stranger = await signingKeyFromSeed(crypto.randomBytes(32), json.proof[0].verificationMethod, json.issuer.id);
    const forged = await signCredential(unsigned, { key: stranger, created: json.proof[0].created });
    expect(failures(await verify(forged)).map((c) => c.id)).toEqual(['credential-proof']);

    // A key under someone else's controller, even when that controller document is at hand.
    const mallory = 'https://mallory.example/issuer';
    const malloryKey = await signingKeyFromSeed(crypto.randomBytes(32), `${mallory}#key`, mallory);
    const foreign = await signCredential(unsigned, { key: malloryKey, created: json.proof[0].created });
    const loader = createDocumentLoader(
      new Map<string, unknown>([
        [json.issuer.id, (await (await loaderFor(json))(json.issuer.id)).document],
        [mallory, { id: mallory, verificationMethod: [{ id: `${mallory}#key`, type: 'Multikey', controller: mallory, publicKeyMultibase: malloryKey.publicKeyMultibase }], assertionMethod: [`${mallory}#key`] }],
      ]),
    );
    const checks = await verifyCredential(foreign, { documentLoader: loader, fetchStatusList, now: clock });
    expect(checks.find((c) => c.id === 'key-controller')).toMatchObject({ outcome: 'fail', effect: 'invalid' });
  });

  it('reports a credential with an unknown JSON-LD context as unverifiable: the loader fetches nothing', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    const extended = { ...json, '@context': [...json['@context'], 'https://example.org/extension/context.json'] };
    const proof = (await verify(extended)).find((c) => c.id === 'credential-proof');
    expect(proof).toMatchObject({ outcome: 'fail', effect: 'unverifiable' });
    expect(proof?.detail).toMatch(/example\.org\/extension/);
    expect(network.attempts).toEqual([]);
  });

  it('checks the validity window', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    expect((await verify(json, { now: new Date(Date.parse(json.validUntil) + 1000) })).find((c) => c.id === 'validity')).toMatchObject({ outcome: 'fail', effect: 'expired' });
    expect((await verify(json, { now: new Date(Date.parse(json.validFrom) - 86_400_000) })).find((c) => c.id === 'validity')).toMatchObject({ outcome: 'fail', effect: 'not-yet-valid' });
  });

  it('revokes both forms: the status list reports it revoked, the hosted credential and its downloads answer 410', async () => {
    const a = await award();
    const keep = await award('keep@example.org');
    const { json } = await getCredential(a.credentialUrl);
    const { json: kept } = await getCredential(keep.credentialUrl);
    expect(json.credentialStatus.statusListIndex).not.toBe(kept.credentialStatus.statusListIndex);
    expect((await verify(json)).find((c) => c.id === 'revocation')?.outcome).toBe('pass');

    const revoke = await auth(api().post(`/api/v1/assertions/${a.id}/revoke`)).send({ reason: 'Awarded by mistake' });
    expect(revoke.status).toBe(200);

    const status = (await verify(json)).find((c) => c.id === 'revocation');
    expect(status).toMatchObject({ outcome: 'fail', effect: 'revoked' });
    expect((await verify(kept)).find((c) => c.id === 'revocation')?.outcome).toBe('pass');
    const list = JSON.parse((await api().get(`/issuers/${issuer.id}/status/revocation`)).text);
    expect(list).toMatchObject({
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: json.issuer.id,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation' },
    });
    expect(list.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    const gone = await api().get(pathOf(a.credentialUrl));
    expect(gone.status).toBe(410);
    expect(JSON.parse(gone.text)).toEqual({ id: a.credentialUrl, revoked: true, revocationReason: 'Awarded by mistake' });
    expect((await api().get(`/credentials/${a.id}/baked.png`)).status).toBe(410);
    expect((await api().get(`/credentials/${a.id}/baked.svg`)).status).toBe(410);
    expect((await api().get(pathOf(a.openBadgeId))).status).toBe(410);
  });

  it('fails the status check when the revocation list is altered', async () => {
    const a = await award();
    const { json } = await getCredential(a.credentialUrl);
    const altered = async (url: string) => ({ ...(await fetchStatusList(url) as Json), validFrom: '2020-01-01T00:00:00Z' });
    const checks = await verifyCredential(json, { documentLoader: await loaderFor(json), fetchStatusList: altered, now: clock });
    expect(checks.find((c) => c.id === 'revocation')).toMatchObject({ outcome: 'fail', effect: 'invalid' });
  });

  it('signs once and keeps the credential until the award, badge or issuer changes', async () => {
    const a = await award();
    const first = await getCredential(a.credentialUrl);
    clock = new Date(clock.getTime() + 60_000);
    t.kiln.cache.clear();
    const again = await getCredential(a.credentialUrl);
    expect(again.text).toBe(first.text);

    const renamed = await auth(api().patch(`/api/v1/issuers/${issuer.id}`)).send({ name: 'Riverside Youth & Community Club' });
    expect(renamed.status).toBe(200);
    const after = await getCredential(a.credentialUrl);
    expect(after.json.issuer.name).toBe('Riverside Youth & Community Club');
    expect(after.json.proof[0].created).not.toBe(first.json.proof[0].created);
    expect(failures(await verify(after.json))).toEqual([]);
  });

  it('rotates keys: new credentials use the new key, old ones keep verifying', async () => {
    const a = await award();
    const { json: before } = await getCredential(a.credentialUrl);
    const rotated = await auth(api().post(`/api/v1/issuers/${issuer.id}/keys/rotate`)).send({});
    expect(rotated.status).toBe(201);
    expect(rotated.body.items).toHaveLength(2);
    expect(rotated.body.items.map((k: Json) => k.active)).toEqual([false, true]);
    expect(JSON.stringify(rotated.body)).not.toMatch(/secret/i);

    const profile = JSON.parse((await api().get(`/issuers/${issuer.id}/ob3`)).text);
    expect(profile.assertionMethod).toHaveLength(2);
    expect(failures(await verify(before))).toEqual([]);
    const { json: after } = await getCredential(a.credentialUrl);
    expect(after.proof[0].verificationMethod).toBe(rotated.body.items[1].id);
    expect(after.proof[0].verificationMethod).not.toBe(before.proof[0].verificationMethod);
    expect(failures(await verify(after))).toEqual([]);

    const stranger = await signedUpAgent(t);
    const strangerToken = await apiToken(t, stranger.email);
    const refused = await api().post(`/api/v1/issuers/${issuer.id}/keys/rotate`).set('Authorization', `Bearer ${strangerToken}`).send({});
    expect(refused.status).toBe(404);
  });

  it('bakes the 3.0 PNG and SVG with the identical credential, beside the 2.0 ones', async () => {
    const a = await award();
    const { text } = await getCredential(a.credentialUrl);
    const png = await api().get(`/credentials/${a.id}/baked.png`).buffer(true).parse(binary);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(extractCredentialPng(png.body)).toBe(text);
    expect(extractPng(png.body)).toBeNull();

    const svg = await api().get(`/credentials/${a.id}/baked.svg`).buffer(true).parse(binary);
    expect(svg.status).toBe(200);
    const svgText = svg.body.toString('utf8');
    expect(JSON.parse(extractCredentialSvg(svgText)!)).toEqual(JSON.parse(text));
    const dom = new JSDOM(svgText, { contentType: 'image/svg+xml' });
    const element = dom.window.document.documentElement.firstElementChild!;
    expect(element.namespaceURI).toBe(OB3_SVG.namespace);
    expect(element.localName).toBe('credential');
    expect(element.hasAttribute('verify')).toBe(false);
    expect(JSON.parse(element.textContent!)).toEqual(JSON.parse(text));
  });

  it('keeps hostile badge text inside the baked SVG', async () => {
    const hostile = `]]></openbadges:credential><script>alert(1)</script><![CDATA[ & "quotes" <b>`;
    const { badge: evil } = await givenBadge(t, token, { name: 'Evil ]]> badge', description: hostile, image: dataUri(Buffer.from(SVG), 'image/svg+xml') });
    const res = await auth(api().post(`/api/v1/badges/${evil.id}/assertions`)).send({ recipient: { email: 'x@example.org' }, narrative: hostile });
    const { text } = await getCredential(res.body.credentialUrl);
    const svg = (await api().get(`/credentials/${res.body.id}/baked.svg`).buffer(true).parse(binary)).body.toString('utf8');
    const dom = new JSDOM(svg, { contentType: 'image/svg+xml' });
    const doc = dom.window.document;
    expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
    expect(doc.getElementsByTagName('script')).toHaveLength(0);
    expect(doc.getElementsByTagNameNS(OB3_SVG.namespace, 'credential')).toHaveLength(1);
    expect(JSON.parse(doc.getElementsByTagNameNS(OB3_SVG.namespace, 'credential')[0]!.textContent!)).toEqual(JSON.parse(text));
    expect(failures(await verify(JSON.parse(extractCredentialSvg(svg)!)))).toEqual([]);
  });

  it('gives issuers made before OB 3.0 a key on first use, and keeps private keys encrypted at rest', async () => {
    const row = t.db.prepare('SELECT id, issuer_id, public_key_multibase, secret_key FROM issuer_keys WHERE issuer_id = ? AND retired_at IS NULL').get(issuer.id) as Json;
    expect(row.secret_key).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const secretFile = path.join(t.dataDir, 'key-secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    // Opening it takes the secret in DATA_DIR and this row's ids; the seed gives back the published key.
    const [, iv, tag, sealed] = row.secret_key.split('.');
    const key = Buffer.from(crypto.hkdfSync('sha256', fs.readFileSync(secretFile, 'utf8').trim(), 'kiln', 'issuer-signing-keys', 32));
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${row.issuer_id}/${row.id}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const seed = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
    expect(seed).toHaveLength(32);
    expect((await signingKeyFromSeed(seed, 'x', 'y')).publicKeyMultibase).toBe(row.public_key_multibase);
    expect(fs.readFileSync(path.join(t.dataDir, 'kiln.db')).includes(seed)).toBe(false);

    // An issuer from before keys existed.
    const { issuer: older } = await givenBadge(t, token);
    t.db.prepare('DELETE FROM issuer_keys WHERE issuer_id = ?').run(older.id);
    const profile = JSON.parse((await api().get(`/issuers/${older.id}/ob3`)).text);
    expect(profile.verificationMethod).toHaveLength(1);
  });
});

describe('the key secret from the environment', () => {
  it('uses KILN_KEY_SECRET instead of a generated file, and refuses a short one', async () => {
    expect(() => loadConfig({ KILN_KEY_SECRET: 'short' })).toThrow(/KILN_KEY_SECRET/);
    const t = await startKiln({ KILN_KEY_SECRET: 'x'.repeat(40) });
    try {
      const owner = await signedUpAgent(t);
      const token = await apiToken(t, owner.email);
      const { issuer } = await givenBadge(t, token);
      const res = await request(t.server).get(`/issuers/${issuer.id}/ob3`);
      expect(res.status).toBe(200);
      expect(fs.existsSync(path.join(t.dataDir, 'key-secret'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});

/** Raw bytes whatever the Content-Type (superagent would parse JSON and leave SVG as text). */
