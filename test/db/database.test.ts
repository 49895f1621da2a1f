import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '../../src/db/database.js';
import { loadOrCreateKeySecret, loadOrCreateSecrets } from '../../src/secrets.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const companions = (file: string) => [file, `${file}-wal`, `${file}-shm`];

// The usual umask of a service account: without Kiln's care, new files would be 0644 and folders 0755.
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(previousUmask);
});

let root: string;
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the data directory and database files are owner-only', () => {
  it('creates DATA_DIR 0700 and kiln.db, -wal and -shm 0600, and leaves the umask as it was', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-modes-'));
    const dataDir = path.join(root, 'data', 'nested');
    const file = path.join(dataDir, 'kiln.db');
    const db = openDatabase(file);
    migrate(db);
    db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES ('x', 'y')").run();
    loadOrCreateSecrets(dataDir);
    loadOrCreateKeySecret(dataDir);
    expect(modeOf(dataDir).toString(8)).toBe('700');
    for (const f of companions(file)) expect(modeOf(f).toString(8), f).toBe('600');
    expect(modeOf(path.join(dataDir, 'secrets.json')).toString(8)).toBe('600');
    expect(modeOf(path.join(dataDir, 'key-secret')).toString(8)).toBe('600');
    db.close();
    expect(process.umask()).toBe(0o022);
  });

  it('tightens an installation made before (0755 folder; 0644 database, -wal, -shm and secrets) when it opens it', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-modes-'));
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    const file = path.join(dataDir, 'kiln.db');
    // An older Kiln, still running (so its -wal and -shm exist), made everything world-readable.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    for (const f of companions(file)) expect(modeOf(f).toString(8), f).toBe('644');
    expect(modeOf(dataDir).toString(8)).toBe('755');

    fs.writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ sessionSecret: 'restored from a backup' }), { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'key-secret'), 'restored-key-secret', { mode: 0o644 });

    const db = openDatabase(file);
    expect(loadOrCreateSecrets(dataDir).sessionSecret).toBe('restored from a backup');
    expect(loadOrCreateKeySecret(dataDir)).toBe('restored-key-secret');
    expect(modeOf(dataDir).toString(8)).toBe('700');
    for (const f of [...companions(file), path.join(dataDir, 'secrets.json'), path.join(dataDir, 'key-secret')]) expect(modeOf(f).toString(8), f).toBe('600');
    expect(db.prepare('SELECT x FROM t').pluck().get()).toBe(1);
    db.close();
    old.close();
  });

  it('leaves a shared sticky folder such as /tmp as it is, while still making the files 0600', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-modes-'));
    const shared = path.join(root, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const db = openDatabase(path.join(shared, 'kiln.db'));
    db.exec('CREATE TABLE t (x)');
    expect(fs.statSync(shared).mode & 0o7777).toBe(0o1777);
    for (const f of companions(path.join(shared, 'kiln.db'))) expect(modeOf(f).toString(8), f).toBe('600');
    db.close();
  });
});
