import type { Request, Response } from 'express';
import { notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import { describeRule } from '../../services/pathways.js';
import type { PublicCache } from '../public-cache.js';
import { documentVariant } from '../negotiate.js';
import { publicResolvers } from './resolve.js';
import { publicCors, sendPublic, wantsHtml } from './send.js';

/** Hosted endorsements (Open Badges 2.0 documents) and public pathway maps. */
export function endorsementDocuments(services: Services, cache: PublicCache) {
  const { endorsements, pathways, badgeClasses, issuers, ctx } = services;
  const resolve = publicResolvers(services);

  const handlers = {
    /** JSON-LD unless the client prefers HTML; 410 with `revoked: true` once withdrawn, like a revoked assertion. */
    endorsement(req: Request, res: Response) {
      const id = String(req.params.endorsementId);
      if (!wantsHtml(req)) return sendPublic(req, res, cache, resolve.endorsement(id, documentVariant(req.get('accept'))));
      const endorsement = endorsements.findPublic(id);
      if (!endorsement) throw notFound('Endorsement');
      const withdrawn = endorsement.withdrawnAt !== null;
      const badge = badgeClasses.findIncludingDeleted(endorsement.badgeClassId)!;
      publicCors(res);
      res.status(withdrawn ? 410 : 200).render('endorsements/public', {
        title: `${badge.name} · endorsed by ${issuers.findPublic(endorsement.endorserIssuerId)!.name}`,
        endorsement,
        badge,
        endorser: issuers.findPublic(endorsement.endorserIssuerId)!,
        badgeIssuer: issuers.findPublic(badge.issuerId)!,
        endorsementUrl: endorsements.urls.endorsement(endorsement.id),
        credentialUrl: endorsements.credentialUrl(endorsement.id),
        urls: ctx.urls,
      });
    },

    /** The signed OB 3.0 EndorsementCredential; 410 like the 2.0 document once withdrawn. */
    async endorsementCredential(req: Request, res: Response) {
      if (wantsHtml(req)) return handlers.endorsement(req, res);
      sendPublic(req, res, cache, await resolve.endorsementCredential(String(req.params.endorsementId), documentVariant(req.get('accept'))));
    },

    /** The pathway map: its badges in order and groups, the completion rule and the capstone. */
    pathway(req: Request, res: Response) {
      const pathway = pathways.findPublic(String(req.params.pathwayId));
      if (!pathway) throw notFound('Pathway');
      const capstone = pathway.capstoneBadgeClassId ? badgeClasses.findPublic(pathway.capstoneBadgeClassId) : null;
      publicCors(res);
      res.render('pathways/public', {
        title: pathway.name,
        pathway,
        issuer: issuers.findPublic(pathway.issuerId)!,
        steps: pathways.stepsOf(pathway),
        ruleText: describeRule(pathway.rule, pathway.steps.length),
        capstone,
        urls: ctx.urls,
      });
    },
  };
  return handlers;
}

/** What the public badge page adds: current endorsements (endorser name and logo) and pathways. */
export function recognitionOf(services: Services, badgeId: string) {
  return {
    endorsements: services.endorsements.activeForBadge(badgeId).map((e) => ({ ...e, url: services.endorsements.urls.endorsement(e.id) })),
    pathways: services.pathways.forBadge(badgeId),
  };
}
