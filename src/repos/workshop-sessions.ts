import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export interface WorkshopSession {
  id: string;
  badgeClassId: string;
  issuerId: string;
  title: string;
  code: string;
  closesAt: string;
  maxClaims: number | null;
  autoApprove: boolean;
  notify: boolean;
  wall: boolean;
  closedAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface WorkshopSessionListItem extends WorkshopSession {
  badgeName: string;
  claimCount: number;
  pendingCount: number;
  approvedCount: number;
}

interface SessionRow {
  id: string;
  badge_class_id: string;
  issuer_id: string;
  title: string;
  code: string;
  closes_at: string;
  max_claims: number | null;
  auto_approve: number;
  notify: number;
  wall: number;
  closed_at: string | null;
  created_by: string | null;
  created_at: string;
  badge_name?: string;
  claim_count?: number;
  pending_count?: number;
  approved_count?: number;
}

const toSession = (r: SessionRow): WorkshopSession => ({
  id: r.id,
  badgeClassId: r.badge_class_id,
  issuerId: r.issuer_id,
  title: r.title,
  code: r.code,
  closesAt: r.closes_at,
  maxClaims: r.max_claims,
  autoApprove: r.auto_approve === 1,
  notify: r.notify === 1,
  wall: r.wall === 1,
  closedAt: r.closed_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toListItem = (r: SessionRow): WorkshopSessionListItem => ({
  ...toSession(r),
  badgeName: r.badge_name ?? '',
  claimCount: r.claim_count ?? 0,
  pendingCount: r.pending_count ?? 0,
  approvedCount: r.approved_count ?? 0,
});

export function workshopSessionsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO workshop_sessions (id, badge_class_id, issuer_id, title, code, closes_at, max_claims, auto_approve, notify, wall, created_by, created_at)
     VALUES (@id, @badgeClassId, @issuerId, @title, @code, @closesAt, @maxClaims, @autoApprove, @notify, @wall, @createdBy, @createdAt)`,
  );
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM workshop_sessions WHERE id = ?');
  const byCode = db.prepare<[string], SessionRow>('SELECT * FROM workshop_sessions WHERE code = ?');
  // One query for both lists: an issuer's sessions, or (badgeId set) one badge's.
  const forIssuer = db.prepare<{ issuerId: string; badgeId: string; cursorAt: string; cursorId: string; limit: number }, SessionRow>(
    `SELECT s.*, b.name AS badge_name,
       (SELECT count(*) FROM claims c WHERE c.session_id = s.id) AS claim_count,
       (SELECT count(*) FROM claims c WHERE c.session_id = s.id AND c.status = 'pending') AS pending_count,
       (SELECT count(*) FROM claims c WHERE c.session_id = s.id AND c.status = 'approved') AS approved_count
     FROM workshop_sessions s JOIN badge_classes b ON b.id = s.badge_class_id
     WHERE s.issuer_id = @issuerId AND (@badgeId = '' OR s.badge_class_id = @badgeId)
       AND (s.created_at, s.id) < (@cursorAt, @cursorId)
     ORDER BY s.created_at DESC, s.id DESC LIMIT @limit`,
  );
  const close = db.prepare('UPDATE workshop_sessions SET closed_at = ? WHERE id = ? AND closed_at IS NULL');
  const setOptions = db.prepare('UPDATE workshop_sessions SET auto_approve = ?, wall = ? WHERE id = ?');
  const wallOn = db.prepare<[string], { enabled_at: string }>('SELECT enabled_at FROM issuer_walls WHERE issuer_id = ?');
  const enableWall = db.prepare('INSERT INTO issuer_walls (issuer_id, enabled_at) VALUES (?, ?) ON CONFLICT (issuer_id) DO NOTHING');
  const disableWall = db.prepare('DELETE FROM issuer_walls WHERE issuer_id = ?');

  return {
    insert: (s: WorkshopSession) =>
      insert.run({ ...s, autoApprove: s.autoApprove ? 1 : 0, notify: s.notify ? 1 : 0, wall: s.wall ? 1 : 0 }),
    findById: (id: string) => {
      const r = byId.get(id);
      return r ? toSession(r) : null;
    },
    findByCode: (code: string) => {
      const r = byCode.get(code);
      return r ? toSession(r) : null;
    },
    listForIssuer: (issuerId: string, page: PageQuery & { badgeId?: string }) =>
      toPage(
        forIssuer.all({ issuerId, badgeId: page.badgeId ?? '', ...cursorParams(page.cursor), limit: page.limit + 1 }),
        page.limit,
        toListItem,
      ),
    close: (id: string, at: string) => close.run(at, id).changes > 0,
    setOptions: (id: string, autoApprove: boolean, wall: boolean) => setOptions.run(autoApprove ? 1 : 0, wall ? 1 : 0, id),
    issuerWallEnabled: (issuerId: string) => wallOn.get(issuerId) !== undefined,
    setIssuerWall: (issuerId: string, enabled: boolean, at: string) =>
      enabled ? enableWall.run(issuerId, at) : disableWall.run(issuerId),
  };
}
