import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { pngImage } from '../helpers/app.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const root = path.resolve(import.meta.dirname, '../..');
const TOTAL = 200;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A data directory holding 200 awards whose emails are queued, made through the real services. */
async function queuedAwards(env: Record<string, string>): Promise<string[]> {
  const config = loadConfig(env);
  const db = openDatabase(path.join(config.dataDir, 'kiln.db'));
  migrate(db);
  const { services } = createApp({ db, config, sessionSecret: 'test' });
  const user = await services.accounts.addUser({ email: 'facilitator@example.org', password: 'correct horse battery', admin: true });
  const issuer = await services.issuers.create(user.id, { name: 'Riverside', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
  const badge = await services.badgeClasses.create(
    issuer.id,
    user.id,
    { name: 'Storyteller', description: 'Told a story.', criteriaNarrative: 'Tell a story.' },
    { bytes: await pngImage(), type: 'image/png' },
  );
  const recipients = Array.from({ length: TOTAL }, (_, i) => ({ email: `learner${i}@example.org` }));
  services.assertions.award(badge.id, user.id, { recipients }, { notify: true });
  const ids = db.prepare('SELECT id FROM outbox ORDER BY id').pluck().all() as string[];
  db.close();
  return ids;
}

function startServer(env: Record<string, string>): ChildProcess {
  // One process (node with tsx's loader), so SIGKILL hits the server itself and not a wrapper around it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.KILN_DEBUG ? 'inherit' : 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => {});
  return child;
}

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
  let dataDir = '';

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (child) await exited(child);
    await smtp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function setUp() {
    smtp = await startSmtp();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-restart-'));
    const port = await freePort();
    const env = { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, SMTP_URL: smtp.url, LOG_LEVEL: process.env.KILN_DEBUG ? 'debug' : 'warn' };
    const ids = await queuedAwards(env);
    expect(ids).toHaveLength(TOTAL);
    return { env, ids };
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
    expect(outboxStatuses(dataDir)).toEqual({ sent: 100, sending: 1, queued: 99 });

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
    expect(outboxStatuses(dataDir)).toEqual({ sent: TOTAL });
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
    expect(outboxStatuses(dataDir)).toEqual({ sent: TOTAL });
  }, 240_000);
});
