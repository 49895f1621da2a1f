import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { pngImage } from './app.js';

export const root = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `kiln-${prefix}-`));

/** Where a data directory's server listens and logs; the same across restarts, as in production. */
export interface Site {
  dataDir: string;
  port: number;
  baseUrl: string;
  /** Every start appends its stdout (pino, LOG_LEVEL=info) here. */
  logFile: string;
  env: Record<string, string>;
}

export async function newSite(prefix: string, env: Record<string, string> = {}): Promise<Site> {
  const dataDir = tempDir(prefix);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    dataDir,
    port,
    baseUrl,
    logFile: path.join(dataDir, 'server.log'),
    env: { PORT: String(port), PUBLIC_URL: baseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
  };
}

export interface Running {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * The real server as production runs it: one `node --import tsx src/server.ts` process (no npx or tsx wrapper, so a
 * SIGKILL hits the server itself and leaves no orphan), stdout appended to the site's log file.
 */
export function spawnServer(site: Site): Running {
  const out = fs.openSync(site.logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: '', ...site.env },
    stdio: ['ignore', out, 'pipe'],
  });
  fs.closeSync(out);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => err };
}

/** Polls /health until the server answers 200. */
export async function waitHealthy(site: Site, running: Running, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`the server exited before it was ready: ${running.stderr()}`);
    }
    try {
      const res = await fetch(`${site.baseUrl}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`the server was not healthy within ${timeoutMs} ms: ${running.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startServer(site: Site): Promise<Running> {
  const running = spawnServer(site);
  await waitHealthy(site, running);
  return running;
}

/** Sends a signal to the server process (only that one process, by its pid) and waits for it to exit. */
export async function stopServer(running: Running, signal: NodeJS.Signals = 'SIGTERM') {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  return running.exited;
}

export interface Seeded {
  email: string;
  password: string;
  token: string;
  userId: string;
  issuerId: string;
  badgeId: string;
}

/** An admin account with an API token, an issuer and a badge class, made through the real services before the server starts. */
export async function seed(site: Site, email = 'facilitator@riverside.example.org'): Promise<Seeded> {
  const config = loadConfig(site.env);
  const db = openDatabase(path.join(site.dataDir, 'kiln.db'));
  migrate(db);
  const { services } = createApp({ db, config, sessionSecret: 'seed' });
  const password = 'correct horse battery staple';
  const user = await services.accounts.addUser({ email, password, admin: true });
  const { token } = services.accounts.createApiToken(user.id, { name: 'hardening' });
  const issuer = await services.issuers.create(user.id, { name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
  const badge = await services.badgeClasses.create(
    issuer.id,
    user.id,
    { name: 'Digital Storyteller', description: 'Made and shared a short digital story.', criteriaNarrative: 'Plan, record and edit a story.' },
    { bytes: await pngImage(), type: 'image/png' },
  );
  db.close();
  return { email, password, token, userId: user.id, issuerId: issuer.id, badgeId: badge.id };
}

/** Opens the site's database in the test process (the server stopped, or read-only beside it). */
export function openSiteDb(site: Site, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(path.join(site.dataDir, 'kiln.db'), { readonly: options.readonly ?? false, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export function removeSite(site: Site | null) {
  if (site) fs.rmSync(site.dataDir, { recursive: true, force: true });
}

/** The log lines a site's servers wrote, parsed (pino writes one JSON object a line). */
export function readLog(site: Site): Array<Record<string, unknown>> {
  if (!fs.existsSync(site.logFile)) return [];
  return fs
    .readFileSync(site.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Prints one measured figure in a form SECURITY.md quotes (vitest shows it with the test's output). */
export function reportFigure(name: string, figures: Record<string, unknown>) {
  console.log(`[figure] ${name}: ${JSON.stringify(figures)}`);
}
