import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Kiln } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate, openDatabase, type Db } from '../../src/db/database.js';
import { signCredential, signingKeyFrom } from '../../src/openbadges/ob3/index.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';
import { apiToken, givenBadge, signedUpAgent, type TestKiln } from '../helpers/app.js';

type Json = Record<string, any>;
// Served in-process: the verifier answers its own PUBLIC_URL without the network.
const PUBLIC_URL = 'http://kiln.test';

/**
 * Before verification methods had URLs of their own, credentials were signed with `{profile}#{publicKeyMultibase}`;
 * those baked badges are out in the world. An issuer key made then must keep that id resolvable after the upgrade.
 */
describe('verification method ids of keys made before migration 009', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-legacy-keys-'));
  const config = loadConfig({ PUBLIC_URL, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let db: Db;
  const start = (): TestKiln => {
    const kiln: Kiln = createApp({ db, config, sessionSecret: 'test-secret' });
    const server = http.createServer((req, res) => kiln.handle(req, res));
    return { kiln, db, config, server, baseUrl: PUBLIC_URL, dataDir, close: async () => {} };
  };
  let issuer: Json;
  let badge: Json;
  let token: string;
  let legacyMethodId: string;
  let legacyCredential: Json;

  beforeAll(async () => {
    db = openDatabase(path.join(dataDir, 'kiln.db'));
    migrate(db);
    // An issuer, its key and an award. Today's code runs on today's schema only, so the key is then put in the state
    // migration 009 leaves a key made before it in (its UPDATE, for this key); that the migration itself applies to
    // older databases is proven by test/hardening/operations-migrations.test.ts.
    const before = start();
    const owner = await signedUpAgent(before);
    token = await apiToken(before, owner.email);
    ({ issuer, badge } = await givenBadge(before, token));
    await before.kiln.services.keys.signingKey(issuer.id);
    const marked = db.prepare('UPDATE issuer_keys SET signed_with_fragment_id = 1 WHERE issuer_id = ?').run(issuer.id);
    expect(marked.changes).toBe(1);

    // A restart.
    const after = start();
    const award = await request(after.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'old@example.org' } });
    expect(award.status).toBe(201);
    const hosted = JSON.parse((await request(after.server).get(new URL(award.body.credentialUrl).pathname)).text) as Json;
    // The credential as the earlier Kiln signed it: the same document, its proof naming the key by fragment.
    const profileId = hosted.issuer.id as string;
    const { key } = await after.kiln.services.keys.signingKey(issuer.id);
    legacyMethodId = `${profileId}#${key.publicKeyMultibase}`;
    const legacyKey = await signingKeyFrom({ publicKeyMultibase: key.publicKeyMultibase, secretKeyMultibase: key.secretKeyMultibase, id: legacyMethodId, controller: profileId });
    const { proof: _proof, ...unsigned } = hosted;
    legacyCredential = await signCredential(unsigned, { key: legacyKey, created: hosted.proof[0].created });
  });
  afterAll(() => {
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps listing the old fragment id of a key made before, beside its new URL; a key made after has only its URL', async () => {
    const t = start();
    const profile = JSON.parse((await request(t.server).get(`/issuers/${issuer.id}/ob3`)).text);
    const [current, legacy] = profile.verificationMethod;
    expect(current.id).toMatch(new RegExp(`^${PUBLIC_URL}/issuers/${issuer.id}/ob3/keys/[0-9a-f-]{36}$`));
    expect(legacy).toEqual({ ...current, id: legacyMethodId });
    expect(profile.assertionMethod).toEqual([current.id, legacyMethodId]);

    const rotated = await request(t.server).post(`/api/v1/issuers/${issuer.id}/keys/rotate`).set('Authorization', `Bearer ${token}`);
    expect(rotated.status).toBe(201);
    const after = JSON.parse((await request(t.server).get(`/issuers/${issuer.id}/ob3`)).text);
    expect(after.assertionMethod).toHaveLength(3);
    expect(after.assertionMethod.slice(0, 2)).toEqual([current.id, legacyMethodId]);
    expect(after.assertionMethod[2]).not.toContain('#');
  });

  it("verifies a credential signed with the old fragment id in Kiln's verifier", async () => {
    const t = start();
    const res = await request(t.server).post('/api/v1/verify').send({ assertion: legacyCredential, email: 'old@example.org' });
    const report = res.body as VerificationReport;
    expect(report.verdict, JSON.stringify(report.checks.filter((c) => c.outcome !== 'pass'))).toBe('valid');
    expect(report.checks.find((c) => c.id === 'credential-proof')?.outcome).toBe('pass');
    expect(legacyCredential.proof[0].verificationMethod).toBe(legacyMethodId);
  });
});
