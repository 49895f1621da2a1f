import crypto from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { AppError, notFound, ValidationError } from '../errors.js';
import { assertionJson, revocationListJson, revokedAssertionJson } from '../openbadges/documents.js';
import { bakePng } from '../openbadges/png.js';
import { hashIdentity, normaliseEmail } from '../openbadges/recipient.js';
import { bakeSvg } from '../openbadges/svg.js';
import type { Assertion, AssertionFilter, AwardStatus } from '../repos/assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import { isoSeconds, type ServiceContext } from './context.js';
import { email, httpUrl, parseInput, text } from './validation.js';

export const MAX_RECIPIENTS_PER_AWARD = 10_000;
// Checking a recipient takes about 0.08 ms: 500 of them are a short enough turn on the event loop.
const RECIPIENTS_PER_TURN = 500;

/** Runs a generator's steps at once, for callers that need the answer synchronously. */
function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

const EvidenceInput = z
  .object({
    url: httpUrl('Evidence URL').optional(),
    narrative: text.optional(10000).optional(),
    name: text.optional(300).optional(),
  })
  .refine((e) => Boolean(e.url || e.narrative), { message: 'Give an evidence URL or describe the evidence.' });

const dateTime = (label: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v)), {
      message: `${label} must be a date such as 2026-05-01.`,
    })
    .transform((v) => new Date(/T/.test(v) ? v : `${v}T00:00:00Z`));

/** What one recipient may carry beyond the shared values: CSV rows give their own narrative, evidence and dates. */
const RecipientInput = z.object({
  email: z.string(),
  name: z.string().optional(),
  line: z.number().int().optional(),
  narrative: z.string().optional(),
  evidence: z.array(z.unknown()).optional(),
  issuedOn: z.string().optional(),
  expires: z.string().nullable().optional(),
});

const RecipientOverrides = z.object({
  name: z.string().trim().max(200, 'the name is longer than 200 characters.').optional(),
  narrative: text.optional(10000).optional(),
  evidence: z.array(EvidenceInput).max(20, 'at most 20 evidence items.').optional(),
  issuedOn: dateTime('the issue date').optional(),
  expires: dateTime('the expiry date').nullable().optional(),
});

export const AwardInput = z.object({
  recipients: z
    .array(RecipientInput)
    .min(1, 'Add at least one recipient email.')
    .max(MAX_RECIPIENTS_PER_AWARD, `At most ${MAX_RECIPIENTS_PER_AWARD} recipients at once.`),
  narrative: text.optional(10000).optional(),
  evidence: z.array(EvidenceInput).max(20, 'At most 20 evidence items.').default([]),
  issuedOn: dateTime('Issue date').optional(),
  expires: dateTime('Expiry date').nullable().optional(),
});
export type AwardInput = z.input<typeof AwardInput>;

export const RevokeInput = z.object({ reason: text.required('A reason', 500) });

const recipientEmail = email('Recipient');

/** Status shown everywhere: revocation wins over expiry. */
export function statusOf(assertion: Pick<Assertion, 'revokedAt' | 'expires'>, now: Date): AwardStatus {
  if (assertion.revokedAt) return 'revoked';
  if (assertion.expires && Date.parse(assertion.expires) <= now.getTime()) return 'expired';
  return 'active';
}

export interface LineProblem {
  line: number;
  message: string;
}

/** A refused award with every problem by line (the form shows the first 20; CSV previews and the API show all). */
export class AwardValidationError extends ValidationError {
  constructor(
    fields: Record<string, string>,
    readonly lines: LineProblem[],
    message?: string,
  ) {
    super(fields, message);
  }
}

export interface AwardOptions {
  /** Queue each new award's email in the same transaction. */
  notify?: boolean;
  /** Runs inside the award transaction with the new awards (batch lines, claims, corrections). */
  within?: (awards: Assertion[]) => void;
}

/**
 * Extension point: callbacks that run inside every award and revocation transaction, after the rows are written
 * (pathways award capstones and flag them here). A callback that throws undoes the whole award or revocation.
 */
export interface AwardHooks {
  afterAward: Array<(awards: Assertion[], options: { notify: boolean }) => void>;
  afterRevoke: Array<(revoked: Assertion[]) => void>;
}

export const createAwardHooks = (): AwardHooks => ({ afterAward: [], afterRevoke: [] });

/** What awarding needs from the mail outbox; optional so the service also works without one. */
export interface AwardMailer {
  enqueueAwardEmails(awards: Assertion[]): void;
  /** Emails of these awards still waiting in the outbox must not go out (revocation). */
  cancelForAssertion(assertionId: string, reason: string): number;
}

const cleanEvidence = (e: { url?: string; narrative?: string; name?: string }) => ({
  ...(e.url ? { url: e.url } : {}),
  ...(e.narrative ? { narrative: e.narrative } : {}),
  ...(e.name ? { name: e.name } : {}),
});

