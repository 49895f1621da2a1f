import crypto from 'node:crypto';
import { z } from 'zod';
import { conflict, notFound, ValidationError } from '../errors.js';
import { hashIdentity } from '../openbadges/recipient.js';
import type { Assertion } from '../repos/assertions.js';
import type { BadgeClass } from '../repos/badge-classes.js';
import type { Pathway, PathwayRule } from '../repos/pathways.js';
import type { AssertionsService, AwardHooks, AwardMailer } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import { isoSeconds, type ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { parseInput, text } from './validation.js';

const StepInput = z.union([
  z.string().trim().min(1, 'Give a badge id.'),
  z.object({ badgeId: z.string().trim().min(1, 'Give a badge id.'), group: text.optional(100) }),
]);

export const PathwayInput = z.object({
  name: text.required('Name', 200),
  description: text.optional(5000),
  badgeIds: z.array(StepInput, 'List the badges of the pathway.').min(1, 'List at least one badge.').max(100, 'At most 100 badges.'),
  rule: z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('all') }),
      z.object({ type: z.literal('atLeast'), n: z.number('Give how many badges.').int('A whole number.').min(1, 'At least 1.') }),
    ],
    'rule must be {"type":"all"} or {"type":"atLeast","n":…}.',
  ),
  capstoneBadgeId: z.string().trim().nullable().optional(),
});
export type PathwayInput = z.input<typeof PathwayInput>;

export const ResolveInput = z.object({
  action: z.enum(['keep', 'revoke'], 'Choose keep or revoke.'),
  reason: text.optional(500),
});

/** Pure: whether the badges a learner holds satisfy the pathway's rule. */
export function satisfies(pathway: Pick<Pathway, 'rule' | 'steps'>, held: ReadonlySet<string> | ReadonlyMap<string, unknown>): boolean {
  const count = pathway.steps.filter((s) => held.has(s.badgeClassId)).length;
  return pathway.rule.type === 'all' ? count === pathway.steps.length : count >= pathway.rule.n;
}

export const describeRule = (rule: PathwayRule, total: number) =>
  rule.type === 'all' ? `all ${total} badge(s)` : `at least ${rule.n} of ${total} badges`;

export interface PathwayStepView {
  badge: BadgeClass;
  issuerName: string;
  groupLabel: string;
  position: number;
  /** False while the badge's issuer has not agreed (or withdrew): the step cannot be earned towards this pathway. */
  counted: boolean;
}

