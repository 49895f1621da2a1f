import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase } from '../src/db/database.js';
import { createDocumentLoader, signCredential } from '../src/openbadges/ob3/index.js';

/**
 * Open Badges 3.0 signing throughput: credentials signed per second through Kiln (first request: status index,
 * unsigned document, fingerprint, eddsa-rdfc-2022 proof, stored) against the floor, the bare library signing the
 * same documents with the same key in the same process (median of four alternating rounds after a warm-up); then
 * cached reads, which are what every later request for the credential costs.
 *
 * Standalone: `npx tsx bench/ob3.ts [credentials]`. Under an IPC parent (bench/run.ts) it also sends
 * `{ type: 'ob3', credentials, kilnPerSecond, floorPerSecond, cachedPerSecond }`.
 */
const count = Number(process.argv[2] ?? 300);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-ob3-'));
const config = loadConfig({ PUBLIC_URL: 'https://badges.example.org', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const db = openDatabase(path.join(dataDir, 'kiln.db'));
migrate(db);
const { services } = createApp({ db, config, sessionSecret: 'bench-secret' });
try {
  const user = await services.accounts.addUser({ email: 'facilitator@riverside.example.org', password: 'correct horse battery', admin: true });
  const issuer = await services.issuers.create(user.id, { name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
  const png = await sharp({ create: { width: 256, height: 256, channels: 4, background: '#c0392b' } }).png().toBuffer();
  const badge = await services.badgeClasses.create(
    issuer.id,
    user.id,
    {
      name: 'Digital Storyteller',
      description: 'Made and shared a short digital story about their neighbourhood.',
      criteriaNarrative: 'Plan, record and edit a two-minute story, then share it with the group.',
      tags: ['media', 'storytelling'],
      alignments: [{ targetName: 'Digital Competence 3.1', targetUrl: 'https://example.org/framework/3.1' }],
    },
    { bytes: png, type: 'image/png' },
  );
  const perSecond = (n: number, start: bigint) => n / (Number(process.hrtime.bigint() - start) / 1e9);
  const awardBatch = (round: number, n: number) =>
    services.assertions.award(badge.id, user.id, {
      recipients: Array.from({ length: n }, (_, i) => ({ email: `learner-${round}-${i}@riverside.example.org` })),
      narrative: 'Took part in the spring storytelling workshop.',
    });
  const { key } = await services.keys.signingKey(issuer.id);
  const documentLoader = createDocumentLoader();
  const kilnRound = async (batch: ReturnType<typeof awardBatch>) => {
    const start = process.hrtime.bigint();
    const signed: string[] = [];
    for (const a of batch) signed.push(await services.credentials.credentialJson(a));
    return { rate: perSecond(batch.length, start), signed };
  };
  const floorRound = async (signed: string[]) => {
    const unsigned = signed.map((text) => {
      const { proof: _proof, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    });
    const start = process.hrtime.bigint();
    for (const doc of unsigned) await signCredential(doc, { key, created: '2026-01-01T00:00:00Z', documentLoader });
    return perSecond(unsigned.length, start);
  };
  // Warm-up (JIT, key unsealing, context processing), not counted.
  await floorRound((await kilnRound(awardBatch(0, 100))).signed);

  // Rounds alternate Kiln-floor and floor-Kiln, so drift and other load hit both alike; the median counts.
  const kiln: number[] = [];
  const floor: number[] = [];
  const rounds = 4;
  let lastSigned: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const batch = awardBatch(round, Math.ceil(count / rounds));
    if (round % 2 === 1) {
      const k = await kilnRound(batch);
      kiln.push(k.rate);
      floor.push(await floorRound(k.signed));
      lastSigned = k.signed;
    } else {
      // The floor signs the previous round's documents (same shape) before Kiln signs this round's.
      floor.push(await floorRound(lastSigned));
      kiln.push((await kilnRound(batch)).rate);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const kilnPerSecond = median(kiln);
  const floorPerSecond = median(floor);

  const cachedBatch = awardBatch(99, count);
  for (const a of cachedBatch) await services.credentials.credentialJson(a);
  const start = process.hrtime.bigint();
  for (const a of cachedBatch) await services.credentials.credentialJson(a);
  const cachedPerSecond = perSecond(count, start);

  const result = { type: 'ob3', credentials: count, kilnPerSecond, floorPerSecond, cachedPerSecond };
  if (process.send) process.send(result);
  process.stderr.write(
    `OB 3.0 signing (${count} credentials): Kiln ${kilnPerSecond.toFixed(0)}/s, library floor ${floorPerSecond.toFixed(0)}/s ` +
      `(ratio ${(kilnPerSecond / floorPerSecond).toFixed(2)}); cached ${cachedPerSecond.toFixed(0)}/s\n`,
  );
} finally {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (process.send) process.disconnect();
}
