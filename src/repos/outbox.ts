import type { Db } from '../db/database.js';
import { cursorParams, toPage, type PageQuery } from './pagination.js';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';

export interface OutboxMessage {
  id: string;
  kind: 'award' | 'sign_in';
  toAddress: string;
  toName: string | null;
  subject: string;
  textBody: string;
  htmlBody: string;
  assertionId: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  claimedAt: string | null;
  sentAt: string | null;
  lastError: string | null;
  createdAt: string;
}

export type NewOutboxMessage = Pick<OutboxMessage, 'id' | 'kind' | 'toAddress' | 'toName' | 'subject' | 'textBody' | 'htmlBody' | 'assertionId' | 'createdAt'>;

/** The bodies kept after a message is done with (its secret links masked). */
export type KeptBodies = Pick<OutboxMessage, 'textBody' | 'htmlBody'>;

interface OutboxRow {
  id: string;
  kind: 'award' | 'sign_in';
  to_address: string;
  to_name: string | null;
  subject: string;
  text_body: string;
  html_body: string;
  assertion_id: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  claimed_at: string | null;
  sent_at: string | null;
  last_error: string | null;
  created_at: string;
}

const toMessage = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  kind: row.kind,
  toAddress: row.to_address,
  toName: row.to_name,
  subject: row.subject,
  textBody: row.text_body,
  htmlBody: row.html_body,
  assertionId: row.assertion_id,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  claimedAt: row.claimed_at,
  sentAt: row.sent_at,
  lastError: row.last_error,
  createdAt: row.created_at,
});

export function outboxRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO outbox (id, kind, to_address, to_name, subject, text_body, html_body, assertion_id, status, attempts, next_attempt_at, created_at)
     VALUES (@id, @kind, @toAddress, @toName, @subject, @textBody, @htmlBody, @assertionId, 'queued', 0, @createdAt, @createdAt)`,
  );
  const byId = db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE id = ?');
  const nextDue = db.prepare<[string], OutboxRow>(
    "SELECT * FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at, id LIMIT 1",
  );
  const claim = db.prepare(
    "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ? WHERE id = ? AND status = 'queued'",
  );
  // Once a message has left (or never will), its bodies are kept only with their secret links masked.
  const markSent = db.prepare(
    "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, text_body = ?, html_body = ? WHERE id = ? AND status = 'sending'",
  );
  const retry = db.prepare("UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'sending'");
  const fail = db.prepare(
    "UPDATE outbox SET status = 'failed', last_error = ?, text_body = ?, html_body = ? WHERE id = ? AND status = 'sending'",
  );
  const cancel = db.prepare("UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ? AND status IN ('queued', 'sending')");
  const cancelForAssertion = db.prepare(
    "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE assertion_id = ? AND status = 'queued'",
  );
  const inDoubt = db.prepare<[], { id: string }>("SELECT id FROM outbox WHERE status = 'sending'");
  const requeue = db.prepare("UPDATE outbox SET status = 'queued', next_attempt_at = ? WHERE id = ? AND status = 'sending'");
  const latestForAssertion = db.prepare<[string], OutboxRow>(
    'SELECT * FROM outbox WHERE assertion_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const forAssertion = db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE assertion_id = ? ORDER BY created_at DESC, rowid DESC');
  const list = db.prepare<{ cursorAt: string; cursorId: string; limit: number; status: string }, OutboxRow>(
    `SELECT * FROM outbox WHERE (created_at, id) < (@cursorAt, @cursorId) AND (@status = '' OR status = @status)
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const counts = db.prepare<[], { status: OutboxStatus; n: number }>('SELECT status, count(*) AS n FROM outbox GROUP BY status');
  const countsForIssuer = db.prepare<[string], { status: OutboxStatus; n: number }>(
    `SELECT o.status, count(*) AS n FROM outbox o JOIN assertions a ON a.id = o.assertion_id WHERE a.issuer_id = ? GROUP BY o.status`,
  );
  // A failure still to act on: the award stands and no later email for it was queued (a resend supersedes it).
  const unresolvedFailures = `FROM outbox o JOIN assertions a ON a.id = o.assertion_id JOIN badge_classes b ON b.id = a.badge_class_id
     WHERE a.issuer_id = @issuerId AND o.status = 'failed' AND a.revoked_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbox later WHERE later.assertion_id = o.assertion_id AND (later.created_at, later.rowid) > (o.created_at, o.rowid))`;
  const failuresForIssuer = db.prepare<{ issuerId: string; limit: number }, OutboxRow & { badge_name: string }>(
    `SELECT o.*, b.name AS badge_name ${unresolvedFailures} ORDER BY o.created_at DESC, o.id DESC LIMIT @limit`,
  );
  const failureCountForIssuer = db.prepare<{ issuerId: string }, { n: number }>(`SELECT count(*) AS n ${unresolvedFailures}`);
  const nextAttempt = db.prepare<[], { at: string | null }>("SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'queued'");

  return {
    insert: (m: NewOutboxMessage) => insert.run(m),
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toMessage(row) : null;
    },
    /** The oldest message due now, claimed in one transaction so no second sender can take it. */
    claimNext: db.transaction((now: string): OutboxMessage | null => {
      const row = nextDue.get(now);
      if (!row) return null;
      if (claim.run(now, row.id).changes === 0) return null;
      return toMessage(byId.get(row.id)!);
    }),
    markSent: (id: string, at: string, kept: KeptBodies) => markSent.run(at, kept.textBody, kept.htmlBody, id).changes > 0,
    retryLater: (id: string, at: string, error: string) => retry.run(at, error, id).changes > 0,
    markFailed: (id: string, error: string, kept: KeptBodies) => fail.run(error, kept.textBody, kept.htmlBody, id).changes > 0,
    cancel: (id: string, reason: string) => cancel.run(reason, id).changes > 0,
    cancelQueuedForAssertion: (assertionId: string, reason: string) => cancelForAssertion.run(reason, assertionId).changes,
    /** Claimed by a sender that never recorded the outcome (the process died): the message may or may not have gone out. */
    requeueInDoubt: db.transaction((now: string): number => {
      let n = 0;
      for (const { id } of inDoubt.all()) n += requeue.run(now, id).changes;
      return n;
    }),
    latestForAssertion: (assertionId: string) => {
      const row = latestForAssertion.get(assertionId);
      return row ? toMessage(row) : null;
    },
    listForAssertion: (assertionId: string) => forAssertion.all(assertionId).map(toMessage),
    list: (page: PageQuery & { status?: OutboxStatus | '' }) =>
      toPage(list.all({ ...cursorParams(page.cursor), limit: page.limit + 1, status: page.status ?? '' }), page.limit, toMessage),
    counts: () => Object.fromEntries(counts.all().map((r) => [r.status, r.n])) as Partial<Record<OutboxStatus, number>>,
    nextAttemptAt: () => nextAttempt.get()?.at ?? null,
    /** Award emails of one issuer's awards, per status. */
    countsForIssuer: (issuerId: string) =>
      Object.fromEntries(countsForIssuer.all(issuerId).map((r) => [r.status, r.n])) as Partial<Record<OutboxStatus, number>>,
    /** Failed award emails nobody has resent yet, of awards that stand: the newest `limit` and how many in all. */
    unresolvedFailuresForIssuer: (issuerId: string, limit: number) => ({
      total: failureCountForIssuer.get({ issuerId })!.n,
      items: failuresForIssuer.all({ issuerId, limit }).map((r) => ({ ...toMessage(r), badgeName: r.badge_name })),
    }),
  };
}