export function pathwaysService(
  ctx: ServiceContext,
  deps: { issuers: IssuersService; badgeClasses: BadgeClassesService; assertions: AssertionsService; mail?: AwardMailer },
  hooks: AwardHooks,
) {
  const { repos, db } = ctx;
  const { issuers, badgeClasses } = deps;

  /**
   * Runs inside the award transaction: for each learner (normalised email) whose awards now satisfy a pathway they had
   * not completed, records the completion and awards the capstone. The completion row is unique per pathway and email,
   * so the capstone is awarded exactly once, however the last badge arrived (form, CSV, claim, API).
   */
  function afterAward(awards: Assertion[], options: { notify: boolean }): void {
    if (awards.length === 0) return;
    const byBadge = new Map<string, Pathway[]>();
    const candidates = new Map<string, { pathway: Pathway; email: string }>();
    for (const award of awards) {
      let pathways = byBadge.get(award.badgeClassId);
      if (!pathways) {
        pathways = repos.pathways.containingBadge(award.badgeClassId);
        byBadge.set(award.badgeClassId, pathways);
      }
      for (const pathway of pathways) candidates.set(`${pathway.id}\n${award.recipientEmail}`, { pathway, email: award.recipientEmail });
    }
    complete([...candidates.values()], options);
  }

  /**
   * The one completion rule, for awards as they arrive and for awards that existed before a pathway (or an agreement
   * that makes its steps count): a learner whose counted steps satisfy the rule gets a completion and the capstone,
   * once. Runs inside the caller's transaction.
   */
  function complete(candidates: Array<{ pathway: Pathway; email: string }>, options: { notify: boolean }): void {
    const now = ctx.now();
    const nowIso = now.toISOString();
    const capstones: Assertion[] = [];
    for (const { pathway, email } of candidates) {
      const done = repos.pathways.completion(pathway.id, email);
      const held = repos.pathways.heldBadges(pathway.id, email, nowIso);
      if (!satisfies(pathway, held)) continue;
      if (done) {
        // Complete again (say, a revoked component was re-awarded): the flag clears; the capstone is never awarded twice.
        if (done.flaggedAt && !done.resolvedAt) repos.pathways.resolve(done.id, nowIso);
        continue;
      }
      let capstoneAssertionId: string | null = null;
      if (pathway.capstoneBadgeClassId) {
        const capstone = repos.badgeClasses.findById(pathway.capstoneBadgeClassId);
        // An archived or deleted capstone cannot be awarded: the completion waits until it can.
        if (!capstone || capstone.archivedAt || capstone.deletedAt) continue;
        capstoneAssertionId = repos.pathways.heldCapstone(capstone.id, email, nowIso);
        if (!capstoneAssertionId) {
          const award = capstoneAward(pathway, capstone, email, held, now);
          repos.assertions.insert(award);
          capstones.push(award);
          capstoneAssertionId = award.id;
        }
      }
      repos.pathways.insertCompletion({ id: crypto.randomUUID(), pathwayId: pathway.id, recipientEmail: email, capstoneAssertionId, completedAt: nowIso });
    }
    if (capstones.length === 0) return;
    if (options.notify) deps.mail?.enqueueAwardEmails(capstones);
    // A capstone is an award like any other: it may complete a further pathway.
    for (const hook of hooks.afterAward) hook(capstones, options);
  }

  /** Applies the rule to awards made before the pathway existed (or before its steps' issuers agreed). */
  function applyToExistingAwards(pathway: Pathway): void {
    const emails = repos.pathways.holders(pathway.id, ctx.now().toISOString());
    complete(emails.map((email) => ({ pathway, email })), { notify: Boolean(deps.mail) });
  }

  function capstoneAward(pathway: Pathway, capstone: BadgeClass, email: string, held: Map<string, string>, now: Date): Assertion {
    const salt = crypto.randomBytes(16).toString('hex');
    const issuedOn = isoSeconds(now);
    const names = new Map(pathway.steps.map((s) => [s.badgeClassId, repos.badgeClasses.findById(s.badgeClassId)?.name ?? 'Badge']));
    return {
      id: crypto.randomUUID(),
      badgeClassId: capstone.id,
      issuerId: capstone.issuerId,
      recipientEmail: email,
      recipientName: null,
      salt,
      identityHash: hashIdentity(email, salt),
      issuedOn,
      expires: capstone.expiresAfterDays ? isoSeconds(new Date(now.getTime() + capstone.expiresAfterDays * 86_400_000)) : null,
      narrative: `Awarded automatically on completing the pathway “${pathway.name}”.`,
      // The component awards are the evidence: each links to its hosted assertion.
      evidence: [...held.entries()].slice(0, 20).map(([badgeId, assertionId]) => ({ url: ctx.urls.assertion(assertionId), name: names.get(badgeId) ?? 'Badge' })),
      revokedAt: null,
      revocationReason: null,
      awardedBy: null,
      createdAt: now.toISOString(),
    };
  }

  /** Runs inside the revocation transaction: a completion whose rule no longer holds is flagged for a person to decide. */
  function afterRevoke(revoked: Assertion[]): void {
    const nowIso = ctx.now().toISOString();
    for (const award of revoked) {
      for (const pathway of repos.pathways.containingBadge(award.badgeClassId)) {
        // A step that does not count (its issuer has not agreed) tells the pathway's issuer nothing, revocations included.
        if (!repos.pathways.countedSteps(pathway.id).has(award.badgeClassId)) continue;
        const completion = repos.pathways.completion(pathway.id, award.recipientEmail);
        if (!completion) continue;
        const capstone = completion.capstoneAssertionId ? repos.assertions.findById(completion.capstoneAssertionId) : null;
        if (capstone?.revokedAt) continue;
        if (satisfies(pathway, repos.pathways.heldBadges(pathway.id, award.recipientEmail, nowIso))) continue;
        const badgeName = repos.badgeClasses.findById(award.badgeClassId)?.name ?? 'A badge';
        repos.pathways.flag(completion.id, `“${badgeName}” was revoked (${award.revocationReason ?? 'no reason given'}), so the pathway is no longer complete.`, nowIso);
      }
    }
  }

  hooks.afterAward.push(afterAward);
  hooks.afterRevoke.push(afterRevoke);

  function requirePathway(pathwayId: string, userId: string, atLeast: 'owner' | 'editor' | 'awarder') {
    const pathway = repos.pathways.findById(pathwayId);
    if (!pathway) throw notFound('Pathway');
    const { issuer, role } = issuers.requireRole(pathway.issuerId, userId, atLeast);
    return { pathway, issuer, role };
  }

  function stepsOf(pathway: Pathway): PathwayStepView[] {
    const counted = repos.pathways.countedSteps(pathway.id);
    return pathway.steps.flatMap((s) => {
      const badge = repos.badgeClasses.findById(s.badgeClassId);
      if (!badge || badge.deletedAt) return [];
      return [{ badge, issuerName: repos.issuers.findById(badge.issuerId)?.name ?? '', groupLabel: s.groupLabel, position: s.position, counted: counted.has(badge.id) }];
    });
  }

  return {
    requirePathway,
    stepsOf,
    applyToExistingAwards,
    /** What the pathway form offers as steps: the issuer's own badges, then those of each issuer that agreed, by name. */
    pickableBadges(issuerId: string): Array<{ badge: BadgeClass; issuerName: string | null }> {
      const byName = (id: string) => repos.badgeClasses.listForIssuer(id, { limit: 200 }).items.sort((a, b) => a.name.localeCompare(b.name));
      const granters = repos.issuerAgreements.listForIssuer(issuerId).filter((a) => a.status === 'accepted' && a.granteeIssuerId === issuerId);
      return [
        ...byName(issuerId).map((badge) => ({ badge, issuerName: null })),
        ...granters.flatMap((a) => byName(a.granterIssuerId).map((badge) => ({ badge, issuerName: a.granterName as string | null }))),
      ];
    },
    findPublic: (id: string) => repos.pathways.findById(id),
    listForIssuer: (issuerId: string) => repos.pathways.listForIssuer(issuerId),
    completions: (pathwayId: string) => repos.pathways.completions(pathwayId),

    /** What a badge page shows: the pathways it is part of, and the pathways it crowns (its prerequisites). */
    forBadge(badgeId: string) {
      return {
        partOf: repos.pathways.containingBadge(badgeId).map((p) => ({ pathway: p, position: p.steps.findIndex((s) => s.badgeClassId === badgeId) + 1 })),
        capstoneOf: repos.pathways.withCapstone(badgeId).map((p) => ({ pathway: p, steps: stepsOf(p) })),
      };
    },

    /** A learner's progress on a pathway: which of its badges they hold now. */
    progress(pathway: Pathway, email: string) {
      const held = repos.pathways.heldBadges(pathway.id, email, ctx.now().toISOString());
      return { held: new Set(held.keys()), complete: satisfies(pathway, held), completion: repos.pathways.completion(pathway.id, email) };
    },

    /** The learner home: every pathway the learner has started, with how far along they are. */
    progressFor(email: string) {
      const nowIso = ctx.now().toISOString();
      // Only pathways where a counted step is held: a step whose issuer has not agreed is no start on a pathway.
      return repos.pathways.forRecipient(email).flatMap((pathway) => {
        const held = repos.pathways.heldBadges(pathway.id, email, nowIso);
        if (held.size === 0) return [];
        return [{ pathway, held: held.size, total: pathway.steps.length, ruleText: describeRule(pathway.rule, pathway.steps.length), complete: satisfies(pathway, held) }];
      });
    },

    create(issuerId: string, userId: string, raw: unknown): Pathway {
      if (!issuerId) throw new ValidationError({ issuerId: 'Give the id of the issuer that owns the pathway.' });
      issuers.requireRole(issuerId, userId, 'editor');
      const input = parseInput(PathwayInput, raw);
      const steps = input.badgeIds.map((s) => (typeof s === 'string' ? { badgeId: s, group: '' } : s));
      const fields: Record<string, string> = {};
      const seen = new Set<string>();
      steps.forEach((s, i) => {
        const badge = repos.badgeClasses.findById(s.badgeId);
        if (!badge || badge.deletedAt) fields[`badgeIds.${i}`] ??= `No badge on this Kiln has the id ${s.badgeId.slice(0, 80)}.`;
        else if (seen.has(s.badgeId)) fields[`badgeIds.${i}`] ??= `${badge.name} is listed twice.`;
        else if (badge.issuerId !== issuerId && !repos.issuerAgreements.isAccepted(issuerId, badge.issuerId)) {
          // Another issuer's badge counts only with its owner's consent (an accepted agreement).
          const owner = repos.issuers.findById(badge.issuerId)?.name ?? 'another issuer';
          fields[`badgeIds.${i}`] ??= `${badge.name} belongs to ${owner}, which has not agreed to let this issuer use its badges in pathways. Ask its owner on the Agreements page.`;
        }
        seen.add(s.badgeId);
      });
      if (input.rule.type === 'atLeast' && input.rule.n > steps.length) fields['rule.n'] = `At most ${steps.length}: the pathway has ${steps.length} badge(s).`;
      const capstoneId = input.capstoneBadgeId || null;
      if (capstoneId) {
        const capstone = repos.badgeClasses.findById(capstoneId);
        if (!capstone || capstone.deletedAt || capstone.issuerId !== issuerId) {
          fields.capstoneBadgeId = "The capstone must be one of this issuer's badges.";
        } else if (seen.has(capstoneId)) fields.capstoneBadgeId = 'The capstone cannot also be a step of the pathway.';
      }
      if (Object.keys(fields).length > 0) throw new ValidationError(fields);
      const now = ctx.now().toISOString();
      const pathway: Pathway = {
        id: crypto.randomUUID(),
        issuerId,
        name: input.name,
        description: input.description,
        rule: input.rule,
        capstoneBadgeClassId: capstoneId,
        createdBy: userId,
        createdAt: now,
        updatedAt: now,
        steps: steps.map((s, i) => ({ badgeClassId: s.badgeId, position: i + 1, groupLabel: s.group })),
      };
      // Awards made before the pathway existed count: learners who already satisfy it complete it now.
      db.transaction(() => {
        repos.pathways.insert(pathway);
        applyToExistingAwards(pathway);
      })();
      return pathway;
    },

    /** A flagged completion: keep the capstone (clear the flag) or revoke it. */
    resolveFlag(pathwayId: string, completionId: string, userId: string, raw: unknown): void {
      const { pathway } = requirePathway(pathwayId, userId, 'awarder');
      const input = parseInput(ResolveInput, raw);
      const completion = repos.pathways.completionById(completionId);
      if (!completion || completion.pathwayId !== pathway.id) throw notFound('Completion');
      if (!completion.flaggedAt || completion.resolvedAt) throw conflict('This completion is not flagged.');
      if (input.action === 'revoke' && !input.reason) throw new ValidationError({ reason: 'Give a reason for revoking the capstone.' });
      db.transaction(() => {
        if (input.action === 'revoke' && completion.capstoneAssertionId) {
          deps.assertions.revoke([completion.capstoneAssertionId], userId, { reason: input.reason });
        }
        repos.pathways.resolve(completion.id, ctx.now().toISOString());
      })();
    },
  };
}

export type PathwaysService = ReturnType<typeof pathwaysService>;
