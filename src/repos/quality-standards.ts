import type { Db } from '../db/database.js';

export type QualityCheck = 'criteriaNarrative' | 'evidence' | 'alignment' | 'altText' | 'issuerContact' | 'validity';

export type QualityRule =
  | { type: 'automatic'; check: QualityCheck; minWords?: number }
  | { type: 'judgement'; guidance: string };

export interface QualityStandard {
  id: string;
  name: string;
  description: string;
  rules: QualityRule[];
  createdBy: string | null;
  createdAt: string;
}

interface StandardRow {
  id: string;
  name: string;
  description: string;
  rules: string;
  created_by: string | null;
  created_at: string;
}

const toStandard = (row: StandardRow): QualityStandard => ({
  id: row.id,
  name: row.name,
  description: row.description,
  rules: JSON.parse(row.rules) as QualityRule[],
  createdBy: row.created_by,
  createdAt: row.created_at,
});

export function qualityStandardsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO quality_standards (id, name, description, rules, created_by, created_at)
     VALUES (@id, @name, @description, @rules, @createdBy, @createdAt)`,
  );
  const byId = db.prepare<[string], StandardRow>('SELECT * FROM quality_standards WHERE id = ?');
  const all = db.prepare<[], StandardRow>('SELECT * FROM quality_standards ORDER BY name, created_at');

  return {
    insert: (s: QualityStandard) => insert.run({ ...s, rules: JSON.stringify(s.rules) }),
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toStandard(row) : null;
    },
    list: () => all.all().map(toStandard),
  };
}
