import { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';
import { normaliseEmail } from '../openbadges/recipient.js';
import type { Assertion } from '../repos/assertions.js';
import type { AssertionsService } from './assertions.js';
import type { ServiceContext } from './context.js';
import type { MailService } from './mail.js';
import { email, parseInput } from './validation.js';

export const CORRECTION_REASON = 'recipient corrected';

export const CorrectionInput = z.object({
  email: email('The new address'),
  name: z.string().trim().max(200, 'At most 200 characters.').optional(),
});

/**
 * A mistyped address is mended in one step: the award is revoked with reason "recipient corrected" and the same
 * badge is issued to the new address with the same dates, narrative and evidence. The hosted id of an award cannot
 * change its recipient (the hash is published), so a new assertion is the only honest fix; the two are linked.
 */
export function correctionsService(ctx: ServiceContext, assertions: AssertionsService, mail: MailService) {
  const { db, repos } = ctx;
  return {
    /** The award this one replaced, and the award that replaced it, when a recipient was corrected. */
    linksOf: (assertionId: string) => ({
      replacedBy: repos.assertionCorrections.replacementOf(assertionId),
      replaces: repos.assertionCorrections.originalOf(assertionId),
    }),

    correctRecipient(assertionId: string, userId: string, raw: unknown): Assertion {
      const { assertion } = assertions.requireAssertion(assertionId, userId, 'awarder');
      if (assertion.revokedAt) throw new AppError(409, 'revoked', 'This award is revoked, so its recipient cannot be corrected.');
      const input = parseInput(CorrectionInput, raw);
      if (normaliseEmail(input.email) === assertion.recipientEmail) {
        throw new ValidationError({ email: 'This is the address the badge was already awarded to.' });
      }
      return db.transaction(() => {
        assertions.revoke([assertion.id], userId, { reason: CORRECTION_REASON });
        mail.cancelForAssertion(assertion.id, 'The recipient was corrected.');
        const [replacement] = assertions.award(
          assertion.badgeClassId,
          userId,
          {
            recipients: [{ email: input.email, ...(input.name || assertion.recipientName ? { name: input.name || assertion.recipientName! } : {}) }],
            narrative: assertion.narrative ?? '',
            evidence: assertion.evidence,
            issuedOn: assertion.issuedOn,
            expires: assertion.expires,
          },
          {
            notify: true,
            within: ([created]) =>
              repos.assertionCorrections.insert({
                oldAssertionId: assertion.id,
                newAssertionId: created!.id,
                correctedBy: userId,
                createdAt: ctx.now().toISOString(),
              }),
          },
        );
        return replacement!;
      })();
    },
  };
}

export type CorrectionsService = ReturnType<typeof correctionsService>;
