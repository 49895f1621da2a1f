import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { runUnbake, runVerify } from '../../src/cli-verify.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';
import { verifierService, type VerifierService } from '../../src/services/verifier.js';
import { errorHandler, notFoundHandler } from '../../src/web/error-handler.js';
import { inProcessFetch, verifyRoutes } from '../../src/web/verify.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { hostBadge, signedBadge, startForeignIssuer, type ForeignIssuer } from '../helpers/foreign-issuer.js';
import { failing, captureIo } from '../helpers/verify.js';

const views = fileURLToPath(new URL('../../views', import.meta.url));

/** verifyRoutes mounted on a bare Express app with the locals our layout expects. */
function verifyApp(verifier: VerifierService, limitPerMinute = 1000) {
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', views);
  app.locals.publicUrl = 'http://kiln.test';
  app.use(express.urlencoded({ extended: true }));
  app.use((req, res, next) => {
    Object.assign(res.locals, { currentUser: null, path: req.path, values: {}, errors: {}, csrfToken: () => 'test-csrf' });
    next();
  });
  app.use(verifyRoutes({ verifier, limitPerMinute }));
  app.use(notFoundHandler);
  app.use(errorHandler(pino({ level: 'silent' })));
  return app;
}



describe('POST /api/v1/verify and the /verify page, with badges from another issuer', () => {
  let fi: ForeignIssuer;
  let app: express.Express;

  beforeAll(async () => {
    fi = await startForeignIssuer();
    app = verifyApp(verifierService({ allowPrivateNetworks: true }));
  });
  afterAll(() => fi.close());

  it('answers the JSON report for {url}', async () => {
    const hosted = await hostBadge(fi);
    const res = await request(app).post('/api/v1/verify').send({ url: hosted.assertionUrl });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ verdict: 'valid', summary: { badge: { name: 'Web Explorer' }, recipientChecked: false } });
    expect(res.body.checks[0]).toEqual({ id: 'input', outcome: 'pass', message: expect.any(String), detail: expect.any(String) });
    expect(Date.parse(res.body.checkedAt)).not.toBeNaN();
  });

  it('answers for {assertion} given as an object, as JSON text and as a signed badge, with an email', async () => {
    const hosted = await hostBadge(fi);
    const signed = await signedBadge(fi);
    for (const [assertion, email] of [[hosted.assertion, hosted.email], [hosted.json, hosted.email], [signed.jws, signed.email]] as const) {
      const res = await request(app).post('/api/v1/verify').send({ assertion, email });
      expect(res.status).toBe(200);
      expect({ verdict: res.body.verdict, recipientChecked: res.body.summary.recipientChecked }).toEqual({ verdict: 'valid', recipientChecked: true });
    }
  });

  it('answers for a multipart file part with an email field', async () => {
    const hosted = await hostBadge(fi);
    const res = await request(app)
      .post('/api/v1/verify')
      .attach('file', await hosted.bakedPng(), 'badge.png')
      .field('email', 'someone-else@example.org');
    expect(res.status).toBe(200);
    expect(res.body.verdict).toBe('invalid');
    expect(failing(res.body)).toEqual(['recipient']);
  });

  it('refuses requests without a badge, or with a malformed email, with 422 and details', async () => {
    const empty = await request(app).post('/api/v1/verify').send({});
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: 'validation_failed', details: { url: expect.any(String) } });
    const badEmail = await request(app).post('/api/v1/verify').send({ url: 'https://x.example/a', email: 'not an email' });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.error.details).toEqual({ email: expect.any(String) });
    const badUrl = await request(app).post('/api/v1/verify').send({ url: 'file:///etc/passwd' });
    expect(badUrl.status).toBe(422);
    const noFile = await request(app).post('/api/v1/verify').field('email', 'a@example.org');
    expect(noFile.status).toBe(422);
    expect(noFile.body.error.details).toEqual({ file: expect.any(String) });
  });

  it('answers malformed badges with an "unverifiable" report, never a 500', async () => {
    const junk = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => ({ file: Buffer.from(bytes) })),
      fc.string({ maxLength: 200 }).filter((s) => s.trim() !== '').map((assertion) => ({ assertion })),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((assertion) => ({ assertion })),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (input) => {
        const started = performance.now();
        const req = request(app).post('/api/v1/verify');
        const res = 'file' in input ? await req.attach('file', input.file, 'junk.bin') : await req.send(input);
        expect(res.status).toBe(200);
        expect(res.body.verdict).toBe('unverifiable');
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 60 },
    );
  });

  it('shows the result page with every check, and a printable receipt of the same badge', async () => {
    const hosted = await hostBadge(fi);
    const res = await request(app).post('/verify').attach('file', await hosted.bakedPng(), 'award.png').field('email', hosted.email);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('data-verdict="valid"');
    expect(res.text).toContain('Northfield Coding Club');
    expect(res.text).toContain('data-check="hosted-scope" data-outcome="pass"');
    expect(res.text).toContain('<summary>Technical detail</summary>');
    expect(res.text).toMatch(/File award\.png \(\d+ bytes, SHA-256 [0-9a-f]{64}\)/);
    expect(res.text).toContain('<img src="data:image/png;base64,');

    const fields: Record<string, string> = Object.fromEntries(
      [...res.text.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(fields.view).toBe('receipt');
    const decode = (s: string) => s.replace(/&#34;/g, '"').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const receipt = await request(app)
      .post('/verify')
      .type('form')
      .send(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, decode(v)])));
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain('Badge verification receipt');
    expect(receipt.text).toContain('data-verdict="valid"');
    expect(receipt.text).toContain('Technical detail (<code>hosted-scope</code>)');
    expect(receipt.text).toContain('data-print');
    expect(receipt.text).toMatch(/File award\.png/);
  });

  it('shows why a revoked badge is not valid on the result page', async () => {
    const hosted = await hostBadge(fi);
    fi.serveJson(new URL(hosted.assertionUrl).pathname, { '@context': 'https://w3id.org/openbadges/v2', id: hosted.assertionUrl, revoked: true, revocationReason: 'Awarded by mistake' }, 410);
    const res = await request(app).post('/verify').type('form').send({ badge: hosted.assertionUrl });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-verdict="revoked"');
    expect(res.text).toContain('Awarded by mistake');
  });

  it('re-renders the form with a message when nothing was given', async () => {
    const res = await request(app).post('/verify').type('form').send({ badge: '  ', email: 'ada@example.org' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Upload the badge image, or paste its web address or its data.');
    expect(res.text).toContain('value="ada@example.org"');
  });

  it('offers the form, prefilled from ?url=', async () => {
    const res = await request(app).get('/verify?url=https%3A%2F%2Fbadges.example%2Fassertions%2F1');
    expect(res.status).toBe(200);
    expect(res.text).toContain('enctype="multipart/form-data"');
    expect(res.text).toContain('name="file"');
    expect(res.text).toContain('https://badges.example/assertions/1</textarea>');
  });

  it('limits each address to 30 checks a minute', async () => {
    const limited = verifyApp(verifierService({ allowPrivateNetworks: false }), 30);
    for (let i = 0; i < 30; i++) {
      expect((await request(limited).post('/api/v1/verify').send({ assertion: 'junk' })).status).toBe(200);
    }
    const over = await request(limited).post('/api/v1/verify').send({ assertion: 'junk' });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('rate_limited');
    expect((await request(limited).get('/verify')).status).toBe(200);
  });
});

