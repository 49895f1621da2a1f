import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import request from 'supertest';
import { createApp, type Kiln } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { migrate, openDatabase, type Db } from '../../src/db/database.js';

export interface TestKiln {
  kiln: Kiln;
  db: Db;
  config: Config;
  server: http.Server;
  baseUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The real app on a real SQLite file, listening on loopback, with PUBLIC_URL = where it listens. */
export async function startKiln(env: Record<string, string> = {}, now?: () => Date): Promise<TestKiln> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-test-'));
  let kiln: Kiln | null = null;
  const server = http.createServer((req, res) => kiln!.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({ PUBLIC_URL: baseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  const db = openDatabase(path.join(dataDir, 'kiln.db'));
  migrate(db);
  kiln = createApp({ db, config, sessionSecret: 'test-secret', now });
  return {
    kiln,
    db,
    config,
    server,
    baseUrl,
    dataDir,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Agent = ReturnType<typeof request.agent>;

/** Reads the CSRF token out of a page the agent fetched. */
export async function csrfFrom(agent: Agent, pagePath: string): Promise<string> {
  const res = await agent.get(pagePath).set('Accept', 'text/html');
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match) throw new Error(`no CSRF token on ${pagePath} (status ${res.status})`);
  return match[1]!;
}

let counter = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}${++counter}-${Date.now()}@example.org`;

/** A browser-like agent that has signed up (and so is signed in). */
export async function signedUpAgent(t: TestKiln, email = uniqueEmail()): Promise<{ agent: Agent; email: string; password: string }> {
  const agent = request.agent(t.server);
  const password = 'correct horse battery';
  const csrf = await csrfFrom(agent, '/signup');
  const res = await agent.post('/signup').type('form').send({ _csrf: csrf, email, password });
  if (res.status !== 303) throw new Error(`signup failed: ${res.status} ${res.text.slice(0, 300)}`);
  return { agent, email, password };
}

export async function apiToken(t: TestKiln, email: string): Promise<string> {
  const user = t.kiln.services.accounts.findUserByEmail(email)!;
  return t.kiln.services.accounts.createApiToken(user.id, { name: 'test' }).token;
}

export function pngImage(width = 64, height = 64, background = '#c0392b'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background } }).png().toBuffer();
}

export const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

export function tableCount(db: Db, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Creates an issuer and a badge class through the API; returns their resources. */
export async function givenBadge(t: TestKiln, token: string, overrides: Record<string, unknown> = {}) {
  const api = request(t.server);
  const issuer = await api
    .post('/api/v1/issuers')
    .set('Authorization', `Bearer ${token}`)
    .send({ name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
  if (issuer.status !== 201) throw new Error(`issuer: ${issuer.status} ${JSON.stringify(issuer.body)}`);
  const badge = await api
    .post(`/api/v1/issuers/${issuer.body.id}/badges`)
    .set('Authorization', `Bearer ${token}`)
    .send({
      name: 'Digital Storyteller',
      description: 'Made and shared a short digital story.',
      image: dataUri(await pngImage()),
      criteria: { narrative: 'Plan, record and edit a *two-minute* story.' },
      tags: ['media', 'storytelling'],
      alignments: [{ targetName: 'Digital Competence 3.1', targetUrl: 'https://example.org/framework/3.1' }],
      ...overrides,
    });
  if (badge.status !== 201) throw new Error(`badge: ${badge.status} ${JSON.stringify(badge.body)}`);
  return { issuer: issuer.body, badge: badge.body };
}

/** A supertest parser that keeps the body as bytes, whatever its content type (images, SVG downloads). */
export function binary(res: request.Response, callback: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
