import crypto from 'node:crypto';
import { z } from 'zod';
import { forbidden, notFound, ValidationError } from '../errors.js';
import type { BadgeClass } from '../repos/badge-classes.js';
import type { Issuer } from '../repos/issuers.js';
import type { QualityCheck, QualityRule, QualityStandard } from '../repos/quality-standards.js';
import type { ServiceContext } from './context.js';
import { parseInput, text } from './validation.js';

/** The automatic checks a standard may name (README: "Quality standards"). */
export const QUALITY_CHECKS: Record<QualityCheck, { label: string; describe: (rule: { minWords?: number }) => string }> = {
  criteriaNarrative: {
    label: 'Criteria narrative',
    describe: (r) => `The criteria are written out on the badge, at least ${r.minWords ?? 1} word(s).`,
  },
  evidence: { label: 'Evidence expected', describe: () => 'The criteria say what evidence a learner shows (they mention "evidence").' },
  alignment: { label: 'Alignment', describe: () => 'The badge is aligned to at least one framework target.' },
  altText: { label: 'Image alt text', describe: () => 'The badge image has a text description (alt text).' },
  issuerContact: { label: 'Issuer website and email', describe: () => "The issuer's website and contact email are set." },
  validity: { label: 'Validity period', describe: () => 'The badge says how long awards are valid (days).' },
};
const CHECK_NAMES = Object.keys(QUALITY_CHECKS) as [QualityCheck, ...QualityCheck[]];

const RuleInput = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('automatic'),
    check: z.enum(CHECK_NAMES, `check must be one of: ${CHECK_NAMES.join(', ')}.`),
    minWords: z.number().int('Whole words only.').min(1, 'At least 1 word.').max(2000, 'At most 2000 words.').optional(),
  }),
  z.object({ type: z.literal('judgement'), guidance: text.required('Guidance', 2000) }),
], 'type must be "automatic" or "judgement".');

export const StandardInput = z.object({
  name: text.required('Name', 200),
  description: text.optional(5000),
  rules: z.array(RuleInput).min(1, 'Add at least one rule.').max(50, 'At most 50 rules.'),
});
export type StandardInput = z.input<typeof StandardInput>;

export interface RuleResult {
  rule: QualityRule;
  label: string;
  description: string;
  /** true/false for automatic checks; null for a reviewer's judgement. */
  passed: boolean | null;
}

export interface Score {
  standard: QualityStandard;
  results: RuleResult[];
  automaticPassed: number;
  automaticTotal: number;
  judgementCount: number;
  /** Every automatic check passes: the badge may be submitted for review against this standard. */
  ready: boolean;
}

const words = (s: string) => s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/** Pure: how a badge class and its issuer fare against one automatic check. */
export function runCheck(rule: { check: QualityCheck; minWords?: number }, badge: BadgeClass, issuer: Issuer): boolean {
  switch (rule.check) {
    case 'criteriaNarrative':
      return words(badge.criteriaNarrative) >= (rule.minWords ?? 1);
    case 'evidence':
      return /\bevidence\b/i.test(badge.criteriaNarrative);
    case 'alignment':
      return badge.alignments.length > 0;
    case 'altText':
      return badge.imageCaption.trim() !== '';
    case 'issuerContact':
      return issuer.url.trim() !== '' && issuer.email.trim() !== '';
    case 'validity':
      return badge.expiresAfterDays !== null && badge.expiresAfterDays > 0;
  }
}

/** Pure: the badge's score against a standard; judgement rules are listed for the reviewer. */
export function scoreBadge(standard: QualityStandard, badge: BadgeClass, issuer: Issuer): Score {
  const results = standard.rules.map((rule): RuleResult => {
    if (rule.type === 'judgement') return { rule, label: 'Reviewer judgement', description: rule.guidance, passed: null };
    const check = QUALITY_CHECKS[rule.check];
    return { rule, label: check.label, description: check.describe(rule), passed: runCheck(rule, badge, issuer) };
  });
  const automatic = results.filter((r) => r.passed !== null);
  const automaticPassed = automatic.filter((r) => r.passed).length;
  return {
    standard,
    results,
    automaticPassed,
    automaticTotal: automatic.length,
    judgementCount: results.length - automatic.length,
    ready: automaticPassed === automatic.length,
  };
}

export function qualityStandardsService(ctx: ServiceContext) {
  const { repos } = ctx;

  function requireAdmin(userId: string) {
    const user = repos.users.findById(userId);
    if (!user?.isAdmin) throw forbidden('Only a site administrator can do that.');
  }

  function requireStandard(id: string): QualityStandard {
    const standard = repos.qualityStandards.findById(id);
    if (!standard) throw notFound('Standard');
    return standard;
  }

  return {
    list: () => repos.qualityStandards.list(),
    find: (id: string) => repos.qualityStandards.findById(id),
    requireStandard,

    create(userId: string, raw: unknown): QualityStandard {
      requireAdmin(userId);
      const input = parseInput(StandardInput, raw);
      const standard: QualityStandard = {
        id: crypto.randomUUID(),
        name: input.name,
        description: input.description,
        rules: input.rules.map((r) =>
          r.type === 'automatic'
            ? { type: 'automatic', check: r.check, ...(r.check === 'criteriaNarrative' ? { minWords: r.minWords ?? 1 } : {}) }
            : { type: 'judgement', guidance: r.guidance },
        ),
        createdBy: userId,
        createdAt: ctx.now().toISOString(),
      };
      repos.qualityStandards.insert(standard);
      return standard;
    },

    /** The badge's score against every standard on this Kiln. */
    scoresFor(badge: BadgeClass, issuer: Issuer): Score[] {
      return repos.qualityStandards.list().map((s) => scoreBadge(s, badge, issuer));
    },

    endorsers: () => repos.endorsements.endorsers(),
    isEndorser: (issuerId: string) => repos.endorsements.isEndorser(issuerId),
    allIssuers: () => repos.endorsements.allIssuers(),

    setEndorser(userId: string, issuerId: string, endorser: boolean): void {
      requireAdmin(userId);
      if (!repos.issuers.findById(issuerId)) throw new ValidationError({ issuerId: 'Choose an issuer on this Kiln.' });
      if (endorser) repos.endorsements.addEndorser(issuerId, ctx.now().toISOString());
      else repos.endorsements.removeEndorser(issuerId);
    },
  };
}

export type QualityStandardsService = ReturnType<typeof qualityStandardsService>;