describe('inProcessFetch', () => {
  it('answers only URLs under PUBLIC_URL, with the path prefix a proxy strips, and no network', async () => {
    const seen: Array<{ url?: string; accept?: string; host?: string }> = [];
    const local = inProcessFetch('https://kiln.example/badges', (req, res) => {
      seen.push({ url: req.url, accept: req.headers.accept, host: req.headers.host });
      res.writeHead(req.url === '/gone' ? 410 : 200, { 'Content-Type': 'application/ld+json; charset=utf-8' });
      res.end('{"ok":true}');
    });
    expect(await local('https://kiln.example/badges/issuers/1?x=1')).toEqual({
      url: 'https://kiln.example/badges/issuers/1?x=1',
      status: 200,
      contentType: 'application/ld+json',
      body: Buffer.from('{"ok":true}'),
    });
    expect(await local('https://kiln.example/badges/gone')).toMatchObject({ status: 410 });
    expect(seen.map((s) => s.url)).toEqual(['/issuers/1?x=1', '/gone']);
    expect(seen[0]).toMatchObject({ accept: 'application/ld+json, application/json, image/png, image/svg+xml', host: 'kiln.example' });
    for (const other of ['https://kiln.example/badgesx/1', 'https://kiln.example/other', 'http://kiln.example/badges/1', 'https://evil.example/badges/1', 'nonsense']) {
      expect(await local(other)).toBeNull();
    }
  });
});

