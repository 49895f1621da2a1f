import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSite, openSiteDb, readLog, removeSite, reportFigure, seed, startServer, stopServer, type Running, type Site } from '../helpers/child-server.js';

interface InFlight {
  /** Resolves once the server has read the request head and asked for the body (100 Continue). */
  accepted: Promise<void>;
  /** Sends the rest of the body. */
  finish(): void;
  response: Promise<{ status: number; body: string }>;
}

/**
 * A POST that the server has certainly started on: it waits for the server's 100 Continue, then sends only part of
 * the body, and the rest when told. Each on its own connection.
 */
function postInTwoHalves(baseUrl: string, path: string, headers: Record<string, string>, body: Buffer): InFlight {
  let accept!: () => void;
  const accepted = new Promise<void>((resolve) => (accept = resolve));
  const cut = Math.max(1, body.length - 1024);
  const req = http.request(`${baseUrl}${path}`, {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'Content-Length': String(body.length), Expect: '100-continue' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.on('continue', () => {
    req.write(body.subarray(0, cut));
    accept();
  });
  req.flushHeaders();
  return { accepted, finish: () => req.end(body.subarray(cut)), response };
}

describe('SIGTERM', () => {
  let site: Site | null = null;
  let running: Running | null = null;

  afterAll(async () => {
    if (running) await stopServer(running, 'SIGKILL');
    removeSite(site);
  });

  it('lets every request in flight finish with a complete answer, then checkpoints and closes the database and exits 0', async () => {
    site = await newSite('sigterm');
    const seeded = await seed(site);
    const s = site;
    running = await startServer(s);
    const auth = { Authorization: `Bearer ${seeded.token}` };
    const ROWS = 10_000;
    const PARALLEL = 40;

    const csv = Buffer.from(`email,name\n${Array.from({ length: ROWS }, (_, i) => `row${i}@sigterm.example.org,Row ${i}`).join('\n')}\n`);
    const requests = [
      postInTwoHalves(s.baseUrl, `/api/v1/badges/${seeded.badgeId}/assertions/bulk?notify=true`, { ...auth, 'Content-Type': 'text/csv' }, csv),
      ...Array.from({ length: PARALLEL }, (_, i) =>
        postInTwoHalves(
          s.baseUrl,
          `/api/v1/badges/${seeded.badgeId}/assertions`,
          { ...auth, 'Content-Type': 'application/json' },
          Buffer.from(JSON.stringify({ recipient: { email: `one${i}@sigterm.example.org` }, notify: true, narrative: 'x'.repeat(4000) })),
        ),
      ),
    ];
    await Promise.all(requests.map((r) => r.accepted));

    running.child.kill('SIGTERM');
    // The server stops listening at once: a new connection is refused while the old ones are still served.
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      await new Promise((r) => setTimeout(r, 20));
      refused = await fetch(`${s.baseUrl}/health`).then(
        () => false,
        () => true,
      );
    }
    expect(refused).toBe(true);
    for (const r of requests) r.finish();
    const answers = await Promise.all(requests.map((r) => r.response));
    const { code } = await running.exited;
    running = null;

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const bulk = JSON.parse(answers[0]!.body) as { count: number; items: unknown[] };
    expect(bulk.count).toBe(ROWS);
    expect(bulk.items).toHaveLength(ROWS);
    for (const a of answers.slice(1)) expect((JSON.parse(a.body) as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
    expect(code).toBe(0);
    const wal = path.join(s.dataDir, 'kiln.db-wal');
    const walBytes = fs.existsSync(wal) ? fs.statSync(wal).size : 0;
    expect(walBytes).toBe(0);
    const messages = readLog(s).map((l) => l.msg);
    const afterSignal = messages.slice(messages.lastIndexOf('shutting down') + 1);
    // Every request in flight was answered after the signal, and the database was closed last.
    expect(afterSignal.filter((m) => m === 'request completed')).toHaveLength(requests.length);
    expect(afterSignal.at(-1)).toBe('stopped');

    const db = openSiteDb(s);
    const awards = db.prepare('SELECT count(*) FROM assertions').pluck().get() as number;
    const emails = db.prepare("SELECT count(*) FROM outbox WHERE kind = 'award'").pluck().get() as number;
    const integrity = db.pragma('integrity_check', { simple: true });
    db.close();
    expect(awards).toBe(ROWS + PARALLEL);
    expect(emails).toBe(ROWS + PARALLEL);
    expect(integrity).toBe('ok');
    reportFigure('sigterm', { requestsInFlight: requests.length, csvRows: ROWS, completeAnswers: answers.filter((a) => a.status === 201).length, answeredAfterSignal: afterSignal.filter((m) => m === 'request completed').length, exitCode: code, walBytesLeft: walBytes, newConnectionsRefused: refused });
  }, 180_000);
});
