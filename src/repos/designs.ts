import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export interface SavedDesign {
  id: string;
  issuerId: string;
  issuerName: string;
  name: string;
  /** The validated design object as stored; the service parses it again before use. */
  design: unknown;
  altText: string;
  templateId: string | null;
  publishedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DesignWrite {
  name: string;
  design: unknown;
  altText: string;
}

interface DesignRow {
  id: string;
  issuer_id: string;
  issuer_name: string;
  name: string;
  design: string;
  alt_text: string;
  template_id: string | null;
  published_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const columns = `d.id, d.issuer_id, i.name AS issuer_name, d.name, d.design, d.alt_text, d.template_id, d.published_at,
  d.created_by, d.created_at, d.updated_at`;

const toDesign = (row: DesignRow): SavedDesign => ({
  id: row.id,
  issuerId: row.issuer_id,
  issuerName: row.issuer_name,
  name: row.name,
  design: JSON.parse(row.design) as unknown,
  altText: row.alt_text,
  templateId: row.template_id,
  publishedAt: row.published_at,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function designsRepo(db: Db) {
  const byId = db.prepare<[string], DesignRow>(`SELECT ${columns} FROM designs d JOIN issuers i ON i.id = d.issuer_id WHERE d.id = ?`);
  const forIssuer = db.prepare<{ issuerId: string; cursorAt: string; cursorId: string; limit: number }, DesignRow>(
    `SELECT ${columns} FROM designs d JOIN issuers i ON i.id = d.issuer_id
     WHERE d.issuer_id = @issuerId AND (d.created_at, d.id) < (@cursorAt, @cursorId)
     ORDER BY d.created_at DESC, d.id DESC LIMIT @limit`,
  );
  const templates = db.prepare<{ cursorAt: string; cursorId: string; limit: number; search: string }, DesignRow>(
    `SELECT ${columns} FROM designs d JOIN issuers i ON i.id = d.issuer_id
     WHERE d.published_at IS NOT NULL AND (d.created_at, d.id) < (@cursorAt, @cursorId)
       AND (@search = '' OR instr(lower(d.name), lower(@search)) > 0)
     ORDER BY d.created_at DESC, d.id DESC LIMIT @limit`,
  );
  const insert = db.prepare(
    `INSERT INTO designs (id, issuer_id, name, design, alt_text, template_id, created_by, created_at, updated_at)
     VALUES (@id, @issuerId, @name, @design, @altText, @templateId, @createdBy, @now, @now)`,
  );
  const update = db.prepare('UPDATE designs SET name = @name, design = @design, alt_text = @altText, updated_at = @now WHERE id = @id');
  const publish = db.prepare('UPDATE designs SET published_at = ?, updated_at = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM designs WHERE id = ?');

  return {
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toDesign(row) : null;
    },
    listForIssuer: (issuerId: string, page: PageQuery) =>
      toPage(forIssuer.all({ issuerId, ...cursorParams(page.cursor), limit: page.limit + 1 }), page.limit, toDesign),
    listTemplates: (page: PageQuery & { search?: string }) =>
      toPage(templates.all({ ...cursorParams(page.cursor), limit: page.limit + 1, search: page.search ?? '' }), page.limit, toDesign),
    insert: (values: { id: string; issuerId: string; templateId: string | null; createdBy: string | null; now: string } & DesignWrite) =>
      insert.run({ ...values, design: JSON.stringify(values.design) }),
    update: (id: string, values: DesignWrite, now: string) => update.run({ id, now, ...values, design: JSON.stringify(values.design) }),
    setPublished: (id: string, publishedAt: string | null, now: string) => publish.run(publishedAt, now, id),
    remove: (id: string) => remove.run(id),
  };
}
