import path from 'node:path';
import { openDatabase } from '../src/db/database.js';
import type { Assertion } from '../src/repos/assertions.js';
import { startBenchKiln } from './fixture.js';

/**
 * Child process: awarding N recipients in one call through the service (validation, hashing, one transaction)
 * against the floor: the very same rows inserted with one prepared statement in one transaction into a copy
 * of the same database (same schema, indexes and pragmas, so the same fsyncs).
 */
const recipients = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);

const bench = await startBenchKiln('http://127.0.0.1');
const floorFile = path.join(bench.dataDir, 'floor.db');
await bench.db.backup(floorFile);
const floorDb = openDatabase(floorFile);
const insert = floorDb.prepare(
  `INSERT INTO assertions (id, badge_class_id, issuer_id, recipient_email, recipient_name, salt, identity_hash, issued_on,
     expires, narrative, evidence, awarded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const insertAll = floorDb.transaction((rows: unknown[][]) => {
  for (const row of rows) insert.run(row);
});
const rowOf = (a: Assertion) => [
  a.id, a.badgeClassId, a.issuerId, a.recipientEmail, a.recipientName, a.salt, a.identityHash, a.issuedOn,
  a.expires, a.narrative, JSON.stringify(a.evidence), a.awardedBy, a.createdAt,
];

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const results: { kiln: number; floor: number }[] = [];
// Round 0 warms both paths up (JIT, page cache) and is not counted.
for (let round = 0; round <= rounds; round++) {
  const input = {
    recipients: Array.from({ length: recipients }, (_, i) => ({ email: `learner-${round}-${i}@riverside.example.org` })),
    narrative: 'Took part in the spring storytelling workshop.',
  };
  let start = process.hrtime.bigint();
  const awards = bench.kiln.services.assertions.award(bench.badgeId, bench.userId, input);
  const kiln = seconds(start);
  if (awards.length !== recipients) throw new Error(`awarded ${awards.length}, expected ${recipients}`);
  const rows = awards.map(rowOf);
  start = process.hrtime.bigint();
  insertAll(rows);
  const floor = seconds(start);
  if (round > 0) results.push({ kiln, floor });
}

floorDb.close();
bench.close();
process.send!({ type: 'award', recipients, results });
process.disconnect();
