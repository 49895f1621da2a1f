import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { findIn, fullRun, type FullRun } from './helpers/full-run.js';
import { newSite, readLog, removeSite, reportFigure, seed, startServer, stopServer, type Running, type Site } from '../helpers/child-server.js';

/** The info log of a real server process over a full run of the product (see helpers/full-run.ts). */
describe('logs at info level', () => {
  let site: Site;
  let smtp: TestSmtp;
  let running: Running;
  let run: FullRun;
  const answered: Array<{ requestId: string; path: string; status: number }> = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    site = await newSite('logs', { SMTP_URL: smtp.url });
    const seeded = await seed(site);
    running = await startServer(site);
    run = await fullRun(site, seeded, smtp);
    for (const [path, init] of [
      ['/login', {}],
      [`/badges/${seeded.badgeId}`, { headers: { Accept: 'text/html' } }],
      ['/no/such/page', {}],
      [`/api/v1/badges/${seeded.badgeId}/assertions`, { method: 'POST', headers: { Authorization: `Bearer ${seeded.token}`, 'Content-Type': 'application/json' }, body: '{"recipient":{"email":"ids@example.org"}}' }],
    ] as Array<[string, RequestInit]>) {
      const res = await fetch(`${site.baseUrl}${path}`, init);
      await res.arrayBuffer();
      answered.push({ requestId: res.headers.get('x-request-id') ?? '', path, status: res.status });
    }
    run.secrets.emails.push('ids@example.org');
    await stopServer(running);
  }, 300_000);

  afterAll(async () => {
    if (running) await stopServer(running, 'SIGKILL');
    await smtp?.close();
    removeSite(site);
  });

  it('holds no email address, password, API token, claim code, private claim link, sign-in link or invitation code', () => {
    const log = fs.readFileSync(site.logFile, 'utf8');
    const all = Object.entries(run.secrets).flatMap(([kind, values]) => values.map((value) => ({ kind, value })));
    const found = all.filter(({ value }) => findIn(log, value));
    // The run did what the log is searched for: requests to the secret-bearing paths are in it, masked.
    expect(log).toContain('/claim/[redacted]');
    expect(log).toContain('/learner/sign-in/[redacted]');
    expect(log).toContain('/api/v1/badges/');
    reportFigure('logs', {
      logLines: log.split('\n').length - 1,
      secretsSearched: all.length,
      byKind: Object.fromEntries(Object.entries(run.secrets).map(([k, v]) => [k, v.length])),
      secretsFound: found.length,
    });
    expect(all.length).toBeGreaterThan(20);
    expect(found).toEqual([]);
  });

  it('names each request by the id sent back in X-Request-Id', () => {
    const lines = readLog(site);
    for (const { requestId, path, status } of answered) {
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === requestId);
      expect(line, `no log line for ${path}`).toBeDefined();
      expect((line!.req as { url: string }).url).toBe(path);
      expect((line!.res as { statusCode: number }).statusCode).toBe(status);
    }
    const requestLines = lines.filter((l) => l.req);
    expect(new Set(requestLines.map((l) => (l.req as { id: string }).id)).size).toBe(requestLines.length);
  });
});
