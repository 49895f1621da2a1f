import type { Db } from '../db/database.js';

export interface PublicChange {
  seq: number;
  tag: string;
}

/** The change log the public cache follows (migrations/011_public_changes.sql: triggers write it, never code). */
export function publicChangesRepo(db: Db) {
  const since = db.prepare<[number], PublicChange>('SELECT seq, tag FROM public_changes WHERE seq > ? ORDER BY seq');
  const latest = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM public_changes');
  return {
    since: (seq: number) => since.all(seq),
    latest: () => latest.get()?.seq ?? 0,
  };
}
