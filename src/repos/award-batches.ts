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
});

export function awardBatchesRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO award_batches (id, badge_class_id, created_by, source, filename, status, csv, notify, count, created_at, completed_at)
     VALUES (@id, @badgeClassId, @createdBy, @source, @filename, @status, @csv, @notify, @count, @createdAt, @completedAt)`,
  );
  const byId = db.prepare<[string], AwardBatchRow>('SELECT * FROM award_batches WHERE id = ?');
  const complete = db.prepare(
    "UPDATE award_batches SET status = 'done', csv = NULL, count = ?, completed_at = ? WHERE id = ? AND status = 'pending'",
  );
  const insertItem = db.prepare('INSERT INTO award_batch_items (batch_id, line, assertion_id) VALUES (?, ?, ?)');
  const items = db.prepare<[string], { line: number; assertion_id: string; recipient_email: string; recipient_name: string | null }>(
    `SELECT i.line, i.assertion_id, a.recipient_email, a.recipient_name FROM award_batch_items i
     JOIN assertions a ON a.id = i.assertion_id WHERE i.batch_id = ? ORDER BY i.line`,
  );
  const prunePending = db.prepare("DELETE FROM award_batches WHERE status = 'pending' AND created_at < ?");

  return {
    insert: (batch: AwardBatch) => insert.run({ ...batch, notify: batch.notify ? 1 : 0 }),
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toBatch(row) : null;
    },
    /** False when the batch was already completed (a second confirm). */
    complete: (id: string, count: number, at: string) => complete.run(count, at, id).changes > 0,
    addItem: (batchId: string, line: number, assertionId: string) => insertItem.run(batchId, line, assertionId),
    lines: (batchId: string): AwardBatchLine[] =>
      items.all(batchId).map((r) => ({ line: r.line, assertionId: r.assertion_id, recipientEmail: r.recipient_email, recipientName: r.recipient_name })),
    prunePending: (before: string) => prunePending.run(before).changes,
  };
}
