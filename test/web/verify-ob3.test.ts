import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnbake, runVerify } from '../../src/cli-verify.js';
import { signCredential } from '../../src/openbadges/ob3/index.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';
import { blockNetwork } from '../helpers/no-network.js';
import { apiToken, csrfFrom, dataUri, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln, binary } from '../helpers/app.js';
import { failing, notPassing, captureIo } from '../helpers/verify.js';

// Open Badges 3.0 credentials through the verifier mounted in the real app: private networks refused, so the issuer's
// controller document and status list are answered in-process, and no connection leaves loopback.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><rect x="10" y="10" width="80" height="80" fill="#264653"/></svg>`;
const LEARNER = 'Robin.Learner@Example.org';

type Json = Record<string, any>;




describe('the verifier checks Open Badges 3.0 credentials', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badgeId: string;
  let network: ReturnType<typeof blockNetwork>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-verify-ob3-'));
  const api = () => request(t.server);
  const pathOf = (url: string) => new URL(url).pathname;
  const bytes = async (url: string) => (await api().get(pathOf(url)).buffer(true).parse(binary)).body as Buffer;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    const { badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml'), expiresAfterDays: 365 });
    badgeId = badge.id;
    network = blockNetwork();
  });
  afterAll(async () => {
    network.restore();
    await t.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function award(extra: Json = {}): Promise<Json> {
    const res = await api().post(`/api/v1/badges/${badgeId}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: LEARNER }, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  }

  const credentialOf = async (a: Json): Promise<Json> => JSON.parse((await api().get(pathOf(a.credentialUrl))).text);

  async function verify(input: { url?: string; assertion?: unknown; file?: [Buffer, string] }, email?: string): Promise<VerificationReport> {
    const req = api().post('/api/v1/verify');
    const res = input.file
      ? await (email ? req.attach('file', input.file[0], input.file[1]).field('email', email) : req.attach('file', input.file[0], input.file[1]))
      : await req.send({ ...input, ...(email ? { email } : {}) });
    expect(res.status, res.text).toBe(200);
    return res.body as VerificationReport;
  }

  it('finds our credential valid as hosted JSON, as a JSON object or text, and baked in a PNG or an SVG', async () => {
    const a = await award();
    const credential = await credentialOf(a);
    const inputs: Array<[string, Parameters<typeof verify>[0]]> = [
      ['URL', { url: a.credentialUrl }],
      ['object', { assertion: credential }],
      ['JSON text', { assertion: JSON.stringify(credential) }],
      ['baked PNG', { file: [await bytes(a.bakedCredentialPngUrl), 'badge-ob3.png'] }],
      ['baked SVG', { file: [await bytes(a.bakedCredentialSvgUrl), 'badge-ob3.svg'] }],
    ];
    for (const [name, input] of inputs) {
      const report = await verify(input, '  robin.learner@example.ORG ');
      expect(notPassing(report), name).toEqual([]);
      expect(report.verdict, name).toBe('valid');
      expect(report.summary, name).toMatchObject({
        badge: { name: 'Digital Storyteller', id: `${t.baseUrl}/badges/${badgeId}/ob3` },
        issuer: { name: 'Riverside Youth Club', id: credential.issuer.id },
        assertion: { id: a.credentialUrl, issuedOn: credential.validFrom, expires: credential.validUntil },
        recipientChecked: true,
      });
      const ids = report.checks.map((c) => c.id);
      for (const id of ['issuer-fetch', 'credential-format', 'credential-proof', 'validity', 'revocation', 'recipient', 'badge-image']) expect(ids, name).toContain(id);
    }
    expect(network.attempts).toEqual([]);
  });

  it('shows a valid credential on the result page', async () => {
    const a = await award();
    const csrf = await csrfFrom(owner.agent, '/verify');
    const res = await owner.agent.post('/verify').field('_csrf', csrf).field('email', LEARNER).attach('file', await bytes(a.bakedCredentialPngUrl), 'badge-ob3.png');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-verdict="valid"');
    expect(res.text).toContain('Riverside Youth Club');
    expect(res.text).toContain('data-check="credential-proof" data-outcome="pass"');
  });

  it('verifies valid through the CLI from the baked file and the URL, and unbakes the credential', async () => {
    const a = await award();
    const png = await bytes(a.bakedCredentialPngUrl);
    const file = path.join(tmp, 'badge-ob3.png');
    fs.writeFileSync(file, png);
    const env = { PUBLIC_URL: t.config.publicUrl, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', VERIFY_ALLOW_PRIVATE_NETWORKS: 'false' };

    const fromFile = captureIo(env);
    expect(await runVerify([file, '--email', LEARNER, '--json'], fromFile), fromFile.out).toBe(0);
    expect(JSON.parse(fromFile.out)).toMatchObject({ verdict: 'valid', summary: { recipientChecked: true } });

    const fromUrl = captureIo(env);
    expect(await runVerify([a.credentialUrl], fromUrl), fromUrl.out).toBe(0);
    expect(fromUrl.out).toMatch(/^VALID \(valid\)\nThis badge is genuine: Riverside Youth Club issued it/);
    expect(fromUrl.out).toContain('  PASS  credential-proof:');

    const unbaked = captureIo(env);
    expect(await runUnbake([file], unbaked)).toBe(0);
    expect(unbaked.out).toBe(`${(await api().get(pathOf(a.credentialUrl))).text}\n`);
  });

  it('finds a tampered credential invalid, naming the proof check', async () => {
    const credential = await credentialOf(await award());
    credential.credentialSubject.achievement.name = 'Master Storyteller';
    const report = await verify({ assertion: credential });
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['credential-proof']);
    expect(report.checks.find((c) => c.id === 'credential-proof')!.message).toMatch(/changed after signing/);
  });

  it('finds a revoked credential revoked, from its JSON, its baked PNG and its URL', async () => {
    const a = await award();
    const credential = await credentialOf(a);
    const png = await bytes(a.bakedCredentialPngUrl);
    const revoke = await api().post(`/api/v1/assertions/${a.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Awarded by mistake' });
    expect(revoke.status).toBe(200);

    for (const input of [{ assertion: credential }, { file: [png, 'badge-ob3.png'] as [Buffer, string] }]) {
      const report = await verify(input);
      expect(report.verdict).toBe('revoked');
      expect(failing(report)).toEqual(['revocation']);
      expect(report.checks.find((c) => c.id === 'revocation')!.message).toBe('The issuer has revoked this credential.');
    }
    const byUrl = await verify({ url: a.credentialUrl });
    expect(byUrl.verdict).toBe('revoked');
    expect(byUrl.checks.find((c) => c.id === 'revocation')!.message).toContain('Awarded by mistake');
  });

  it('finds a credential expired once its validUntil has passed', async () => {
    const a = await award({ issuedOn: '2020-01-01T00:00:00Z', expires: '2021-01-01T00:00:00Z' });
    const credential = await credentialOf(a);
    expect(credential.validUntil).toBe('2021-01-01T00:00:00Z');
    const report = await verify({ assertion: credential });
    expect(report.verdict).toBe('expired');
    expect(failing(report)).toEqual(['validity']);
    expect(report.checks.find((c) => c.id === 'validity')!.message).toBe('This credential has expired.');
  });

  it('finds a credential invalid for another recipient email', async () => {
    const credential = await credentialOf(await award());
    const report = await verify({ assertion: credential }, 'someone.else@example.org');
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['recipient']);
    expect(report.summary.recipientChecked).toBe(true);
  });

  it('finds a credential invalid when its signing key is controlled by someone other than the issuer', async () => {
    const credential = await credentialOf(await award());
    // A second issuer on the same Kiln signs the first issuer's credential with its own, published, key.
    const other = await api().post('/api/v1/issuers').set('Authorization', `Bearer ${token}`).send({ name: 'Other Club', url: 'https://other.example.org', email: 'x@other.example.org' });
    expect(other.status).toBe(201);
    const { key } = await t.kiln.services.keys.signingKey(other.body.id);
    const { proof: _proof, ...unsigned } = credential;
    const forged = await signCredential(unsigned, { key, created: credential.proof[0].created });
    expect(forged.proof[0]!.verificationMethod).toContain(`/issuers/${other.body.id}/ob3/keys/`);

    const report = await verify({ assertion: forged });
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['key-controller']);
    expect(report.checks.find((c) => c.id === 'key-controller')!.message).toBe('The signing key does not belong to the issuer.');
  });

  it('reports a credential whose signing key cannot be fetched as unverifiable', async () => {
    const credential = await credentialOf(await award());
    credential.proof[0].verificationMethod = `${t.baseUrl}/issuers/00000000-0000-4000-8000-000000000000/ob3/keys/00000000-0000-4000-8000-000000000000`;
    const report = await verify({ assertion: credential });
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['key-fetch', 'key-controller']);
    expect(report.checks.find((c) => c.id === 'key-fetch')!.message).toMatch(/^Kiln couldn't get the document that publishes the signing key from 127\.0\.0\.1:\d+: /);
  });
});
