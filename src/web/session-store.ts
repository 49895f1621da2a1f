import session from 'express-session';
import type { Repos } from '../repos/index.js';

const DAY = 24 * 60 * 60 * 1000;

/** express-session on our own SQLite connection: no second database library, no GPL store. */
export class SqliteSessionStore extends session.Store {
  private lastPrune = 0;

  constructor(private readonly sessions: Repos['sessions']) {
    super();
  }

  private expiry(sess: session.SessionData): number {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + DAY;
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    try {
      const data = this.sessions.get(sid, Date.now());
      callback(null, data ? (JSON.parse(data) as session.SessionData) : null);
    } catch (err) {
      callback(err);
    }
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    try {
      this.sessions.set(sid, JSON.stringify(sess), this.expiry(sess));
      this.pruneNow();
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override touch(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    try {
      this.sessions.touch(sid, this.expiry(sess));
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    try {
      this.sessions.remove(sid);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  /** Expired rows are removed at most hourly, piggybacking on writes. */
  private pruneNow(): void {
    const now = Date.now();
    if (now - this.lastPrune < 60 * 60 * 1000) return;
    this.lastPrune = now;
    this.sessions.prune(now);
  }
}
