import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export type Role = 'owner' | 'editor' | 'awarder';

export interface Issuer {
  id: string;
  name: string;
  url: string;
  email: string;
  description: string;
  hasImage: boolean;
  hasSvg: boolean;
  /** Baked badges carry a signed (RS256 JWS) Open Badges 2.0 assertion instead of the hosted one. */
  signedAssertions: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface IssuerWithRole extends Issuer {
  role: Role;
}

export interface IssuerWrite {
  name: string;
  url: string;
  email: string;
  description: string;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  createdAt: string;
}

interface IssuerRow {
  id: string;
  name: string;
  url: string;
  email: string;
  description: string;
  has_image: number;
  has_svg: number;
  signed_assertions: number;
  created_at: string;
  updated_at: string;
  role?: Role;
}

const columns =
  'i.id, i.name, i.url, i.email, i.description, i.image_png IS NOT NULL AS has_image, i.image_svg IS NOT NULL AS has_svg, i.signed_assertions, i.created_at, i.updated_at';

const toIssuer = (row: IssuerRow): Issuer => ({
  id: row.id,
  name: row.name,
  url: row.url,
  email: row.email,
  description: row.description,
  hasImage: row.has_image === 1,
  hasSvg: row.has_svg === 1,
  signedAssertions: row.signed_assertions === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function issuersRepo(db: Db) {
  const byId = db.prepare<[string], IssuerRow>(`SELECT ${columns} FROM issuers i WHERE i.id = ?`);
  const forUser = db.prepare<{ userId: string; cursorAt: string; cursorId: string; limit: number }, IssuerRow>(
    `SELECT ${columns}, m.role FROM issuers i JOIN issuer_members m ON m.issuer_id = i.id
     WHERE m.user_id = @userId AND (i.created_at, i.id) < (@cursorAt, @cursorId)
     ORDER BY i.created_at DESC, i.id DESC LIMIT @limit`,
  );
  const insert = db.prepare(
    `INSERT INTO issuers (id, name, url, email, description, image_png, image_svg, created_at, updated_at)
     VALUES (@id, @name, @url, @email, @description, @imagePng, @imageSvg, @now, @now)`,
  );
  const update = db.prepare(
    'UPDATE issuers SET name = @name, url = @url, email = @email, description = @description, updated_at = @now WHERE id = @id',
  );
  const setSignedAssertions = db.prepare('UPDATE issuers SET signed_assertions = ?, updated_at = ? WHERE id = ?');
  const updateImage = db.prepare('UPDATE issuers SET image_png = ?, image_svg = ?, updated_at = ? WHERE id = ?');
  const image = db.prepare<[string], { image_png: Buffer | null }>('SELECT image_png FROM issuers WHERE id = ?');
  const roleOf = db.prepare<[string, string], { role: Role }>('SELECT role FROM issuer_members WHERE issuer_id = ? AND user_id = ?');
  const members = db.prepare<[string], { user_id: string; email: string; role: Role; created_at: string }>(
    `SELECT m.user_id, u.email, m.role, m.created_at FROM issuer_members m JOIN users u ON u.id = m.user_id
     WHERE m.issuer_id = ? ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, u.email`,
  );
  const addMember = db.prepare('INSERT INTO issuer_members (issuer_id, user_id, role, created_at) VALUES (?, ?, ?, ?)');
  const setRole = db.prepare('UPDATE issuer_members SET role = ? WHERE issuer_id = ? AND user_id = ?');
  const removeMember = db.prepare('DELETE FROM issuer_members WHERE issuer_id = ? AND user_id = ?');
  const ownerCount = db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM issuer_members WHERE issuer_id = ? AND role = 'owner'",
  );
  // The issuer page's summary line: its badges (archived ones too, deleted ones not) and its awards.
  const counts = db.prepare<{ id: string }, { badges: number; awards: number; revoked: number }>(
    `SELECT
       (SELECT count(*) FROM badge_classes WHERE issuer_id = @id AND deleted_at IS NULL) AS badges,
       (SELECT count(*) FROM assertions WHERE issuer_id = @id) AS awards,
       (SELECT count(*) FROM assertions WHERE issuer_id = @id AND revoked_at IS NOT NULL) AS revoked`,
  );
  // The dashboard's checklist: the user's first issuer (one they may add badges to, if any), first badge, any award.
  const firstSteps = db.prepare<{ userId: string }, { issuer_id: string | null; badge_id: string | null; has_award: number }>(
    `SELECT
       (SELECT m.issuer_id FROM issuer_members m JOIN issuers i ON i.id = m.issuer_id WHERE m.user_id = @userId
         ORDER BY m.role = 'awarder', i.created_at LIMIT 1) AS issuer_id,
       (SELECT b.id FROM badge_classes b JOIN issuer_members m ON m.issuer_id = b.issuer_id
         WHERE m.user_id = @userId AND b.deleted_at IS NULL AND b.archived_at IS NULL ORDER BY b.created_at LIMIT 1) AS badge_id,
       EXISTS (SELECT 1 FROM assertions a JOIN issuer_members m ON m.issuer_id = a.issuer_id WHERE m.user_id = @userId) AS has_award`,
  );

  return {
    counts: (id: string) => counts.get({ id })!,
    firstSteps: (userId: string) => {
      const row = firstSteps.get({ userId })!;
      return { issuerId: row.issuer_id, badgeId: row.badge_id, hasAward: row.has_award === 1 };
    },
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toIssuer(row) : null;
    },
    listForUser: (userId: string, page: PageQuery) =>
      toPage(forUser.all({ userId, ...cursorParams(page.cursor), limit: page.limit + 1 }), page.limit, (row) => ({
        ...toIssuer(row),
        role: row.role!,
      })),
    insert: (issuer: { id: string; now: string; imagePng: Buffer | null; imageSvg: string | null } & IssuerWrite) =>
      insert.run(issuer),
    update: (id: string, values: IssuerWrite, now: string) => update.run({ id, ...values, now }),
    setSignedAssertions: (id: string, enabled: boolean, now: string) => setSignedAssertions.run(enabled ? 1 : 0, now, id),
    setImage: (id: string, png: Buffer | null, svg: string | null, now: string) => updateImage.run(png, svg, now, id),
    imagePng: (id: string) => image.get(id)?.image_png ?? null,
    roleOf: (issuerId: string, userId: string) => roleOf.get(issuerId, userId)?.role ?? null,
    members: (issuerId: string): Member[] =>
      members.all(issuerId).map((r) => ({ userId: r.user_id, email: r.email, role: r.role, createdAt: r.created_at })),
    addMember: (issuerId: string, userId: string, role: Role, now: string) => addMember.run(issuerId, userId, role, now),
    setRole: (issuerId: string, userId: string, role: Role) => setRole.run(role, issuerId, userId).changes > 0,
    removeMember: (issuerId: string, userId: string) => removeMember.run(issuerId, userId).changes > 0,
    ownerCount: (issuerId: string) => ownerCount.get(issuerId)!.n,
  };
}
