import type { Db } from '../db/database.js';

export interface AwardEmailTemplate {
  subject: string;
  body: string;
  updatedAt: string;
}

export function awardEmailTemplatesRepo(db: Db) {
  const get = db.prepare<[string], { subject: string; body: string; updated_at: string }>(
    'SELECT subject, body, updated_at FROM award_email_templates WHERE badge_class_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO award_email_templates (badge_class_id, subject, body, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (badge_class_id) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM award_email_templates WHERE badge_class_id = ?');

  return {
    find: (badgeClassId: string): AwardEmailTemplate | null => {
      const row = get.get(badgeClassId);
      return row ? { subject: row.subject, body: row.body, updatedAt: row.updated_at } : null;
    },
    save: (badgeClassId: string, subject: string, body: string, at: string) => upsert.run(badgeClassId, subject, body, at),
    remove: (badgeClassId: string) => remove.run(badgeClassId),
  };
}
