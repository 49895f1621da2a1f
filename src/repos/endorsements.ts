import type { Db } from '../db/database.js';

export type SubmissionStatus = 'pending' | 'returned' | 'approved';
export type ReviewAction = 'submitted' | 'resubmitted' | 'approved' | 'returned' | 'withdrawn';

export interface Submission {
  id: string;
  badgeClassId: string;
  standardId: string;
  endorserIssuerId: string;
  submittedBy: string | null;
  status: SubmissionStatus;
  message: string;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

/** A submission with the names a list shows. */
export interface SubmissionListItem extends Submission {
  badgeName: string;
  badgeIssuerName: string;
  standardName: string;
  endorserName: string;
}

export interface Endorsement {
  id: string;
  submissionId: string;
  badgeClassId: string;
  endorserIssuerId: string;
  comment: string;
  issuedOn: string;
  approvedBy: string | null;
  withdrawnAt: string | null;
  withdrawalReason: string | null;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  submissionId: string;
  endorsementId: string | null;
  actorId: string | null;
  actorEmail: string | null;
  action: ReviewAction;
  message: string;
  createdAt: string;
}

interface SubmissionRow {
  id: string;
  badge_class_id: string;
  standard_id: string;
  endorser_issuer_id: string;
  submitted_by: string | null;
  status: SubmissionStatus;
  message: string;
  notes: string;
  created_at: string;
  updated_at: string;
  badge_name?: string;
  badge_issuer_name?: string;
  standard_name?: string;
  endorser_name?: string;
}

interface EndorsementRow {
  id: string;
  submission_id: string;
  badge_class_id: string;
  endorser_issuer_id: string;
  comment: string;
  issued_on: string;
  approved_by: string | null;
  withdrawn_at: string | null;
  withdrawal_reason: string | null;
  created_at: string;
}

const toSubmission = (row: SubmissionRow): Submission => ({
  id: row.id,
  badgeClassId: row.badge_class_id,
  standardId: row.standard_id,
  endorserIssuerId: row.endorser_issuer_id,
  submittedBy: row.submitted_by,
  status: row.status,
  message: row.message,
  notes: row.notes,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toListItem = (row: SubmissionRow): SubmissionListItem => ({
  ...toSubmission(row),
  badgeName: row.badge_name ?? '',
  badgeIssuerName: row.badge_issuer_name ?? '',
  standardName: row.standard_name ?? '',
  endorserName: row.endorser_name ?? '',
});

const toEndorsement = (row: EndorsementRow): Endorsement => ({
  id: row.id,
  submissionId: row.submission_id,
  badgeClassId: row.badge_class_id,
  endorserIssuerId: row.endorser_issuer_id,
  comment: row.comment,
  issuedOn: row.issued_on,
  approvedBy: row.approved_by,
  withdrawnAt: row.withdrawn_at,
  withdrawalReason: row.withdrawal_reason,
  createdAt: row.created_at,
});

const listColumns = `s.*, b.name AS badge_name, bi.name AS badge_issuer_name, q.name AS standard_name, e.name AS endorser_name
  FROM endorsement_submissions s
  JOIN badge_classes b ON b.id = s.badge_class_id
  JOIN issuers bi ON bi.id = b.issuer_id
  JOIN quality_standards q ON q.id = s.standard_id
  JOIN issuers e ON e.id = s.endorser_issuer_id`;

export function endorsementsRepo(db: Db) {
  const addEndorser = db.prepare('INSERT INTO endorsers (issuer_id, created_at) VALUES (?, ?) ON CONFLICT (issuer_id) DO NOTHING');
  const removeEndorser = db.prepare('DELETE FROM endorsers WHERE issuer_id = ?');
  const isEndorser = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM endorsers WHERE issuer_id = ?');
  const endorsers = db.prepare<[], { id: string; name: string }>(
    'SELECT i.id, i.name FROM endorsers e JOIN issuers i ON i.id = e.issuer_id ORDER BY i.name, i.id',
  );
  const allIssuers = db.prepare<[], { id: string; name: string }>('SELECT id, name FROM issuers ORDER BY name, id');

  const insertSubmission = db.prepare(
    `INSERT INTO endorsement_submissions (id, badge_class_id, standard_id, endorser_issuer_id, submitted_by, status, message,
       notes, created_at, updated_at)
     VALUES (@id, @badgeClassId, @standardId, @endorserIssuerId, @submittedBy, @status, @message, @notes, @createdAt, @updatedAt)`,
  );
  const submissionById = db.prepare<[string], SubmissionRow>(`SELECT ${listColumns} WHERE s.id = ?`);
  const setStatus = db.prepare(
    'UPDATE endorsement_submissions SET status = @status, notes = @notes, message = @message, updated_at = @now WHERE id = @id AND status = @from',
  );
  const queue = db.prepare<[string, string], SubmissionRow>(
    `SELECT ${listColumns} WHERE s.endorser_issuer_id = ? AND (? = '' OR s.status = 'pending') ORDER BY s.updated_at, s.id`,
  );
  const queueForUser = db.prepare<[string], SubmissionRow>(
    `SELECT ${listColumns} JOIN issuer_members m ON m.issuer_id = s.endorser_issuer_id
     WHERE m.user_id = ? AND s.status = 'pending' ORDER BY s.updated_at, s.id`,
  );
  const forBadge = db.prepare<[string], SubmissionRow>(`SELECT ${listColumns} WHERE s.badge_class_id = ? ORDER BY s.created_at DESC, s.id`);
  const open = db.prepare<[string, string, string], { id: string }>(
    `SELECT s.id FROM endorsement_submissions s LEFT JOIN endorsements e ON e.submission_id = s.id
     WHERE s.badge_class_id = ? AND s.standard_id = ? AND s.endorser_issuer_id = ?
       AND (s.status IN ('pending', 'returned') OR (s.status = 'approved' AND e.withdrawn_at IS NULL))`,
  );

  const insertEndorsement = db.prepare(
    `INSERT INTO endorsements (id, submission_id, badge_class_id, endorser_issuer_id, comment, issued_on, approved_by, created_at)
     VALUES (@id, @submissionId, @badgeClassId, @endorserIssuerId, @comment, @issuedOn, @approvedBy, @createdAt)`,
  );
  const endorsementById = db.prepare<[string], EndorsementRow>('SELECT * FROM endorsements WHERE id = ?');
  const endorsementForSubmission = db.prepare<[string], EndorsementRow>('SELECT * FROM endorsements WHERE submission_id = ?');
  const activeForBadge = db.prepare<[string], EndorsementRow & { endorser_name: string; endorser_has_image: number }>(
    `SELECT e.*, i.name AS endorser_name, i.image_png IS NOT NULL AS endorser_has_image
     FROM endorsements e JOIN issuers i ON i.id = e.endorser_issuer_id
     WHERE e.badge_class_id = ? AND e.withdrawn_at IS NULL ORDER BY e.issued_on, e.id`,
  );
  const withdraw = db.prepare('UPDATE endorsements SET withdrawn_at = ?, withdrawal_reason = ? WHERE id = ? AND withdrawn_at IS NULL');

  const insertAudit = db.prepare(
    `INSERT INTO review_audit_log (id, submission_id, endorsement_id, actor_id, action, message, created_at)
     VALUES (@id, @submissionId, @endorsementId, @actorId, @action, @message, @createdAt)`,
  );
  const auditForSubmission = db.prepare<
    [string],
    { id: string; submission_id: string; endorsement_id: string | null; actor_id: string | null; actor_email: string | null; action: ReviewAction; message: string; created_at: string }
  >(
    `SELECT l.*, u.email AS actor_email FROM review_audit_log l LEFT JOIN users u ON u.id = l.actor_id
     WHERE l.submission_id = ? ORDER BY l.created_at, l.rowid`,
  );

  return {
    addEndorser: (issuerId: string, now: string) => addEndorser.run(issuerId, now),
    removeEndorser: (issuerId: string) => removeEndorser.run(issuerId).changes > 0,
    isEndorser: (issuerId: string) => isEndorser.get(issuerId)!.n > 0,
    endorsers: () => endorsers.all(),
    /** Every issuer's id and name, for the site admin's choice of endorsers. */
    allIssuers: () => allIssuers.all(),

    insertSubmission: (s: Submission) => insertSubmission.run(s),
    findSubmission: (id: string) => {
      const row = submissionById.get(id);
      return row ? toListItem(row) : null;
    },
    /** Moves a submission on only from the expected status, so two reviewers cannot both act on it. */
    setSubmissionStatus: (id: string, from: SubmissionStatus, change: { status: SubmissionStatus; notes: string; message: string; now: string }) =>
      setStatus.run({ id, from, ...change }).changes > 0,
    queueForEndorser: (endorserIssuerId: string, pendingOnly: boolean) => queue.all(endorserIssuerId, pendingOnly ? 'pending' : '').map(toListItem),
    queueForUser: (userId: string) => queueForUser.all(userId).map(toListItem),
    submissionsForBadge: (badgeClassId: string) => forBadge.all(badgeClassId).map(toListItem),
    openSubmission: (badgeClassId: string, standardId: string, endorserIssuerId: string) =>
      open.get(badgeClassId, standardId, endorserIssuerId)?.id ?? null,

    insertEndorsement: (e: Omit<Endorsement, 'withdrawnAt' | 'withdrawalReason'>) => insertEndorsement.run(e),
    findEndorsement: (id: string) => {
      const row = endorsementById.get(id);
      return row ? toEndorsement(row) : null;
    },
    endorsementForSubmission: (submissionId: string) => {
      const row = endorsementForSubmission.get(submissionId);
      return row ? toEndorsement(row) : null;
    },
    activeForBadge: (badgeClassId: string) =>
      activeForBadge.all(badgeClassId).map((row) => ({
        ...toEndorsement(row),
        endorserName: row.endorser_name,
        endorserHasImage: row.endorser_has_image === 1,
      })),
    withdraw: (id: string, reason: string, at: string) => withdraw.run(at, reason, id).changes > 0,

    audit: (entry: Omit<AuditEntry, 'actorEmail'>) => insertAudit.run(entry),
    auditForSubmission: (submissionId: string): AuditEntry[] =>
      auditForSubmission.all(submissionId).map((r) => ({
        id: r.id,
        submissionId: r.submission_id,
        endorsementId: r.endorsement_id,
        actorId: r.actor_id,
        actorEmail: r.actor_email,
        action: r.action,
        message: r.message,
        createdAt: r.created_at,
      })),
  };
}
