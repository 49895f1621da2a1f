import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, conflict, forbidden, notFound, ValidationError } from '../errors.js';
import { endorsementCredential, endorsementCredentialUrl } from '../openbadges/endorsement-credential.js';
import { endorsementJson, endorsementUrl, withdrawnEndorsementJson, type EndorsementUrls } from '../openbadges/endorsements.js';
import { createDocumentLoader, signCredential } from '../openbadges/ob3/index.js';
import type { Endorsement, ReviewAction, Submission, SubmissionListItem } from '../repos/endorsements.js';
import type { BadgeClassesService } from './badge-classes.js';
import { isoSeconds, type ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import type { KeysService } from './keys.js';
import { scoreBadge, type QualityStandardsService, type Score } from './quality-standards.js';
import { parseInput, text } from './validation.js';

export const SubmitInput = z.object({
  standardId: z.string('Choose a standard.').trim().min(1, 'Choose a standard.'),
  endorserIssuerId: z.string('Choose an endorser.').trim().min(1, 'Choose an endorser.'),
  message: text.optional(5000),
});
export const ResubmitInput = z.object({ message: text.optional(5000) });
export const ApproveInput = z.object({ comment: text.required('A comment', 5000) });
export const ReturnInput = z.object({ notes: text.required('Notes', 5000) });
export const WithdrawInput = z.object({ reason: text.required('A reason', 500) });

export interface SubmissionView {
  submission: SubmissionListItem;
  badge: NonNullable<ReturnType<BadgeClassesService['findIncludingDeleted']>>;
  badgeIssuer: NonNullable<ReturnType<IssuersService['findPublic']>>;
  endorser: NonNullable<ReturnType<IssuersService['findPublic']>>;
  score: Score;
  endorsement: Endorsement | null;
  audit: ReturnType<ServiceContext['repos']['endorsements']['auditForSubmission']>;
  /** A member of the endorser: may approve or return while pending. */
  isReviewer: boolean;
  /** The person who submitted it (never the approver). */
  isSubmitter: boolean;
  /** An editor of the badge's issuer: may resubmit once returned. */
  canResubmit: boolean;
}

export function endorsementsService(
  ctx: ServiceContext,
  deps: { issuers: IssuersService; badgeClasses: BadgeClassesService; standards: QualityStandardsService; keys?: KeysService },
) {
  const { repos, db } = ctx;
  const { issuers, badgeClasses, standards } = deps;
  const urls: EndorsementUrls = {
    endorsement: (id) => endorsementUrl(ctx.config.publicUrl, id),
    badge: ctx.urls.badge,
    issuer: ctx.urls.issuer,
  };

  function audit(submissionId: string, actorId: string, action: ReviewAction, message: string, endorsementId: string | null = null) {
    repos.endorsements.audit({ id: crypto.randomUUID(), submissionId, endorsementId, actorId, action, message, createdAt: ctx.now().toISOString() });
  }

  function scoreOf(submission: Submission): Score {
    const badge = repos.badgeClasses.findById(submission.badgeClassId)!;
    const issuer = repos.issuers.findById(badge.issuerId)!;
    return scoreBadge(standards.requireStandard(submission.standardId), badge, issuer);
  }

  function failing(score: Score): string {
    return score.results
      .filter((r) => r.passed === false)
      .map((r) => r.label)
      .join(', ');
  }

  function requireSubmission(id: string): SubmissionListItem {
    const submission = repos.endorsements.findSubmission(id);
    if (!submission) throw notFound('Submission');
    return submission;
  }

  /** Reviewers are the endorser's members (any role); everyone else gets 404, as for any issuer's private objects. */
  function requireReviewer(submission: Submission, userId: string) {
    return issuers.requireRole(submission.endorserIssuerId, userId, 'awarder');
  }

  const roleOn = (issuerId: string, userId: string) => repos.issuers.roleOf(issuerId, userId);
  const documentLoader = createDocumentLoader();

  return {
    urls,
    json: (e: Endorsement) => endorsementJson(e, urls),
    withdrawnJson: (e: Endorsement) => withdrawnEndorsementJson(e, urls),
    credentialUrl: (id: string) => endorsementCredentialUrl(ctx.config.publicUrl, id),

    /**
     * The Open Badges 3.0 EndorsementCredential, signed with the endorser's active key (eddsa-rdfc-2022, as every 3.0
     * credential here). The proof's time is the issue time, so the same key gives the same bytes on every request.
     */
    async credential(e: Endorsement): Promise<object> {
      if (!deps.keys) throw notFound('Endorsement credential');
      const badge = repos.badgeClasses.findById(e.badgeClassId)!;
      const endorser = repos.issuers.findById(e.endorserIssuerId)!;
      const unsigned = endorsementCredential({ id: e.id, comment: e.comment, issuedOn: e.issuedOn, badge, endorser }, ctx.urls, ctx.config.publicUrl);
      const { key } = await deps.keys.signingKey(e.endorserIssuerId);
      return signCredential(unsigned, { key, created: e.issuedOn, documentLoader });
    },
    findPublic: (id: string) => repos.endorsements.findEndorsement(id),
    /** What the public badge page shows: current endorsements with the endorser's name and logo. */
    activeForBadge: (badgeId: string) => repos.endorsements.activeForBadge(badgeId),
    forBadge: (badgeId: string) => repos.endorsements.submissionsForBadge(badgeId),
    queueForUser: (userId: string) => repos.endorsements.queueForUser(userId),
    queueForEndorser(issuerId: string, userId: string, pendingOnly = false) {
      issuers.requireRole(issuerId, userId, 'awarder');
      return repos.endorsements.queueForEndorser(issuerId, pendingOnly);
    },

    /** A facilitator (editor of the badge's issuer) asks an endorser to review the badge against a standard. */
    submit(badgeId: string, userId: string, raw: unknown): Submission {
      const { badge, issuer } = badgeClasses.requireBadge(badgeId, userId, 'editor');
      const input = parseInput(SubmitInput, raw);
      const standard = standards.find(input.standardId);
      const fields: Record<string, string> = {};
      if (!standard) fields.standardId = 'Choose one of the standards on this Kiln.';
      if (!repos.endorsements.isEndorser(input.endorserIssuerId)) fields.endorserIssuerId = 'Choose one of the endorsers on this Kiln.';
      if (standard) {
        const score = scoreBadge(standard, badge, issuer);
        if (!score.ready) fields.standardId = `This badge does not yet meet every automatic check of the standard: ${failing(score)}.`;
      }
      if (Object.keys(fields).length > 0) throw new ValidationError(fields);
      const now = ctx.now().toISOString();
      const submission: Submission = {
        id: crypto.randomUUID(),
        badgeClassId: badge.id,
        standardId: input.standardId,
        endorserIssuerId: input.endorserIssuerId,
        submittedBy: userId,
        status: 'pending',
        message: input.message,
        notes: '',
        createdAt: now,
        updatedAt: now,
      };
      db.transaction(() => {
        if (repos.endorsements.openSubmission(badge.id, input.standardId, input.endorserIssuerId)) {
          throw conflict('This badge is already submitted to this endorser for this standard (or endorsed by it).');
        }
        repos.endorsements.insertSubmission(submission);
        audit(submission.id, userId, 'submitted', input.message);
      })();
      return submission;
    },

    /** After a return, the facilitator changes the badge and sends the same submission back to the queue. */
    resubmit(submissionId: string, userId: string, raw: unknown): Submission {
      const submission = requireSubmission(submissionId);
      badgeClasses.requireBadge(submission.badgeClassId, userId, 'editor');
      const { message } = parseInput(ResubmitInput, raw);
      if (submission.status !== 'returned') throw conflict('Only a submission that was sent back can be resubmitted.');
      const score = scoreOf(submission);
      if (!score.ready) throw new ValidationError({ message: `The badge does not yet meet every automatic check: ${failing(score)}.` });
      db.transaction(() => {
        const now = ctx.now().toISOString();
        if (!repos.endorsements.setSubmissionStatus(submissionId, 'returned', { status: 'pending', notes: submission.notes, message, now })) {
          throw conflict('This submission has changed meanwhile. Reload the page.');
        }
        audit(submissionId, userId, 'resubmitted', message);
      })();
      return requireSubmission(submissionId);
    },

    /** The review page: reviewers and the badge issuer's members may open it; anyone else gets 404. */
    view(submissionId: string, userId: string): SubmissionView {
      const submission = requireSubmission(submissionId);
      const badge = repos.badgeClasses.findById(submission.badgeClassId)!;
      const endorserRole = roleOn(submission.endorserIssuerId, userId);
      const badgeRole = roleOn(badge.issuerId, userId);
      if (!endorserRole && !badgeRole) throw notFound('Submission');
      return {
        submission,
        badge,
        badgeIssuer: repos.issuers.findById(badge.issuerId)!,
        endorser: repos.issuers.findById(submission.endorserIssuerId)!,
        score: scoreOf(submission),
        endorsement: repos.endorsements.endorsementForSubmission(submission.id),
        audit: repos.endorsements.auditForSubmission(submission.id),
        isReviewer: endorserRole !== null,
        isSubmitter: submission.submittedBy === userId,
        canResubmit: badgeRole !== null && issuers.hasRole(badgeRole, 'editor') && !badge.deletedAt,
      };
    },

    /** Approval publishes the hosted Endorsement, in the same transaction as the status change and its audit entry. */
    approve(submissionId: string, userId: string, raw: unknown): Endorsement {
      const submission = requireSubmission(submissionId);
      requireReviewer(submission, userId);
      if (submission.submittedBy === userId) throw forbidden('You cannot approve your own submission: another reviewer must.');
      const { comment } = parseInput(ApproveInput, raw);
      if (submission.status !== 'pending') throw conflict('Only a submission waiting for review can be approved.');
      const score = scoreOf(submission);
      if (!score.ready) {
        throw new AppError(409, 'standard_not_met', `The badge no longer meets every automatic check: ${failing(score)}. Send it back instead.`);
      }
      const now = ctx.now();
      const endorsement: Endorsement = {
        id: crypto.randomUUID(),
        submissionId,
        badgeClassId: submission.badgeClassId,
        endorserIssuerId: submission.endorserIssuerId,
        comment,
        issuedOn: isoSeconds(now),
        approvedBy: userId,
        withdrawnAt: null,
        withdrawalReason: null,
        createdAt: now.toISOString(),
      };
      db.transaction(() => {
        if (!repos.endorsements.setSubmissionStatus(submissionId, 'pending', { status: 'approved', notes: '', message: submission.message, now: now.toISOString() })) {
          throw conflict('This submission has been reviewed meanwhile. Reload the page.');
        }
        repos.endorsements.insertEndorsement(endorsement);
        audit(submissionId, userId, 'approved', comment, endorsement.id);
      })();
      return endorsement;
    },

    /** Sends the submission back with notes the facilitator sees. */
    returnSubmission(submissionId: string, userId: string, raw: unknown): Submission {
      const submission = requireSubmission(submissionId);
      requireReviewer(submission, userId);
      const { notes } = parseInput(ReturnInput, raw);
      if (submission.status !== 'pending') throw conflict('Only a submission waiting for review can be sent back.');
      db.transaction(() => {
        const now = ctx.now().toISOString();
        if (!repos.endorsements.setSubmissionStatus(submissionId, 'pending', { status: 'returned', notes, message: submission.message, now })) {
          throw conflict('This submission has been reviewed meanwhile. Reload the page.');
        }
        audit(submissionId, userId, 'returned', notes);
      })();
      return requireSubmission(submissionId);
    },

    /** The endorser's members may withdraw an endorsement; its id then answers 410 and the BadgeClass stops listing it. */
    withdraw(endorsementId: string, userId: string, raw: unknown): Endorsement {
      const endorsement = repos.endorsements.findEndorsement(endorsementId);
      if (!endorsement) throw notFound('Endorsement');
      issuers.requireRole(endorsement.endorserIssuerId, userId, 'awarder');
      const { reason } = parseInput(WithdrawInput, raw);
      db.transaction(() => {
        if (!repos.endorsements.withdraw(endorsementId, reason, ctx.now().toISOString())) throw conflict('This endorsement is already withdrawn.');
        audit(endorsement.submissionId, userId, 'withdrawn', reason, endorsementId);
      })();
      return repos.endorsements.findEndorsement(endorsementId)!;
    },
  };
}

export type EndorsementsService = ReturnType<typeof endorsementsService>;
