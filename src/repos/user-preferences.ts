import type { Db } from '../db/sql.js';

export interface UserPreferences {
  timeZone: string | null;
}

/** Written against the asynchronous storage interface (src/db/sql.ts), as every repository will be (issue 16). */
export function userPreferencesRepo(db: Db) {
  const timeZone = db.prepare<[string], { time_zone: string | null }>('SELECT time_zone FROM user_preferences WHERE user_id = ?');
  const setTimeZone = db.prepare<{ userId: string; timeZone: string | null; at: string; onlyIfUnset: number }>(
    `INSERT INTO user_preferences (user_id, time_zone, updated_at) VALUES (@userId, @timeZone, @at)
     ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at
     WHERE @onlyIfUnset = 0 OR user_preferences.time_zone IS NULL`,
  );

  return {
    async find(userId: string): Promise<UserPreferences> {
      const row = await timeZone.get(userId);
      return { timeZone: row?.time_zone ?? null };
    },
    /** Sets the account's time zone; with `onlyIfUnset`, keeps one already chosen. */
    async setTimeZone(userId: string, zone: string | null, at: string, onlyIfUnset = false): Promise<void> {
      await setTimeZone.run({ userId, timeZone: zone, at, onlyIfUnset: onlyIfUnset ? 1 : 0 });
    },
  };
}
