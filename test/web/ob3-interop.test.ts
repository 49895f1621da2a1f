import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCredentialPng, extractCredentialSvg } from '../../src/openbadges/ob3/index.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';
import { apiToken, binary, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { schemaErrors, verifyIndependently, type IndependentReport } from '../helpers/independent-verifiers.js';
import { blockNetwork } from '../helpers/no-network.js';

type Json = Record<string, any>;

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#2a9d8f"/></svg>`;
// verifier-core's schema step downloads the schemas from here; it is the one request that may try to leave loopback.
const SCHEMA_HOST = 'purl.imsglobal.org';

describe('Open Badges 3.0 output verifies in independent implementations, not only in Kiln', () => {
  let t: TestKiln;
  let token: string;
  let adminToken: string;
  let issuer: Json;
  let badge: Json;
  let network: ReturnType<typeof blockNetwork>;
  const api = () => request(t.server);
  const as = (bearer: string) => ({
    post: (path: string, body: object = {}) => api().post(path).set('Authorization', `Bearer ${bearer}`).send(body),
  });
  const pathOf = (url: string) => new URL(url).pathname;

  beforeAll(async () => {
    t = await startKiln();
    const admin = await signedUpAgent(t); // the first account: site admin
    adminToken = await apiToken(t, admin.email);
    const owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml'), imageCaption: 'A green circle' }));
    // From here on, only loopback: every verifier resolves what it needs from its own package or from this Kiln.
    network = blockNetwork();
  });
  afterAll(async () => {
    network.restore();
    await t.close();
  });

  async function award(email = 'robin.learner@example.org'): Promise<Json> {
    const res = await as(token).post(`/api/v1/badges/${badge.id}/assertions`, { recipient: { email } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  }

  async function hosted(url: string): Promise<Json> {
    const res = await api().get(pathOf(url));
    expect(res.status, res.text).toBe(200);
    return JSON.parse(res.text) as Json;
  }

  async function kilnVerdict(credential: Json): Promise<VerificationReport> {
    const res = await api().post('/api/v1/verify').send({ assertion: credential });
    expect(res.status, res.text).toBe(200);
    return res.body as VerificationReport;
  }

  /** Kiln's verifier and every independent one give the same answer: a document Kiln accepts, they accept. */
  async function expectAllAccept(credential: Json): Promise<IndependentReport> {
    const kiln = await kilnVerdict(credential);
    const independent = await verifyIndependently(credential, t.baseUrl);
    expect(kiln.verdict, JSON.stringify(kiln.checks.filter((c) => c.outcome === 'fail'))).toBe('valid');
    expect(independent.digitalbazaar, '@digitalbazaar/vc').toMatchObject({ verified: true, revoked: credential.credentialStatus ? false : null, errors: [] });
    // Its default purpose check dereferenced the key and framed its controller document, as any third party does.
    expect(independent.digitalbazaar.dereferenced).toEqual(expect.arrayContaining([credential.proof[0].verificationMethod, credential.issuer.id]));
    expect(independent.verifierCore, '@digitalcredentials/verifier-core').toEqual({
      verified: true,
      revoked: credential.credentialStatus ? false : null,
      errors: [],
    });
    expect(independent.schema, 'OB 3.0 JSON Schema').toEqual([]);
    expect(network.attempts.filter((host) => host !== SCHEMA_HOST)).toEqual([]);
    return independent;
  }

  it('accepts a freshly awarded credential, and its signing key is a Multikey document at its own URL', async () => {
    const credential = await hosted((await award()).credentialUrl);
    const independent = await expectAllAccept(credential);

    const methodUrl = credential.proof[0].verificationMethod as string;
    expect(independent.digitalbazaar.dereferenced).toEqual([methodUrl, credential.issuer.id, credential.credentialStatus.statusListCredential]);
    expect(methodUrl).toMatch(new RegExp(`^${t.baseUrl}/issuers/${issuer.id}/ob3/keys/[0-9a-f-]{36}$`));
    const res = await api().get(pathOf(methodUrl));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/ld+json');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers.vary).toContain('Accept');
    expect(res.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(res.headers.etag).toBeTruthy();
    const key = JSON.parse(res.text);
    expect(key).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      id: methodUrl,
      type: 'Multikey',
      controller: credential.issuer.id,
      publicKeyMultibase: expect.stringMatching(/^z6Mk/),
    });
    expect(res.text).not.toMatch(/secret/i);
    expect((await api().get(pathOf(methodUrl)).set('If-None-Match', res.headers.etag!)).status).toBe(304);
    expect((await api().get(pathOf(methodUrl)).set('Accept', 'application/json')).headers['content-type']).toContain('application/json');

    const profile = await hosted(credential.issuer.id);
    expect(profile.verificationMethod).toEqual([{ id: methodUrl, type: 'Multikey', controller: profile.id, publicKeyMultibase: key.publicKeyMultibase }]);
    expect(profile.assertionMethod).toEqual([methodUrl]);
    expect((await api().get(`/issuers/${issuer.id}/ob3/keys/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('accepts the credential baked into the 3.0 PNG and SVG', async () => {
    const a = await award('baked@example.org');
    const png = await api().get(pathOf(a.bakedCredentialPngUrl)).buffer(true).parse(binary);
    const svg = await api().get(pathOf(a.bakedCredentialSvgUrl)).buffer(true).parse(binary);
    expect(png.status).toBe(200);
    expect(svg.status).toBe(200);
    for (const text of [extractCredentialPng(png.body), extractCredentialSvg(svg.body.toString('utf8'))]) {
      expect(text).not.toBeNull();
      await expectAllAccept(JSON.parse(text!));
    }
  });

  it('accepts credentials signed before and after a key rotation, and re-signs the hosted one with the new key', async () => {
    const a = await award('rotation@example.org');
    const before = await hosted(a.credentialUrl);
    const rotated = await as(token).post(`/api/v1/issuers/${issuer.id}/keys/rotate`);
    expect(rotated.status, rotated.text).toBe(201);

    // The copy a learner downloaded before the rotation, signed with the key that is now retired.
    await expectAllAccept(before);
    const fresh = await hosted((await award('after-rotation@example.org')).credentialUrl);
    await expectAllAccept(fresh);
    const resigned = await hosted(a.credentialUrl);
    expect(resigned.proof[0].verificationMethod).toBe(fresh.proof[0].verificationMethod);
    expect(resigned.proof[0].verificationMethod).not.toBe(before.proof[0].verificationMethod);
    await expectAllAccept(resigned);

    const profile = await hosted(before.issuer.id);
    expect(profile.assertionMethod).toEqual([before.proof[0].verificationMethod, fresh.proof[0].verificationMethod]);
  });

  it('reports a revoked credential revoked in both libraries, and never valid', async () => {
    const a = await award('revoked@example.org');
    const credential = await hosted(a.credentialUrl);
    await expectAllAccept(credential);
    expect((await as(token).post(`/api/v1/assertions/${a.id}/revoke`, { reason: 'Awarded in error' })).status).toBe(200);

    expect((await kilnVerdict(credential)).verdict).toBe('revoked');
    const independent = await verifyIndependently(credential, t.baseUrl);
    expect(independent.digitalbazaar.revoked).toBe(true);
    expect(independent.verifierCore.revoked).toBe(true);
    expect(independent.verifierCore.verified).toBe(false);
  });

  it('accepts the EndorsementCredential of an approved endorsement', async () => {
    const council = await as(adminToken).post('/api/v1/issuers', {
      name: 'Leicester City Council',
      url: 'https://council.example.org',
      email: 'badges@council.example.org',
      image: dataUri(await pngImage(64, 64, '#1d4ed8')),
    });
    expect((await as(adminToken).post('/api/v1/endorsers', { issuerId: council.body.id })).status).toBe(201);
    const standard = await as(adminToken).post('/api/v1/standards', { name: 'Fair criteria', rules: [{ type: 'judgement', guidance: 'Fair to assess.' }] });
    const submitted = await as(token).post(`/api/v1/badges/${badge.id}/submissions`, { standardId: standard.body.id, endorserIssuerId: council.body.id });
    expect(submitted.status, submitted.text).toBe(201);
    const approved = await as(adminToken).post(`/api/v1/submissions/${submitted.body.id}/approve`, { comment: 'Meets our standard.' });
    expect(approved.status, approved.text).toBe(201);

    const endorsement = await hosted(`${approved.body.openBadgeId}/ob3`);
    expect(endorsement.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(endorsement.issuer.otherIdentifier[0].type).toBe('IdentifierEntry');
    await expectAllAccept(endorsement);

    // Kiln's verifier says what each document is, as hosted URL and as pasted JSON, and never calls it invalid.
    const endorsement2 = await hosted(approved.body.openBadgeId);
    expect(endorsement2.type).toBe('Endorsement');
    for (const input of [{ url: approved.body.openBadgeId }, { assertion: endorsement2 }, { url: endorsement.id }, { assertion: endorsement }]) {
      const res = await api().post('/api/v1/verify').send({ ...input, email: 'robin.learner@example.org' });
      const report = res.body as VerificationReport;
      expect(report.verdict, `${JSON.stringify(input).slice(0, 80)}: ${JSON.stringify(report.checks.filter((c) => c.outcome !== 'pass'))}`).toBe('valid');
      expect(report.checks.find((c) => c.id === 'endorsement')).toMatchObject({ outcome: 'pass', message: expect.stringContaining('endorsement, not a badge award') });
      expect(report.summary.issuer.name).toBe('Leicester City Council');
      expect(report.summary.recipientChecked).toBe(false);
    }
    const page = await api().post('/api/v1/verify').send({ url: endorsement.id });
    expect(page.body.checks.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['credential-format', 'endorsement', 'key-fetch', 'credential-proof', 'validity']));
  });

  it('serves every OB 3.0 document valid against the official 1EdTech schemas', async () => {
    const credential = await hosted((await award('schemas@example.org')).credentialUrl);
    expect(schemaErrors(credential, 'achievementcredential')).toEqual([]);
    expect(schemaErrors(credential.issuer, 'profile')).toEqual([]);
    expect(schemaErrors(await hosted(credential.issuer.id), 'profile')).toEqual([]);
    expect(schemaErrors(await hosted(credential.credentialSubject.achievement.id), 'achievement')).toEqual([]);
    // The schema is strict where Kiln was not: the entry's type is a single string.
    expect(schemaErrors({ ...credential.issuer, otherIdentifier: [{ ...credential.issuer.otherIdentifier[0], type: ['IdentifierEntry'] }] }, 'profile')).not.toEqual([]);
  });
});