describe('SSRF through the verify API, with private networks refused', () => {
  let internal: ForeignIssuer;
  beforeAll(async () => {
    internal = await startForeignIssuer();
  });
  afterAll(() => internal.close());

  it.each([
    ['127.0.0.1', () => `${internal.origin}/assertions/1`],
    ['10.0.0.1', () => 'http://10.0.0.1/assertions/1'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/iam'],
    ['[::1]', () => `http://[::1]:${new URL(internal.origin).port}/assertions/1`],
    ['localhost', () => `http://localhost:${new URL(internal.origin).port}/assertions/1`],
  ])('refuses %s with a clear message', async (_name, url) => {
    const app = verifyApp(verifierService({ allowPrivateNetworks: false }));
    const before = internal.requests.length;
    const res = await request(app).post('/api/v1/verify').send({ url: url() });
    expect(res.status).toBe(200);
    expect(res.body.verdict).toBe('unverifiable');
    const fetchCheck = res.body.checks.find((c: { id: string }) => c.id === 'assertion-fetch');
    expect(fetchCheck.message).toMatch(/private or local network \(.+\), which Kiln does not contact/);
    expect(fetchCheck.detail).toContain('private_address');
    expect(internal.requests.length).toBe(before);
  });
});

describe('our own awards, end to end', () => {
  let t: TestKiln;
  let award: { id: string; openBadgeId: string; bakedPngUrl: string; bakedSvgUrl: string | null };
  let token: string;
  let app: express.Express;
  let bakedPng: Buffer;
  const learner = 'Learner.One@Example.org';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-verify-'));

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    token = await apiToken(t, email);
    const { badge } = await givenBadge(t, token);
    const res = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: learner } });
    if (res.status !== 201) throw new Error(`award: ${res.status} ${JSON.stringify(res.body)}`);
    award = res.body;
    bakedPng = (await request(t.server).get(new URL(award.bakedPngUrl).pathname).buffer(true)).body as Buffer;
    // Private networks stay refused: our own documents must come through the in-process hook.
    app = verifyApp(verifierService({ allowPrivateNetworks: false, local: inProcessFetch(t.config.publicUrl, t.kiln.handle) }));
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('verifies valid through the API, answered in-process', async () => {
    const byUrl = await request(app).post('/api/v1/verify').send({ url: award.openBadgeId, email: ' learner.one@example.ORG ' });
    expect({ verdict: byUrl.body.verdict, failing: failing(byUrl.body), recipient: byUrl.body.summary.recipientChecked }).toEqual({ verdict: 'valid', failing: [], recipient: true });
    expect(byUrl.body.checks.filter((c: { outcome: string }) => c.outcome === 'warning')).toEqual([]);
    const byFile = await request(app).post('/api/v1/verify').attach('file', bakedPng, 'badge.png').field('email', learner);
    expect(byFile.body.verdict).toBe('valid');
    expect(byFile.body.summary.badge.name).toBe('Digital Storyteller');
    expect(byFile.body.checks.find((c: { id: string }) => c.id === 'baked-copy').outcome).toBe('pass');
  });

  it('verifies valid through the page', async () => {
    const res = await request(app).post('/verify').attach('file', bakedPng, 'badge.png');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-verdict="valid"');
    expect(res.text).toContain('Riverside Youth Club');
  });

  it('verifies valid through the CLI, from the baked file and from the URL', async () => {
    const file = path.join(tmp, 'badge.png');
    fs.writeFileSync(file, bakedPng);
    const env = { PUBLIC_URL: t.config.publicUrl, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', VERIFY_ALLOW_PRIVATE_NETWORKS: 'false' };

    const json = captureIo(env);
    expect(await runVerify([file, '--email', learner, '--json'], json)).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ verdict: 'valid', summary: { recipientChecked: true } });

    const text = captureIo(env);
    expect(await runVerify([award.openBadgeId], text)).toBe(0);
    expect(text.out).toMatch(/^VALID \(valid\)\nThis badge is genuine: Riverside Youth Club issued it/);
    expect(text.out).toContain('  PASS  hosted-scope:');

    const unbaked = captureIo(env);
    expect(await runUnbake([file], unbaked)).toBe(0);
    expect(JSON.parse(unbaked.out)).toMatchObject({ id: award.openBadgeId, type: 'Assertion' });
  });

  it('exits 1 with the report once the award is revoked, and 2 on bad usage', async () => {
    const revoke = await request(t.server).post(`/api/v1/assertions/${award.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Awarded to the wrong learner' });
    expect(revoke.status).toBe(200);
    const env = { PUBLIC_URL: t.config.publicUrl, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' };
    const io = captureIo(env);
    expect(await runVerify([award.openBadgeId, '--json'], io)).toBe(1);
    const report = JSON.parse(io.out) as VerificationReport;
    expect(report.verdict).toBe('revoked');
    expect(report.checks.find((c) => c.id === 'revocation')!.message).toContain('Awarded to the wrong learner');

    const api = await request(app).post('/api/v1/verify').attach('file', bakedPng, 'badge.png');
    expect(api.body.verdict).toBe('revoked');

    const usage = captureIo(env);
    expect(await runVerify([], usage)).toBe(2);
    expect(usage.out).toBe('');
    expect(usage.err).toContain('Usage: npm run kiln -- verify');
    expect(await runUnbake([path.join(tmp, 'missing.png')], captureIo(env))).toBe(2);
  });
});

describe('the verifier mounted in the real app', () => {
  let t: TestKiln;
  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(() => t.close());

  // Runs once the route table mounts verifyRoutes; until then it is skipped rather than failed.
  it('verifies our own award through the real /verify page and /api/v1/verify', async (ctx) => {
    if ((await request(t.server).get('/verify').set('Accept', 'text/html')).status === 404) ctx.skip();
    const { agent, email } = await signedUpAgent(t);
    const token = await apiToken(t, email);
    const { badge } = await givenBadge(t, token);
    const award = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'pat@example.org' } });
    const png = (await request(t.server).get(new URL(award.body.bakedPngUrl).pathname).buffer(true)).body as Buffer;

    const api = await request(t.server).post('/api/v1/verify').attach('file', png, 'badge.png').field('email', 'pat@example.org');
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ verdict: 'valid', summary: { recipientChecked: true } });
    const json = await request(t.server).post('/api/v1/verify').send({ url: award.body.openBadgeId });
    expect(json.body.verdict).toBe('valid');

    const csrf = await csrfFrom(agent, '/verify');
    const page = await agent.post('/verify').field('_csrf', csrf).attach('file', png, 'badge.png');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-verdict="valid"');
  });
});
