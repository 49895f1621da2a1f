import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { newSite, removeSite, seed, spawnServer, type Site } from '../helpers/child-server.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const TOTAL = 200;

/** A data directory holding 200 awards whose emails are queued, made through the real services. */
async function queuedAwards(site: Site): Promise<string[]> {
  const { userId, badgeId } = await seed(site);
  const db = openDatabase(path.join(site.dataDir, 'kiln.db'));
  const { services } = createApp({ db, config: loadConfig(site.env), sessionSecret: 'test' });
  const recipients = Array.from({ length: TOTAL }, (_, i) => ({ email: `learner${i}@example.org` }));
  services.assertions.award(badgeId, userId, { recipients }, { notify: true });
  const ids = db.prepare('SELECT id FROM outbox ORDER BY id').pluck().all() as string[];
  db.close();
  return ids;
}

const startServer = (site: Site): ChildProcess => spawnServer(site).child;

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

function outboxStatuses(dataDir: string): Record<string, number> {
  const db = openDatabase(path.join(dataDir, 'kiln.db'));
  const rows = db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: string; n: number }>;
  db.close();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('the outbox across a SIGKILL', () => {
  let smtp: TestSmtp | null = null;
  let child: ChildProcess | null = null;
  let site: Site | null = null;

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (child) await exited(child);
    await smtp?.close();
    removeSite(site);
  });

  async function setUp() {
    smtp = await startSmtp();
    site = await newSite('restart', { SMTP_URL: smtp.url, LOG_LEVEL: process.env.KILN_DEBUG ? 'debug' : 'warn' });
    const ids = await queuedAwards(site);
    expect(ids).toHaveLength(TOTAL);
    return { env: site, ids };
  }

  it('delivers each of 200 queued emails exactly once when the process is killed mid-way and started again', async () => {
    const { env, ids } = await setUp();
    const s = smtp!;
    const killedSessions = new Set<string>();
    let started = 0;
    let killed: Promise<void> | null = null;
    // Kill the server the moment the 101st message starts to arrive: 100 are delivered, one is on the wire.
    s.onDataStart = (session) => {
      started += 1;
      if (started === 101 && child) {
        killedSessions.add(session.id);
        child.kill('SIGKILL');
        killed = exited(child);
      }
    };
    s.onMessage = (_mail, session) => (killedSessions.has(session.id) ? { code: 451, message: 'connection lost' } : undefined);

    child = startServer(env);
    await expect.poll(() => killed !== null, { timeout: 90_000 }).toBe(true);
    await killed;
    expect(s.mails).toHaveLength(100);
    expect(outboxStatuses(site!.dataDir)).toEqual({ sent: 100, sending: 1, queued: 99 });

    s.onDataStart = null;
    child = startServer(env);
    await s.waitFor(TOTAL, 90_000);
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
    expect(s.mails).toHaveLength(TOTAL);
    const recipients = s.mails.map((m) => m.to[0]);
    expect(new Set(recipients).size).toBe(TOTAL);
    expect(new Set(s.mails.map((m) => m.messageId))).toEqual(new Set(ids.map((id) => `<${id}@127.0.0.1>`)));
    child.kill('SIGTERM');
    await exited(child);
    expect(outboxStatuses(site!.dataDir)).toEqual({ sent: TOTAL });
  }, 240_000);

  it('sends the one message in doubt again with the same Message-ID when the kill falls between the server taking it and our record', async () => {
    const { env } = await setUp();
    const s = smtp!;
    let complete = 0;
    let killed: Promise<void> | null = null;
    // The worst instant: message 50 is complete at the server, which kills the sender before answering 250.
    s.onMessage = async () => {
      complete += 1;
      if (complete === 50 && child) {
        child.kill('SIGKILL');
        killed = exited(child);
        await killed;
      }
    };
    child = startServer(env);
    await expect.poll(() => killed !== null, { timeout: 90_000 }).toBe(true);
    await killed;
    s.onMessage = null;
    child = startServer(env);
    await s.waitFor(TOTAL + 1, 90_000);
    await new Promise((r) => setTimeout(r, 500));
    // One message twice, recognisably the same: a mail store keyed by Message-ID keeps exactly one of each.
    expect(s.mails).toHaveLength(TOTAL + 1);
    const byId = new Map<string, number>();
    for (const m of s.mails) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
    expect(byId.size).toBe(TOTAL);
    expect([...byId.values()].filter((n) => n > 1)).toEqual([2]);
    const twice = s.mails.filter((m) => byId.get(m.messageId) === 2);
    expect(twice[0]!.raw.replace(/boundary.*|----_NmP[^\r\n]*/g, '')).toBe(twice[1]!.raw.replace(/boundary.*|----_NmP[^\r\n]*/g, ''));
    child.kill('SIGTERM');
    await exited(child);
    expect(outboxStatuses(site!.dataDir)).toEqual({ sent: TOTAL });
  }, 240_000);
});
