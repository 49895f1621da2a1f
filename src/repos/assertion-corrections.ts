import type { Db } from '../db/database.js';

export interface AssertionCorrection {
  oldAssertionId: string;
  newAssertionId: string;
  correctedBy: string | null;
  createdAt: string;
}

interface CorrectionRow {
  old_assertion_id: string;
  new_assertion_id: string;
  corrected_by: string | null;
  created_at: string;
}

const toCorrection = (r: CorrectionRow): AssertionCorrection => ({
  oldAssertionId: r.old_assertion_id,
  newAssertionId: r.new_assertion_id,
  correctedBy: r.corrected_by,
  createdAt: r.created_at,
});

export function assertionCorrectionsRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO assertion_corrections (old_assertion_id, new_assertion_id, corrected_by, created_at) VALUES (?, ?, ?, ?)',
  );
  const byOld = db.prepare<[string], CorrectionRow>('SELECT * FROM assertion_corrections WHERE old_assertion_id = ?');
  const byNew = db.prepare<[string], CorrectionRow>('SELECT * FROM assertion_corrections WHERE new_assertion_id = ?');
  return {
    insert: (c: AssertionCorrection) => insert.run(c.oldAssertionId, c.newAssertionId, c.correctedBy, c.createdAt),
    replacementOf: (oldId: string) => {
      const r = byOld.get(oldId);
      return r ? toCorrection(r) : null;
    },
    originalOf: (newId: string) => {
      const r = byNew.get(newId);
      return r ? toCorrection(r) : null;
    },
  };
}
