import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export interface CanvasComponent {
  text: string;
  required: boolean;
}

export interface PathwayBadge {
  badgeId: string;
  relation: 'prerequisite' | 'related';
}

export interface CanvasAlignment {
  targetName: string;
  targetUrl: string;
}

/** Everything the planner's form sets. */
export interface CanvasWrite {
  name: string;
  description: string;
  audience: string;
  components: CanvasComponent[];
  pathways: string;
  pathwayBadges: PathwayBadge[];
  resources: string;
  alignments: CanvasAlignment[];
  evidence: string;
  designId: string | null;
}

export interface Canvas extends CanvasWrite {
  id: string;
  issuerId: string;
  createdAt: string;
  updatedAt: string;
}

interface CanvasRow {
  id: string;
  issuer_id: string;
  name: string;
  description: string;
  audience: string;
  components: string;
  pathways: string;
  pathway_badges: string;
  resources: string;
  alignments: string;
  evidence: string;
  design_id: string | null;
  created_at: string;
  updated_at: string;
}

const toCanvas = (row: CanvasRow): Canvas => ({
  id: row.id,
  issuerId: row.issuer_id,
  name: row.name,
  description: row.description,
  audience: row.audience,
  components: JSON.parse(row.components) as CanvasComponent[],
  pathways: row.pathways,
  pathwayBadges: JSON.parse(row.pathway_badges) as PathwayBadge[],
  resources: row.resources,
  alignments: JSON.parse(row.alignments) as CanvasAlignment[],
  evidence: row.evidence,
  designId: row.design_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toParams = (v: CanvasWrite) => ({
  name: v.name,
  description: v.description,
  audience: v.audience,
  components: JSON.stringify(v.components),
  pathways: v.pathways,
  pathwayBadges: JSON.stringify(v.pathwayBadges),
  resources: v.resources,
  alignments: JSON.stringify(v.alignments),
  evidence: v.evidence,
  designId: v.designId,
});

export function canvasesRepo(db: Db) {
  const byId = db.prepare<[string], CanvasRow>('SELECT * FROM canvases WHERE id = ?');
  const forIssuer = db.prepare<{ issuerId: string; cursorAt: string; cursorId: string; limit: number }, CanvasRow>(
    `SELECT * FROM canvases WHERE issuer_id = @issuerId AND (created_at, id) < (@cursorAt, @cursorId)
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const insert = db.prepare(
    `INSERT INTO canvases (id, issuer_id, name, description, audience, components, pathways, pathway_badges, resources,
       alignments, evidence, design_id, created_by, created_at, updated_at)
     VALUES (@id, @issuerId, @name, @description, @audience, @components, @pathways, @pathwayBadges, @resources,
       @alignments, @evidence, @designId, @createdBy, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE canvases SET name = @name, description = @description, audience = @audience, components = @components,
       pathways = @pathways, pathway_badges = @pathwayBadges, resources = @resources, alignments = @alignments,
       evidence = @evidence, design_id = @designId, updated_at = @now WHERE id = @id`,
  );
  const remove = db.prepare('DELETE FROM canvases WHERE id = ?');

  return {
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toCanvas(row) : null;
    },
    listForIssuer: (issuerId: string, page: PageQuery) =>
      toPage(forIssuer.all({ issuerId, ...cursorParams(page.cursor), limit: page.limit + 1 }), page.limit, toCanvas),
    insert: (values: { id: string; issuerId: string; createdBy: string | null; now: string } & CanvasWrite) =>
      insert.run({ id: values.id, issuerId: values.issuerId, createdBy: values.createdBy, now: values.now, ...toParams(values) }),
    update: (id: string, values: CanvasWrite, now: string) => update.run({ id, now, ...toParams(values) }),
    remove: (id: string) => remove.run(id),
  };
}
