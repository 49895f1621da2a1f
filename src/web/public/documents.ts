import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { PublicCache } from '../public-cache.js';
import { renderMarkdown } from '../../markdown.js';
import { documentVariant } from '../negotiate.js';
import { publicResolvers } from './resolve.js';
import { publicCors, sendPublic, wantsHtml } from './send.js';
import { recognitionOf } from './endorsements.js';
import { linkedInAddToProfile, shareLinksOf } from './share-links.js';
import { publicRecipientLabel } from '../recipient-label.js';
import { hasMailbox } from '../../services/mail.js';

export function publicDocuments(services: Services, cache: PublicCache) {
  const { issuers, badgeClasses, ctx } = services;
  const resolve = publicResolvers(services);
  const variantOf = (req: Request) => documentVariant(req.get('accept'));

  return {
    issuer(req: Request, res: Response) {
      const id = String(req.params.issuerId);
      if (!wantsHtml(req)) return sendPublic(req, res, cache, resolve.issuer(id, variantOf(req)));
      const issuer = issuers.findPublic(id);
      if (!issuer) throw notFound('Issuer');
      const badges = badgeClasses.listForIssuer(issuer.id, { limit: 100, cursor: req.query.cursor as string | undefined });
      publicCors(res);
      res.render('issuers/public', { title: issuer.name, issuer, badges, urls: ctx.urls });
    },

    issuerImage(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.issuerImage(String(req.params.issuerId)));
    },

    revocations(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.revocations(String(req.params.issuerId), variantOf(req)));
    },

    badgeClass(req: Request, res: Response) {
      const id = String(req.params.badgeId);
      if (!wantsHtml(req)) return sendPublic(req, res, cache, resolve.badgeClass(id, variantOf(req)));
      const badge = badgeClasses.findIncludingDeleted(id);
      if (!badge) throw notFound('Badge');
      if (badge.deletedAt) throw new AppError(410, 'gone', 'This badge has been withdrawn by its issuer.');
      const issuer = issuers.findPublic(badge.issuerId)!;
      publicCors(res);
      res.render('badge-classes/public', {
        title: badge.name,
        badge,
        issuer,
        criteriaHtml: renderMarkdown(badge.criteriaNarrative),
        recognition: recognitionOf(services, badge.id),
        urls: ctx.urls,
      });
    },

    /** The hosted assertion: 410 with `revoked: true` once revoked; HTML is the learner's award page. */
    assertion(req: Request, res: Response) {
      const id = String(req.params.assertionId);
      if (!wantsHtml(req)) return sendPublic(req, res, cache, resolve.assertion(id, variantOf(req)));
      const assertion = services.assertions.findPublic(id);
      if (!assertion) throw notFound('Award');
      const revoked = assertion.revokedAt !== null;
      const badge = badgeClasses.findIncludingDeleted(assertion.badgeClassId)!;
      const issuer = issuers.findPublic(assertion.issuerId)!;
      publicCors(res);
      res.status(revoked ? 410 : 200).render('assertions/public', {
        title: `${badge.name} · awarded by ${issuer.name}`,
        assertion,
        badge,
        issuer,
        status: services.assertions.statusOf(assertion),
        criteriaHtml: renderMarkdown(badge.criteriaNarrative),
        narrativeHtml: renderMarkdown(assertion.narrative),
        recipient: publicRecipientLabel(assertion.recipientName, assertion.recipientEmail),
        linkedInUrl: linkedInAddToProfile(assertion, badge.name, issuer.name, ctx.urls.assertion(assertion.id)),
        shareLinks: shareLinksOf(badge.name, issuer.name, ctx.urls.assertion(assertion.id)),
        // The holder's printable certificate sits behind the learner sign-in, which needs a mailbox to send the link to.
        certificateUrl: hasMailbox(assertion.recipientEmail) ? `/learner/awards/${assertion.id}/certificate` : null,
        urls: ctx.urls,
      });
    },

    bakedPng(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.bakedPng(String(req.params.assertionId)));
    },

    bakedSvg(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.bakedSvg(String(req.params.assertionId)));
    },

    /** "Open Badges 2.0 data (.json)": the hosted assertion as a file, whatever the browser asks for. */
    assertionFile(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.assertionFile(String(req.params.assertionId)));
    },

    badgeImage(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.badgeImage(String(req.params.badgeId)));
    },

    badgeImageSvg(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.badgeImageSvg(String(req.params.badgeId)));
    },
  };
}
