import crypto from 'node:crypto';
import { z } from 'zod';
import { conflict, forbidden, notFound, ValidationError } from '../errors.js';
import type { IssuerAgreement, IssuerAgreementView } from '../repos/issuer-agreements.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import type { PathwaysService } from './pathways.js';
import { parseInput, text } from './validation.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export const AgreementRequestInput = z.object({
  // The issuer's id or its public address (https://…/issuers/{id}), as shown on its page.
  stepIssuerId: z.string('Give the issuer whose badges you want to use.').trim().min(1, 'Give the issuer whose badges you want to use.').max(2000),
  message: text.optional(1000),
});

/**
 * Cross-issuer agreements (issue 18): a pathway may count another issuer's badges as steps only once that issuer's
 * owner has accepted, because completing a pathway tells the pathway's issuer who holds those badges. Owners only on
 * both sides: the pathway issuer's owner asks, the step issuer's owner accepts, and either may withdraw.
 */
export function issuerAgreementsService(ctx: ServiceContext, deps: { issuers: IssuersService; pathways: PathwaysService }) {
  const { repos, db } = ctx;
  const { issuers } = deps;

  /** The agreement and which side the user owns; 404 to anyone with no role on either issuer. */
  function requireSide(agreementId: string, userId: string): { agreement: IssuerAgreement; owns: { grantee: boolean; granter: boolean } } {
    const agreement = repos.issuerAgreements.findById(agreementId);
    const granteeRole = agreement ? repos.issuers.roleOf(agreement.granteeIssuerId, userId) : null;
    const granterRole = agreement ? repos.issuers.roleOf(agreement.granterIssuerId, userId) : null;
    if (!agreement || (!granteeRole && !granterRole)) throw notFound('Agreement');
    return { agreement, owns: { grantee: granteeRole === 'owner', granter: granterRole === 'owner' } };
  }

  return {
    list(issuerId: string, userId: string): IssuerAgreementView[] {
      issuers.requireRole(issuerId, userId, 'owner');
      return repos.issuerAgreements.listForIssuer(issuerId);
    },

    /** Read access for members: which issuers agreed to this issuer's pathways (the pathway form explains it). */
    listVisible: (issuerId: string) => repos.issuerAgreements.listForIssuer(issuerId),

    request(issuerId: string, userId: string, raw: unknown): IssuerAgreement {
      const { issuer } = issuers.requireRole(issuerId, userId, 'owner');
      const input = parseInput(AgreementRequestInput, raw);
      const granterId = UUID.exec(input.stepIssuerId)?.[0]?.toLowerCase() ?? '';
      const granter = granterId ? repos.issuers.findById(granterId) : null;
      if (!granter) throw new ValidationError({ stepIssuerId: 'No issuer on this Kiln has this id or address.' });
      if (granter.id === issuer.id) throw new ValidationError({ stepIssuerId: 'Your own badges need no agreement.' });
      const agreement = {
        id: crypto.randomUUID(),
        granteeIssuerId: issuer.id,
        granterIssuerId: granter.id,
        message: input.message,
        requestedBy: userId,
        requestedAt: ctx.now().toISOString(),
      };
      if (!repos.issuerAgreements.request(agreement)) {
        const live = repos.issuerAgreements.findByPair(issuer.id, granter.id)!;
        throw new ValidationError({ stepIssuerId: live.status === 'accepted' ? `${granter.name} has already agreed.` : `You already asked ${granter.name}; its owner has not answered yet.` });
      }
      return repos.issuerAgreements.findByPair(issuer.id, granter.id)!;
    },

    /** The step issuer's owner says yes: its badges count in the pathway issuer's pathways from now on, and for awards already made. */
    accept(agreementId: string, userId: string): IssuerAgreement {
      const { agreement, owns } = requireSide(agreementId, userId);
      if (!owns.granter) throw forbidden('Only an owner of the issuer whose badges would be used can accept.');
      db.transaction(() => {
        if (!repos.issuerAgreements.decide(agreement.id, 'requested', 'accepted', userId, ctx.now().toISOString())) {
          throw conflict('This agreement is not waiting for an answer.');
        }
        for (const pathway of repos.pathways.withStepsOf(agreement.granteeIssuerId, agreement.granterIssuerId)) {
          deps.pathways.applyToExistingAwards(pathway);
        }
      })();
      return repos.issuerAgreements.findById(agreement.id)!;
    },

    /** Either side's owner ends it (or declines a request): later awards of the step issuer's badges no longer count. */
    /** Returns the agreement and the issuer on whose behalf the user acted (its page is where they return). */
    withdraw(agreementId: string, userId: string): IssuerAgreement & { byIssuerId: string } {
      const { agreement, owns } = requireSide(agreementId, userId);
      if (!owns.granter && !owns.grantee) throw forbidden('Only an owner of either issuer can withdraw an agreement.');
      if (agreement.status === 'withdrawn' || !repos.issuerAgreements.decide(agreement.id, agreement.status, 'withdrawn', userId, ctx.now().toISOString())) {
        throw conflict('This agreement has already been withdrawn.');
      }
      return { ...repos.issuerAgreements.findById(agreement.id)!, byIssuerId: owns.granter ? agreement.granterIssuerId : agreement.granteeIssuerId };
    },
  };
}

export type IssuerAgreementsService = ReturnType<typeof issuerAgreementsService>;
