import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

/** One connection for the whole process; WAL lets readers run beside the writer. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
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
