import type { Db } from '../db/database.js';
import type { Alignment } from '../openbadges/documents.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export type { Alignment };

/** Everything a form or the API may set, images excluded. */
export interface BadgeClassWrite {
  name: string;
  description: string;
  imageCaption: string;
  criteriaNarrative: string;
  criteriaUrl: string | null;
  tags: string[];
  alignments: Alignment[];
  expiresAfterDays: number | null;
}

export interface BadgeClass extends BadgeClassWrite {
  id: string;
  issuerId: string;
  hasSvg: boolean;
  archivedAt: string | null;
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface BadgeClassRow {
  id: string;
  issuer_id: string;
  name: string;
  description: string;
  image_caption: string;
  criteria_narrative: string;
  criteria_url: string | null;
  tags: string;
  alignments: string;
  expires_after_days: number | null;
  has_svg: number;
  archived_at: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

const columns = `b.id, b.issuer_id, b.name, b.description, b.image_caption, b.criteria_narrative, b.criteria_url, b.tags,
  b.alignments, b.expires_after_days, b.image_svg IS NOT NULL AS has_svg, b.archived_at, b.deleted_at, b.created_at, b.updated_at`;

const toBadgeClass = (row: BadgeClassRow): BadgeClass => ({
  id: row.id,
  issuerId: row.issuer_id,
  name: row.name,
  description: row.description,
  imageCaption: row.image_caption,
  criteriaNarrative: row.criteria_narrative,
  criteriaUrl: row.criteria_url,
  tags: JSON.parse(row.tags) as string[],
  alignments: JSON.parse(row.alignments) as Alignment[],
  expiresAfterDays: row.expires_after_days,
  hasSvg: row.has_svg === 1,
  archivedAt: row.archived_at,
  deletedAt: row.deleted_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toParams = (values: BadgeClassWrite) => ({
  name: values.name,
  description: values.description,
  imageCaption: values.imageCaption,
  criteriaNarrative: values.criteriaNarrative,
  criteriaUrl: values.criteriaUrl,
  tags: JSON.stringify(values.tags),
  alignments: JSON.stringify(values.alignments),
  expiresAfterDays: values.expiresAfterDays,
});

export function badgeClassesRepo(db: Db) {
  const byId = db.prepare<[string], BadgeClassRow>(`SELECT ${columns} FROM badge_classes b WHERE b.id = ?`);
  const forIssuer = db.prepare<
    { issuerId: string; cursorAt: string; cursorId: string; limit: number; archived: number; search: string },
    BadgeClassRow
  >(
    `SELECT ${columns} FROM badge_classes b
     WHERE b.issuer_id = @issuerId AND b.deleted_at IS NULL AND (b.created_at, b.id) < (@cursorAt, @cursorId)
       AND (@archived = 1 OR b.archived_at IS NULL)
       AND (@search = '' OR instr(lower(b.name), lower(@search)) > 0)
     ORDER BY b.created_at DESC, b.id DESC LIMIT @limit`,
  );
  const insert = db.prepare(
    `INSERT INTO badge_classes (id, issuer_id, name, description, image_png, image_svg, image_caption, criteria_narrative,
       criteria_url, tags, alignments, expires_after_days, created_at, updated_at)
     VALUES (@id, @issuerId, @name, @description, @imagePng, @imageSvg, @imageCaption, @criteriaNarrative,
       @criteriaUrl, @tags, @alignments, @expiresAfterDays, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE badge_classes SET name = @name, description = @description, image_caption = @imageCaption,
       criteria_narrative = @criteriaNarrative, criteria_url = @criteriaUrl, tags = @tags, alignments = @alignments,
       expires_after_days = @expiresAfterDays, updated_at = @now WHERE id = @id`,
  );
  const setImage = db.prepare('UPDATE badge_classes SET image_png = ?, image_svg = ?, updated_at = ? WHERE id = ?');
  const images = db.prepare<[string], { image_png: Buffer; image_svg: string | null }>(
    'SELECT image_png, image_svg FROM badge_classes WHERE id = ?',
  );
  const setArchived = db.prepare('UPDATE badge_classes SET archived_at = ?, updated_at = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM badge_classes WHERE id = ?');
  const tombstone = db.prepare('UPDATE badge_classes SET deleted_at = ?, updated_at = ? WHERE id = ?');

  return {
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toBadgeClass(row) : null;
    },
    listForIssuer: (issuerId: string, page: PageQuery & { includeArchived?: boolean; search?: string }) =>
      toPage(
        forIssuer.all({
          issuerId,
          ...cursorParams(page.cursor),
          limit: page.limit + 1,
          archived: page.includeArchived ? 1 : 0,
          search: page.search ?? '',
        }),
        page.limit,
        toBadgeClass,
      ),
    insert: (badge: { id: string; issuerId: string; imagePng: Buffer; imageSvg: string | null; now: string } & BadgeClassWrite) =>
      insert.run({ ...badge, ...toParams(badge) }),
    update: (id: string, values: BadgeClassWrite, now: string) => update.run({ id, now, ...toParams(values) }),
    setImage: (id: string, png: Buffer, svg: string | null, now: string) => setImage.run(png, svg, now, id),
    images: (id: string) => {
      const row = images.get(id);
      return row ? { png: row.image_png, svg: row.image_svg } : null;
    },
    setArchived: (id: string, archivedAt: string | null, now: string) => setArchived.run(archivedAt, now, id),
    remove: (id: string) => remove.run(id),
    markDeleted: (id: string, now: string) => tombstone.run(now, now, id),
  };
}
