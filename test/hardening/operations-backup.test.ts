import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { newSite, removeSite, reportFigure, root, seed, startServer, stopServer, tempDir, type Running, type Site } from '../helpers/child-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PREFILLED = 60_000;

/** Years of awards already in the database (tens of megabytes), written through the services before the server starts. */
function prefill(site: Site, badgeId: string, userId: string): string[] {
  const db = openDatabase(path.join(site.dataDir, 'kiln.db'));
  const { services } = createApp({ db, config: loadConfig(site.env), sessionSecret: 'prefill' });
  for (let round = 0; round < PREFILLED / 10_000; round++) {
    const recipients = Array.from({ length: 10_000 }, (_, i) => ({ email: `earlier${round}-${i}@backup.example.org`, name: `Earlier learner ${i}` }));
    services.assertions.award(badgeId, userId, { recipients, narrative: 'Took part in the whole summer programme and presented a project.' });
  }
  const ids = db.prepare('SELECT id FROM assertions').pluck().all() as string[];
  db.close();
  return ids;
}

function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'kiln', '--', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run kiln -- backup while the server keeps awarding', () => {
  let site: Site | null = null;
  let restored: Site | null = null;
  let running: Running | null = null;

  afterAll(async () => {
    if (running) await stopServer(running, 'SIGKILL');
    removeSite(site);
    removeSite(restored);
  });

  it('writes a consistent copy that a fresh server serves: every award acknowledged before the backup began, the same documents, still verifying', async () => {
    site = await newSite('backup');
    const seeded = await seed(site);
    const s = site;
    const earlier = prefill(s, seeded.badgeId, seeded.userId);
    const databaseBytes = fs.statSync(path.join(s.dataDir, 'kiln.db')).size;
    running = await startServer(s);
    const auth = { Authorization: `Bearer ${seeded.token}` };

    const acknowledged: Array<{ id: string; at: number }> = [];
    let writing = true;
    let n = 0;
    async function writer() {
      while (writing) {
        const csv = Math.random() < 0.2;
        const res = csv
          ? await fetch(`${s.baseUrl}/api/v1/badges/${seeded.badgeId}/assertions/bulk`, {
              method: 'POST',
              headers: { ...auth, 'Content-Type': 'text/csv' },
              body: `email\n${Array.from({ length: 25 }, () => `b${++n}@backup.example.org`).join('\n')}\n`,
            })
          : await fetch(`${s.baseUrl}/api/v1/badges/${seeded.badgeId}/assertions`, {
              method: 'POST',
              headers: { ...auth, 'Content-Type': 'application/json' },
              body: JSON.stringify({ recipient: { email: `b${++n}@backup.example.org` } }),
            });
        const body = (await res.json()) as { id?: string; items?: Array<{ id: string }> };
        expect(res.status).toBe(201);
        const at = Date.now();
        for (const id of body.items ? body.items.map((i) => i.id) : [body.id!]) acknowledged.push({ id, at });
      }
    }
    const writers = [writer(), writer(), writer()];
    await sleep(1_500);

    const file = path.join(tempDir('backup-copy'), 'kiln-backup.db');
    const startedAt = Date.now();
    const result = await runCli(['backup', file], s.env);
    const finishedAt = Date.now();
    await sleep(500);
    writing = false;
    await Promise.all(writers);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(file);

    const before = acknowledged.filter((a) => a.at < startedAt).map((a) => a.id);
    expect(earlier).toHaveLength(PREFILLED);
    const during = acknowledged.filter((a) => a.at >= startedAt && a.at <= finishedAt).length;
    const copy = new Database(file, { readonly: true });
    const integrity = copy.pragma('integrity_check', { simple: true });
    const foreignKeys = copy.pragma('foreign_key_check') as unknown[];
    const inCopy = new Set(copy.prepare('SELECT id FROM assertions').pluck().all() as string[]);
    const batchesIntact = copy
      .prepare('SELECT count(*) FROM award_batches b WHERE b.count <> (SELECT count(*) FROM award_batch_items i WHERE i.batch_id = b.id)')
      .pluck()
      .get() as number;
    copy.close();
    expect(integrity).toBe('ok');
    expect(foreignKeys).toEqual([]);
    expect(batchesIntact).toBe(0);
    expect(before.filter((id) => !inCopy.has(id))).toEqual([]);
    const allIds = new Set([...earlier, ...acknowledged.map((a) => a.id)]);
    expect(earlier.filter((id) => !inCopy.has(id))).toEqual([]);
    expect([...inCopy].filter((id) => !allIds.has(id))).toEqual([]);

    // The documents as the running server hosts them, to compare with the restored server's.
    const sample = before.filter((_, i) => i % Math.max(1, Math.floor(before.length / 25)) === 0);
    const hosted = new Map<string, string>();
    for (const id of sample) hosted.set(id, await (await fetch(`${s.baseUrl}/assertions/${id}`)).text());
    const stopped = await stopServer(running);
    running = null;
    expect(stopped.code).toBe(0);

    // Restore: the copy becomes DATA_DIR/kiln.db of a fresh directory, beside the secrets (as the README says), same PUBLIC_URL.
    const dataDir = tempDir('restored');
    fs.copyFileSync(file, path.join(dataDir, 'kiln.db'));
    for (const name of fs.readdirSync(s.dataDir)) {
      if (!/^kiln\.db|\.log$/.test(name)) fs.copyFileSync(path.join(s.dataDir, name), path.join(dataDir, name));
    }
    restored = { ...s, dataDir, logFile: path.join(dataDir, 'server.log'), env: { ...s.env, DATA_DIR: dataDir } };
    const r = restored;
    running = await startServer(r);
    let listed = 0;
    let cursor: string | null = null;
    do {
      const res = await fetch(`${r.baseUrl}/api/v1/badges/${seeded.badgeId}/assertions?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: auth });
      const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      listed += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toBe(inCopy.size);
    for (const [id, text] of hosted) expect(await (await fetch(`${r.baseUrl}/assertions/${id}`)).text()).toBe(text);
    const verdicts: string[] = [];
    for (const url of [`${r.baseUrl}/assertions/${sample[0]}`, `${r.baseUrl}/credentials/${sample[0]}`]) {
      const res = await fetch(`${r.baseUrl}/api/v1/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url }) });
      verdicts.push(((await res.json()) as { verdict: string }).verdict);
    }
    expect(verdicts).toEqual(['valid', 'valid']);
    const more = await fetch(`${r.baseUrl}/api/v1/badges/${seeded.badgeId}/assertions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipient: { email: 'after-restore@backup.example.org' } }),
    });
    expect(more.status).toBe(201);

    reportFigure('backup', {
      databaseMegabytes: +(databaseBytes / 1e6).toFixed(1),
      awardsAcknowledgedBeforeBackup: before.length,
      awardsAcknowledgedWhileBackupRan: during,
      backupMs: finishedAt - startedAt,
      awardsInCopy: inCopy.size,
      missingFromCopy: before.filter((id) => !inCopy.has(id)).length,
      integrityCheck: integrity,
      documentsComparedAfterRestore: hosted.size,
      verdictsAfterRestore: verdicts,
    });
    expect(during).toBeGreaterThan(0);
  }, 300_000);
});
