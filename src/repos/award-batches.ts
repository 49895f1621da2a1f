import type { Db } from '../db/database.js';

export interface AwardBatch {
  id: string;
  badgeClassId: string;
  createdBy: string | null;
  source: 'form' | 'api';
  filename: string | null;
  status: 'pending' | 'done';
  csv: string | null;
  notify: boolean;
  count: number;
  createdAt: string;
  completedAt: string | null;
  /** Award the good lines and hand back the bad ones (the rest of the batch's fields describe what was awarded). */
  partial?: boolean;
  rejectedCsv?: string | null;
  rejectedCount?: number;
}

/** One line of a finished batch: the CSV line and the award it made. */
export interface AwardBatchLine {
  line: number;
  assertionId: string;
  recipientEmail: string;
  recipientName: string | null;
}

interface AwardBatchRow {
  id: string;
  badge_class_id: string;
  created_by: string | null;
  source: 'form' | 'api';
  filename: string | null;
  status: 'pending' | 'done';
  csv: string | null;
  notify: number;
  count: number;
  created_at: string;
  completed_at: string | null;
  partial: number;
  rejected_csv: string | null;
  rejected_count: number;
}

const toBatch = (row: AwardBatchRow): AwardBatch => ({
  id: row.id,
  badgeClassId: row.badge_class_id,
  createdBy: row.created_by,
  source: row.source,
  filename: row.filename,
  status: row.status,
  csv: row.csv,
  notify: row.notify === 1,
  count: row.count,
  createdAt: row.created_at,
  completedAt: row.completed_at,
  partial: row.partial === 1,
  rejectedCsv: row.rejected_csv,
  rejectedCount: row.rejected_count,
});

export function awardBatchesRepo(db: Db) {
  // The statements naming migration 012's columns are prepared on first use, so an app built on a database that is
  // not yet migrated (test/web/ob3-legacy-key-ids.test.ts builds one on 001–006) starts, and fails only if it awards.
  const lazy = (sql: string) => {
    let statement: ReturnType<Db['prepare']> | null = null;
    return () => (statement ??= db.prepare(sql));
  };
  const insert = lazy(
    `INSERT INTO award_batches (id, badge_class_id, created_by, source, filename, status, csv, notify, count, created_at, completed_at, partial, rejected_csv, rejected_count)
     VALUES (@id, @badgeClassId, @createdBy, @source, @filename, @status, @csv, @notify, @count, @createdAt, @completedAt, @partial, @rejectedCsv, @rejectedCount)`,
  );
  const byId = db.prepare<[string], AwardBatchRow>('SELECT * FROM award_batches WHERE id = ?');
  const complete = lazy(
    "UPDATE award_batches SET status = 'done', csv = NULL, count = ?, completed_at = ?, rejected_csv = ?, rejected_count = ? WHERE id = ? AND status = 'pending'",
  );
  const insertItem = db.prepare('INSERT INTO award_batch_items (batch_id, line, assertion_id) VALUES (?, ?, ?)');
  const items = db.prepare<[string], { line: number; assertion_id: string; recipient_email: string; recipient_name: string | null }>(
    `SELECT i.line, i.assertion_id, a.recipient_email, a.recipient_name FROM award_batch_items i
     JOIN assertions a ON a.id = i.assertion_id WHERE i.batch_id = ? ORDER BY i.line`,
  );
  const prunePending = db.prepare("DELETE FROM award_batches WHERE status = 'pending' AND created_at < ?");

  return {
    insert: (batch: AwardBatch) =>
      insert().run({ ...batch, notify: batch.notify ? 1 : 0, partial: batch.partial ? 1 : 0, rejectedCsv: batch.rejectedCsv ?? null, rejectedCount: batch.rejectedCount ?? 0 }),
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toBatch(row) : null;
    },
    /** False when the batch was already completed (a second confirm). */
    complete: (id: string, count: number, at: string, rejected: { csv: string | null; count: number } = { csv: null, count: 0 }) =>
      complete().run(count, at, rejected.csv, rejected.count, id).changes > 0,
    addItem: (batchId: string, line: number, assertionId: string) => insertItem.run(batchId, line, assertionId),
    lines: (batchId: string): AwardBatchLine[] =>
      items.all(batchId).map((r) => ({ line: r.line, assertionId: r.assertion_id, recipientEmail: r.recipient_email, recipientName: r.recipient_name })),
    prunePending: (before: string) => prunePending.run(before).changes,
  };
}
