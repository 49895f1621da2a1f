import type { Db } from '../db/database.js';

export type ClaimStatus = 'pending' | 'approved' | 'rejected';

export interface Claim {
  id: string;
  sessionId: string;
  name: string;
  email: string | null;
  wallConsent: boolean;
  wallHidden: boolean;
  status: ClaimStatus;
  assertionId: string | null;
  linkHash: string;
  createdAt: string;
  decidedAt: string | null;
}

/** A wall tile: only what the wall may show. */
export interface WallEntry {
  claimId: string;
  name: string;
  badgeClassId: string;
  badgeName: string;
  assertionId: string;
  awardedAt: string;
}

interface ClaimRow {
  id: string;
  session_id: string;
  name: string;
  email: string | null;
  wall_consent: number;
  wall_hidden: number;
  status: ClaimStatus;
  assertion_id: string | null;
  link_hash: string;
  created_at: string;
  decided_at: string | null;
}

const toClaim = (r: ClaimRow): Claim => ({
  id: r.id,
  sessionId: r.session_id,
  name: r.name,
  email: r.email,
  wallConsent: r.wall_consent === 1,
  wallHidden: r.wall_hidden === 1,
  status: r.status,
  assertionId: r.assertion_id,
  linkHash: r.link_hash,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

interface WallRow {
  id: string;
  name: string;
  badge_class_id: string;
  badge_name: string;
  assertion_id: string;
  decided_at: string;
}

const toWall = (r: WallRow): WallEntry => ({
  claimId: r.id,
  name: r.name,
  badgeClassId: r.badge_class_id,
  badgeName: r.badge_name,
  assertionId: r.assertion_id,
  awardedAt: r.decided_at,
});

// Consent given at claim time, not hidden by a moderator, approved, and the award still standing.
const wallWhere = `c.status = 'approved' AND c.wall_consent = 1 AND c.wall_hidden = 0 AND a.revoked_at IS NULL`;

export function claimsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO claims (id, session_id, name, email, wall_consent, status, link_hash, created_at)
     VALUES (@id, @sessionId, @name, @email, @wallConsent, 'pending', @linkHash, @createdAt)`,
  );
  const byId = db.prepare<[string], ClaimRow>('SELECT * FROM claims WHERE id = ?');
  const byLink = db.prepare<[string], ClaimRow>('SELECT * FROM claims WHERE link_hash = ?');
  const forSession = db.prepare<[string], ClaimRow>('SELECT * FROM claims WHERE session_id = ? ORDER BY created_at, id');
  const count = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM claims WHERE session_id = ? AND status != 'rejected'");
  const emailTaken = db.prepare<[string, string], { id: string }>(
    "SELECT id FROM claims WHERE session_id = ? AND email = ? AND status != 'rejected'",
  );
  const approve = db.prepare(
    "UPDATE claims SET status = 'approved', assertion_id = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
  );
  const reject = db.prepare("UPDATE claims SET status = 'rejected', decided_at = ? WHERE id = ? AND status = 'pending'");
  const setHidden = db.prepare('UPDATE claims SET wall_hidden = ? WHERE id = ?');
  const sessionWall = db.prepare<[string], WallRow>(
    `SELECT c.id, c.name, s.badge_class_id, b.name AS badge_name, c.assertion_id, c.decided_at FROM claims c
     JOIN workshop_sessions s ON s.id = c.session_id JOIN badge_classes b ON b.id = s.badge_class_id
     JOIN assertions a ON a.id = c.assertion_id
     WHERE c.session_id = ? AND ${wallWhere} ORDER BY c.decided_at DESC, c.id DESC LIMIT 500`,
  );
  const issuerWall = db.prepare<[string], WallRow>(
    `SELECT c.id, c.name, s.badge_class_id, b.name AS badge_name, c.assertion_id, c.decided_at FROM claims c
     JOIN workshop_sessions s ON s.id = c.session_id JOIN badge_classes b ON b.id = s.badge_class_id
     JOIN assertions a ON a.id = c.assertion_id
     WHERE s.issuer_id = ? AND ${wallWhere} ORDER BY c.decided_at DESC, c.id DESC LIMIT 500`,
  );
  const forAssertion = db.prepare<[string], ClaimRow>('SELECT * FROM claims WHERE assertion_id = ?');
  const pendingForIssuer = db.prepare<[string, number], ClaimRow & { session_title: string; badge_name: string }>(
    `SELECT c.*, s.title AS session_title, b.name AS badge_name FROM claims c
     JOIN workshop_sessions s ON s.id = c.session_id JOIN badge_classes b ON b.id = s.badge_class_id
     WHERE s.issuer_id = ? AND c.status = 'pending' ORDER BY c.created_at, c.id LIMIT ?`,
  );
  const pendingCountForIssuer = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM claims c JOIN workshop_sessions s ON s.id = c.session_id WHERE s.issuer_id = ? AND c.status = 'pending'`,
  );

  return {
    insert: (c: Pick<Claim, 'id' | 'sessionId' | 'name' | 'email' | 'wallConsent' | 'linkHash' | 'createdAt'>) =>
      insert.run({ ...c, wallConsent: c.wallConsent ? 1 : 0 }),
    findById: (id: string) => {
      const r = byId.get(id);
      return r ? toClaim(r) : null;
    },
    findByLinkHash: (hash: string) => {
      const r = byLink.get(hash);
      return r ? toClaim(r) : null;
    },
    findByAssertion: (assertionId: string) => {
      const r = forAssertion.get(assertionId);
      return r ? toClaim(r) : null;
    },
    listForSession: (sessionId: string) => forSession.all(sessionId).map(toClaim),
    countActive: (sessionId: string) => count.get(sessionId)!.n,
    hasEmail: (sessionId: string, email: string) => emailTaken.get(sessionId, email) !== undefined,
    approve: (id: string, assertionId: string, at: string) => approve.run(assertionId, at, id).changes > 0,
    reject: (id: string, at: string) => reject.run(at, id).changes > 0,
    setWallHidden: (id: string, hidden: boolean) => setHidden.run(hidden ? 1 : 0, id),
    sessionWall: (sessionId: string) => sessionWall.all(sessionId).map(toWall),
    issuerWall: (issuerId: string) => issuerWall.all(issuerId).map(toWall),
    /** Claims waiting for a facilitator's approval in any of the issuer's sessions: the oldest `limit`, and how many in all. */
    pendingForIssuer: (issuerId: string, limit: number) => ({
      total: pendingCountForIssuer.get(issuerId)!.n,
      items: pendingForIssuer.all(issuerId, limit).map((r) => ({ ...toClaim(r), sessionTitle: r.session_title, badgeName: r.badge_name })),
    }),
  };
}
