import type { Db } from '../db/database.js';

export function sessionsRepo(db: Db) {
  const get = db.prepare<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?');
  const upsert = db.prepare(
    'INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
  );
  const touch = db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE sid = ?');
  const prune = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');

  return {
    get: (sid: string, now: number) => get.get(sid, now)?.data ?? null,
    set: (sid: string, data: string, expiresAt: number) => upsert.run(sid, data, expiresAt),
    touch: (sid: string, expiresAt: number) => touch.run(expiresAt, sid),
    remove: (sid: string) => remove.run(sid),
    prune: (now: number) => prune.run(now).changes,
  };
}
