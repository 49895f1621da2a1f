import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export interface Evidence {
  url?: string;
  narrative?: string;
  name?: string;
}

export interface Assertion {
  id: string;
  badgeClassId: string;
  issuerId: string;
  recipientEmail: string;
  recipientName: string | null;
  salt: string;
  identityHash: string;
  issuedOn: string;
  expires: string | null;
  narrative: string | null;
  evidence: Evidence[];
  revokedAt: string | null;
  revocationReason: string | null;
  awardedBy: string | null;
  createdAt: string;
}

/** One row of an award list: the assertion plus its badge class name. */
export interface AssertionListItem extends Assertion {
  badgeName: string;
}

export type AwardStatus = 'active' | 'expired' | 'revoked';

interface AssertionRow {
  id: string;
  badge_class_id: string;
  issuer_id: string;
  recipient_email: string;
  recipient_name: string | null;
  salt: string;
  identity_hash: string;
  issued_on: string;
  expires: string | null;
  narrative: string | null;
  evidence: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  awarded_by: string | null;
  created_at: string;
  badge_name?: string;
}

const toAssertion = (row: AssertionRow): Assertion => ({
  id: row.id,
  badgeClassId: row.badge_class_id,
  issuerId: row.issuer_id,
  recipientEmail: row.recipient_email,
  recipientName: row.recipient_name,
  salt: row.salt,
  identityHash: row.identity_hash,
  issuedOn: row.issued_on,
  expires: row.expires,
  narrative: row.narrative,
  evidence: JSON.parse(row.evidence) as Evidence[],
  revokedAt: row.revoked_at,
  revocationReason: row.revocation_reason,
  awardedBy: row.awarded_by,
  createdAt: row.created_at,
});

const toListItem = (row: AssertionRow): AssertionListItem => ({ ...toAssertion(row), badgeName: row.badge_name ?? '' });

export interface AssertionFilter extends PageQuery {
  search?: string;
  status?: AwardStatus | '';
  now: string;
}

// One WHERE for both lists: search matches the recipient's email or name; status is derived from the dates.
const filterSql = `(a.created_at, a.id) < (@cursorAt, @cursorId)
  AND (@search = '' OR instr(a.recipient_email, lower(@search)) > 0 OR instr(lower(coalesce(a.recipient_name, '')), lower(@search)) > 0)
  AND (@status = ''
    OR (@status = 'revoked' AND a.revoked_at IS NOT NULL)
    OR (@status = 'expired' AND a.revoked_at IS NULL AND a.expires IS NOT NULL AND a.expires <= @now)
    OR (@status = 'active' AND a.revoked_at IS NULL AND (a.expires IS NULL OR a.expires > @now)))`;

export function assertionsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO assertions (id, badge_class_id, issuer_id, recipient_email, recipient_name, salt, identity_hash, issued_on,
       expires, narrative, evidence, awarded_by, created_at)
     VALUES (@id, @badgeClassId, @issuerId, @recipientEmail, @recipientName, @salt, @identityHash, @issuedOn,
       @expires, @narrative, @evidence, @awardedBy, @createdAt)`,
  );
  const byId = db.prepare<[string], AssertionRow>('SELECT * FROM assertions WHERE id = ?');
  type ListParams = { cursorAt: string; cursorId: string; limit: number; search: string; status: string; now: string };
  const forBadge = db.prepare<ListParams & { badgeClassId: string }, AssertionRow>(
    `SELECT a.*, b.name AS badge_name FROM assertions a JOIN badge_classes b ON b.id = a.badge_class_id
     WHERE a.badge_class_id = @badgeClassId AND ${filterSql} ORDER BY a.created_at DESC, a.id DESC LIMIT @limit`,
  );
  const forIssuer = db.prepare<ListParams & { issuerId: string }, AssertionRow>(
    `SELECT a.*, b.name AS badge_name FROM assertions a JOIN badge_classes b ON b.id = a.badge_class_id
     WHERE a.issuer_id = @issuerId AND ${filterSql} ORDER BY a.created_at DESC, a.id DESC LIMIT @limit`,
  );
  const revoke = db.prepare(
    'UPDATE assertions SET revoked_at = ?, revocation_reason = ? WHERE id = ? AND revoked_at IS NULL',
  );
  const countForBadge = db.prepare<[string], { total: number; unrevoked: number }>(
    'SELECT count(*) AS total, coalesce(sum(revoked_at IS NULL), 0) AS unrevoked FROM assertions WHERE badge_class_id = ?',
  );
  // Weeks start on Monday in the reader's zone, given as a fixed offset ('+60 minutes'); issued_on is UTC.
  const perWeek = db.prepare<{ issuerId: string; since: string; offset: string }, { week: string; n: number }>(
    `SELECT date(issued_on, @offset, '-6 days', 'weekday 1') AS week, count(*) AS n FROM assertions
     WHERE issuer_id = @issuerId AND issued_on >= @since GROUP BY week ORDER BY week`,
  );
  const perBadge = db.prepare<[string, number], { id: string; name: string; total: number; unrevoked: number }>(
    `SELECT b.id, b.name, count(*) AS total, coalesce(sum(a.revoked_at IS NULL), 0) AS unrevoked
     FROM assertions a JOIN badge_classes b ON b.id = a.badge_class_id
     WHERE a.issuer_id = ? GROUP BY b.id ORDER BY total DESC, b.name, b.id LIMIT ?`,
  );
  const revokedForIssuer = db.prepare<[string], { id: string; revocation_reason: string | null }>(
    'SELECT id, revocation_reason FROM assertions WHERE issuer_id = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, id',
  );

  const listParams = (filter: AssertionFilter) => ({
    ...cursorParams(filter.cursor),
    limit: filter.limit + 1,
    search: (filter.search ?? '').trim(),
    status: filter.status ?? '',
    now: filter.now,
  });

  return {
    insert: (a: Assertion) => insert.run({ ...a, evidence: JSON.stringify(a.evidence) }),
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toAssertion(row) : null;
    },
    listForBadge: (badgeClassId: string, filter: AssertionFilter) =>
      toPage(forBadge.all({ badgeClassId, ...listParams(filter) }), filter.limit, toListItem),
    listForIssuer: (issuerId: string, filter: AssertionFilter) =>
      toPage(forIssuer.all({ issuerId, ...listParams(filter) }), filter.limit, toListItem),
    revoke: (id: string, reason: string, at: string) => revoke.run(at, reason, id).changes > 0,
    countForBadge: (badgeClassId: string) => countForBadge.get(badgeClassId)!,
    /** Awards issued since `since` (UTC), counted per week starting Monday at `offsetMinutes` from UTC; empty weeks absent. */
    countPerWeek: (issuerId: string, since: string, offsetMinutes: number) =>
      perWeek
        .all({ issuerId, since, offset: `${offsetMinutes < 0 ? '-' : '+'}${Math.abs(offsetMinutes)} minutes` })
        .map((r) => ({ week: r.week, count: r.n })),
    /** The issuer's badges with the most awards first (revoked ones counted in total), at most `limit`. */
    countPerBadge: (issuerId: string, limit: number) => perBadge.all(issuerId, limit),
    revokedForIssuer: (issuerId: string) =>
      revokedForIssuer.all(issuerId).map((r) => ({ id: r.id, revocationReason: r.revocation_reason })),
  };
}