export function assertionsService(
  ctx: ServiceContext,
  badgeClasses: BadgeClassesService,
  mail?: AwardMailer,
  hooks: AwardHooks = createAwardHooks(),
) {
  const { repos, db, urls } = ctx;

  function findPublic(id: string): Assertion | null {
    return repos.assertions.findById(id);
  }

  /** The hosted document; baked images carry exactly these bytes. */
  function documentOf(assertion: Assertion) {
    return assertionJson(assertion, urls);
  }

  /** Checks and builds the awards; yields between chunks of recipients so a long list can give the event loop turns. */
  function* preparingAward(badgeId: string, userId: string, raw: unknown): Generator<void, Assertion[], void> {
    const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
    if (badge.archivedAt) throw new AppError(409, 'badge_archived', 'This badge is archived. Unarchive it to award it.');
    const input = parseInput(AwardInput, raw);
    const now = ctx.now();
    const issuedOn = input.issuedOn ?? now;
    const fields: Record<string, string> = {};
    if (issuedOn.getTime() > now.getTime() + 60_000) fields.issuedOn = 'The issue date cannot be in the future.';
    const expires =
      input.expires === undefined
        ? badge.expiresAfterDays
          ? new Date(issuedOn.getTime() + badge.expiresAfterDays * 86_400_000)
          : null
        : input.expires;
    if (expires && expires.getTime() <= issuedOn.getTime()) fields.expires = 'The expiry date must be after the issue date.';

    const seen = new Map<string, number>();
    const problems: LineProblem[] = [];
    const problem = (line: number, message: string) => problems.push({ line, message: `Line ${line}: ${message}` });
    const sharedEvidence = input.evidence.map(cleanEvidence);
    const recipientOf = (r: (typeof input.recipients)[number], index: number) => {
      const line = r.line ?? index + 1;
      const parsed = recipientEmail.safeParse(r.email);
      let email: string | null = null;
      if (!parsed.success) problem(line, `"${r.email.trim().slice(0, 100)}" is not an email address.`);
      else {
        email = normaliseEmail(parsed.data);
        const earlier = seen.get(email);
        if (earlier !== undefined) problem(line, `${email} is already on line ${earlier}.`);
        seen.set(email, line);
      }
      const own = RecipientOverrides.safeParse(r);
      if (!own.success) {
        for (const issue of own.error.issues) problem(line, issue.message.replace(/^./, (c) => c.toLowerCase()));
        return null;
      }
      const o = own.data;
      const rowIssued = o.issuedOn ?? issuedOn;
      if (o.issuedOn && rowIssued.getTime() > now.getTime() + 60_000) problem(line, 'the issue date cannot be in the future.');
      const rowExpires =
        o.expires !== undefined
          ? o.expires
          : o.issuedOn && input.expires === undefined
            ? badge.expiresAfterDays
              ? new Date(rowIssued.getTime() + badge.expiresAfterDays * 86_400_000)
              : null
            : expires;
      if ((o.issuedOn || o.expires) && rowExpires && rowExpires.getTime() <= rowIssued.getTime()) {
        problem(line, 'the expiry date must be after the issue date.');
      }
      if (email === null) return null;
      return {
        email,
        name: o.name || null,
        narrative: o.narrative || input.narrative || null,
        evidence: o.evidence && o.evidence.length > 0 ? o.evidence.map(cleanEvidence) : sharedEvidence,
        issuedOn: isoSeconds(rowIssued),
        expires: rowExpires ? isoSeconds(rowExpires) : null,
      };
    };
    const recipients: Array<ReturnType<typeof recipientOf>> = [];
    for (const [index, r] of input.recipients.entries()) {
      if (index > 0 && index % RECIPIENTS_PER_TURN === 0) yield;
      recipients.push(recipientOf(r, index));
    }
    if (problems.length > 0) {
      fields.recipients =
        problems.slice(0, 20).map((p) => p.message).join('\n') + (problems.length > 20 ? `\n…and ${problems.length - 20} more.` : '');
    }
    if (Object.keys(fields).length > 0) throw new AwardValidationError(fields, problems);
    yield;

    const createdAt = now.toISOString();
    // Still 16 fresh random bytes per award, drawn in one call: one call per award was a tenth of a 10,000-award request.
    const saltBytes = crypto.randomBytes(16 * recipients.length);
    const awards: Assertion[] = recipients.map((r, index) => {
      const salt = saltBytes.toString('hex', index * 16, index * 16 + 16);
      return {
        id: crypto.randomUUID(),
        badgeClassId: badge.id,
        issuerId: badge.issuerId,
        recipientEmail: r!.email,
        recipientName: r!.name,
        salt,
        identityHash: hashIdentity(r!.email, salt),
        issuedOn: r!.issuedOn,
        expires: r!.expires,
        narrative: r!.narrative,
        evidence: r!.evidence,
        revokedAt: null,
        revocationReason: null,
        awardedBy: userId,
        createdAt,
      };
    });
    return awards;
  }

  const prepareAward = (badgeId: string, userId: string, raw: unknown) => runToEnd(preparingAward(badgeId, userId, raw));

  async function prepareAwardInTurns(badgeId: string, userId: string, raw: unknown): Promise<Assertion[]> {
    const steps = preparingAward(badgeId, userId, raw);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      await nextTurn();
    }
  }

  function writeAwards(awards: Assertion[], options: AwardOptions): Assertion[] {
    db.transaction(() => {
      for (const award of awards) repos.assertions.insert(award);
      // The award emails are queued in the same transaction: no award without its email, no email without its award.
      if (options.notify && mail) mail.enqueueAwardEmails(awards);
      options.within?.(awards);
      for (const hook of hooks.afterAward) hook(awards, { notify: Boolean(options.notify && mail) });
    })();
    return awards;
  }

  return {
    findPublic,
    documentOf,
    revokedDocumentOf: (assertion: Assertion) => revokedAssertionJson(assertion, urls),
    revocationListJson: (issuerId: string) => revocationListJson(issuerId, repos.assertions.revokedForIssuer(issuerId), urls),
    statusOf: (assertion: Assertion) => statusOf(assertion, ctx.now()),

    requireAssertion(assertionId: string, userId: string, atLeast: 'owner' | 'editor' | 'awarder') {
      const assertion = repos.assertions.findById(assertionId);
      if (!assertion) throw notFound('Award');
      const { badge, issuer, role } = badgeClasses.requireBadge(assertion.badgeClassId, userId, atLeast);
      return { assertion, badge, issuer, role };
    },

    /** Checks an award without writing it (the confirmation step). */
    validateAward(badgeId: string, userId: string, raw: unknown): number {
      return prepareAward(badgeId, userId, raw).length;
    },

    /** Validates every recipient first, naming each bad line, then writes all awards in one transaction or none. */
    award(badgeId: string, userId: string, raw: unknown, options: AwardOptions = {}): Assertion[] {
      return writeAwards(prepareAward(badgeId, userId, raw), options);
    },

    /** `validateAward` for long lists (bulk imports): the checks give the event loop a turn every few hundred rows. */
    async validateAwardInTurns(badgeId: string, userId: string, raw: unknown): Promise<number> {
      return (await prepareAwardInTurns(badgeId, userId, raw)).length;
    },

    /** `award` for long lists: checked in turns, then written in one transaction (which cannot yield) or not at all. */
    async awardInTurns(badgeId: string, userId: string, raw: unknown, options: AwardOptions = {}): Promise<Assertion[]> {
      return writeAwards(await prepareAwardInTurns(badgeId, userId, raw), options);
    },

    /** No un-revoke: a mistaken revocation is mended by awarding again. */
    revoke(assertionIds: string[], userId: string, raw: unknown, withinBadgeId?: string): number {
      const { reason } = parseInput(RevokeInput, raw);
      if (assertionIds.length === 0) throw new ValidationError({ ids: 'Choose at least one award to revoke.' });
      const at = ctx.now().toISOString();
      return db.transaction(() => {
        let revoked = 0;
        for (const id of assertionIds) {
          const assertion = repos.assertions.findById(id);
          if (!assertion || (withinBadgeId && assertion.badgeClassId !== withinBadgeId)) throw notFound('Award');
          badgeClasses.requireBadge(assertion.badgeClassId, userId, 'awarder');
          if (repos.assertions.revoke(id, reason, at)) {
            revoked += 1;
            // In the same transaction: a revoked award's queued email never goes out later.
            mail?.cancelForAssertion(id, 'The award was revoked before the email was sent.');
          }
        }
        if (hooks.afterRevoke.length > 0) {
          const done = assertionIds.map((id) => repos.assertions.findById(id)!).filter((a) => a.revokedAt === at);
          for (const hook of hooks.afterRevoke) hook(done);
        }
        return revoked;
      })();
    },

    listForBadge: (badgeId: string, filter: Omit<AssertionFilter, 'now'>) =>
      repos.assertions.listForBadge(badgeId, { ...filter, now: ctx.now().toISOString() }),
    listForIssuer: (issuerId: string, filter: Omit<AssertionFilter, 'now'>) =>
      repos.assertions.listForIssuer(issuerId, { ...filter, now: ctx.now().toISOString() }),

    bakedPng(assertion: Assertion): Buffer {
      const images = badgeClasses.images(assertion.badgeClassId)!;
      return bakePng(images.png, JSON.stringify(documentOf(assertion)));
    },

    bakedSvg(assertion: Assertion): string | null {
      const images = badgeClasses.images(assertion.badgeClassId)!;
      if (!images.svg) return null;
      return bakeSvg(images.svg, urls.assertion(assertion.id), JSON.stringify(documentOf(assertion)));
    },
  };
}

export type AssertionsService = ReturnType<typeof assertionsService>;
