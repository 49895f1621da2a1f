import type { Db } from '../db/database.js';

export interface LoginFailures {
  failures: number;
  lastFailureAt: string;
  blockedUntil: string | null;
}

interface LoginFailuresRow {
  failures: number;
  last_failure_at: string;
  blocked_until: string | null;
}

/** Failed logins per account key (a hash of the normalised email, whether or not an account has it). */
export function loginFailuresRepo(db: Db) {
  const get = db.prepare<[string], LoginFailuresRow>('SELECT failures, last_failure_at, blocked_until FROM login_failures WHERE email_hash = ?');
  const save = db.prepare(
    `INSERT INTO login_failures (email_hash, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (email_hash) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
  );
  const clear = db.prepare('DELETE FROM login_failures WHERE email_hash = ?');
  const prune = db.prepare('DELETE FROM login_failures WHERE last_failure_at < ?');

  return {
    find: (emailHash: string): LoginFailures | null => {
      const r = get.get(emailHash);
      return r ? { failures: r.failures, lastFailureAt: r.last_failure_at, blockedUntil: r.blocked_until } : null;
    },
    save: (emailHash: string, f: LoginFailures) => save.run(emailHash, f.failures, f.lastFailureAt, f.blockedUntil),
    clear: (emailHash: string) => clear.run(emailHash),
    /** Forgets accounts whose last failure is older than `before` (the budget has refilled). */
    prune: (before: string) => prune.run(before).changes,
  };
}
