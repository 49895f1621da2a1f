import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/database.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function kiln(args: string[], env: Record<string, string>, input?: string) {
  const child = run(tsx, ['src/cli.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child;
}

describe('the kiln CLI', () => {
  let dataDir: string;
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('adds a user from stdin and creates a token that is the only thing on stdout', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
    const env = { DATA_DIR: dataDir };
    const added = await kiln(['user', 'add', '--email', 'Admin@Example.org', '--password-stdin', '--admin'], env, 'a long enough password\n');
    expect(added.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.stderr).toContain('admin@example.org');
    const token = await kiln(['token', 'create', '--email', 'admin@example.org', '--name', 'ci'], env);
    expect(token.stdout).toMatch(/^kiln_[\w-]{43}\n$/);
    const db = openDatabase(path.join(dataDir, 'kiln.db'));
    expect(db.prepare('SELECT email, is_admin FROM users').get()).toEqual({ email: 'admin@example.org', is_admin: 1 });
    expect(db.prepare('SELECT name FROM api_tokens').pluck().get()).toBe('ci');
    db.close();
  });

  it('writes backups owner-only (0600), also over an existing world-readable file', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
    const env = { DATA_DIR: path.join(dataDir, 'data') };
    await kiln(['user', 'add', '--email', 'admin@example.org', '--password-stdin'], env, 'a long enough password\n');
    const previous = process.umask(0o022); // the CLI inherits it: without care its files would be 0644
    try {
      const fresh = path.join(dataDir, 'fresh-backup.db');
      expect((await kiln(['backup', fresh], env)).stdout.trim()).toBe(fresh);
      const existing = path.join(dataDir, 'old-backup.db');
      fs.writeFileSync(existing, '', { mode: 0o644 });
      await kiln(['backup', existing], env);
      for (const file of [fresh, existing]) {
        expect((fs.statSync(file).mode & 0o777).toString(8), file).toBe('600');
        const copy = new Database(file, { readonly: true });
        expect(copy.prepare('SELECT email FROM users').pluck().get()).toBe('admin@example.org');
        copy.close();
      }
    } finally {
      process.umask(previous);
    }
  }, 90_000); // three CLI processes, each starting tsx

  it('fails with a message on stderr and nothing on stdout for an unknown account', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
    const failed = await kiln(['token', 'create', '--email', 'nobody@example.org'], { DATA_DIR: dataDir }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect('code' in failed && failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('No account uses nobody@example.org');
  });
});
