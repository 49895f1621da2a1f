import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

// Owner-only, like the secrets beside it: the database holds learners' emails, password hashes and sealed keys.
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Runs `create` with umask 077, so files it creates are owner-only from their first byte. */
export function withPrivateUmask<T>(create: () => T): T {
  const previous = process.umask(0o077);
  try {
    return create();
  } finally {
    process.umask(previous);
  }
}

/**
 * Makes a database file and its -wal/-shm companions owner-only (0600), for installations made before they were
 * created that way. SQLite gives new -wal/-shm files the mode of the database file, so fixing that one holds.
 */
export function restrictDatabaseFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      fs.chmodSync(f, PRIVATE_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Creates DATA_DIR 0700, and tightens an existing one unless it is a shared sticky folder such as /tmp. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const { mode } = fs.statSync(dir);
  if ((mode & 0o1000) !== 0 || (mode & 0o077) === 0) return;
  try {
    fs.chmodSync(dir, mode & 0o7700);
  } catch (err) {
    // A folder someone else owns (an operator's shared mount) is theirs to set; the files inside are still 0600.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** One connection for the whole process; WAL lets readers run beside the writer. */
export function openDatabase(file: string): Db {
  const onDisk = file !== ':memory:';
  if (onDisk) ensurePrivateDir(path.dirname(file));
  // The journal_mode pragma creates the -wal and -shm files, so it runs under the private umask too.
  const db = withPrivateUmask(() => {
    const opened = new Database(file);
    opened.pragma('journal_mode = WAL');
    return opened;
  });
  if (onDisk) restrictDatabaseFiles(file);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // FULL: an acknowledged award or revocation survives a power cut, not just a crash.
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * True when the database can take a write now: the connection is open and no other process holds the write lock
 * (a stuck maintenance job, a `sqlite3` shell left inside a transaction). A read alone proves little: SQLite answers
 * it from its page cache even after the file is gone. Waits at most `waitMs` for the lock, not the usual 5 s.
 */
export function databaseAvailable(db: Db, waitMs = 200): boolean {
  if (!db.open) return false;
  if (db.inTransaction) return true;
  const previous = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    db.pragma(`busy_timeout = ${waitMs}`);
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch {
    return false;
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${previous}`);
  }
}

const migrationsDir = path.resolve(import.meta.dirname, '../../migrations');

/** Applies migrations/NNN_name.sql in order, each once and inside its own transaction. */
export function migrate(db: Db, dir = migrationsDir): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const pending = fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .filter((f) => !applied.has(f));
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const name of pending) {
    const sql = fs.readFileSync(path.join(dir, name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      record.run(name, new Date().toISOString());
    })();
  }
  return pending;
}
