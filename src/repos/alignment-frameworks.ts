import type { Db } from '../db/database.js';

export interface AlignmentTarget {
  id: string;
  frameworkId: string;
  position: number;
  code: string;
  name: string;
  url: string;
  description: string;
}

export interface AlignmentFramework {
  id: string;
  name: string;
  url: string;
  createdAt: string;
  targetCount: number;
}

/** A target with its framework's name: what the badge class form offers. */
export interface AlignmentChoice extends AlignmentTarget {
  frameworkName: string;
}

export function alignmentFrameworksRepo(db: Db) {
  const insert = db.prepare('INSERT INTO alignment_frameworks (id, name, url, created_at) VALUES (?, ?, ?, ?)');
  const insertTarget = db.prepare(
    `INSERT INTO alignment_targets (id, framework_id, position, code, name, url, description)
     VALUES (@id, @frameworkId, @position, @code, @name, @url, @description)`,
  );
  const list = db.prepare<[], { id: string; name: string; url: string; created_at: string; target_count: number }>(
    `SELECT f.id, f.name, f.url, f.created_at, (SELECT count(*) FROM alignment_targets t WHERE t.framework_id = f.id) AS target_count
     FROM alignment_frameworks f ORDER BY f.name, f.created_at`,
  );
  const choices = db.prepare<[], { id: string; framework_id: string; position: number; code: string; name: string; url: string; description: string; framework_name: string }>(
    `SELECT t.*, f.name AS framework_name FROM alignment_targets t JOIN alignment_frameworks f ON f.id = t.framework_id
     ORDER BY f.name, f.id, t.position`,
  );
  const remove = db.prepare('DELETE FROM alignment_frameworks WHERE id = ?');

  return {
    insert(framework: { id: string; name: string; url: string; createdAt: string }, targets: Array<Omit<AlignmentTarget, 'frameworkId'>>) {
      insert.run(framework.id, framework.name, framework.url, framework.createdAt);
      for (const t of targets) insertTarget.run({ ...t, frameworkId: framework.id });
    },
    list: (): AlignmentFramework[] =>
      list.all().map((r) => ({ id: r.id, name: r.name, url: r.url, createdAt: r.created_at, targetCount: r.target_count })),
    choices: (): AlignmentChoice[] =>
      choices.all().map((r) => ({
        id: r.id,
        frameworkId: r.framework_id,
        position: r.position,
        code: r.code,
        name: r.name,
        url: r.url,
        description: r.description,
        frameworkName: r.framework_name,
      })),
    remove: (id: string) => remove.run(id).changes > 0,
  };
}
