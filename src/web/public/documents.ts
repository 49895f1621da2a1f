import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { PublicCache } from '../public-cache.js';
import { renderMarkdown } from '../../markdown.js';
import { publicCors, sendDocument, sendFile, wantsHtml } from './send.js';
import { recognitionOf } from './endorsements.js';

const SVG_HEADERS = {
  // A sanitised SVG is still served as a sandboxed document, in case a browser opens it directly.
  'Content-Security-Policy': "default-src 'none'; img-src data:; sandbox",
};

export function publicDocuments(services: Services, cache: PublicCache) {
  const { issuers, badgeClasses, ctx } = services;

  return {
    issuer(req: Request, res: Response) {
      const issuer = issuers.findPublic(String(req.params.issuerId));
      if (!issuer) throw notFound('Issuer');
      if (!wantsHtml(req)) return sendDocument(req, res, cache, issuers.profileJson(issuer));
      const badges = badgeClasses.listForIssuer(issuer.id, { limit: 100, cursor: req.query.cursor as string | undefined });
      publicCors(res);
      res.render('issuers/public', { title: issuer.name, issuer, badges, urls: ctx.urls });
    },

    issuerImage(req: Request, res: Response) {
      const png = issuers.image(String(req.params.issuerId));
      if (!png) throw notFound('Image');
      sendFile(req, res, cache, png, 'image/png');
    },

    revocations(req: Request, res: Response) {
      const issuer = issuers.findPublic(String(req.params.issuerId));
      if (!issuer) throw notFound('Issuer');
      sendDocument(req, res, cache, services.assertions.revocationListJson(issuer.id));
    },

    badgeClass(req: Request, res: Response) {
      const id = String(req.params.badgeId);
      const badge = badgeClasses.findIncludingDeleted(id);
      if (!badge) throw notFound('Badge');
      if (badge.deletedAt) throw new AppError(410, 'gone', 'This badge has been withdrawn by its issuer.');
      if (!wantsHtml(req)) return sendDocument(req, res, cache, badgeClasses.json(badge));
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
      const assertion = services.assertions.findPublic(String(req.params.assertionId));
      if (!assertion) throw notFound('Award');
      const revoked = assertion.revokedAt !== null;
      if (!wantsHtml(req)) {
        if (revoked) return sendDocument(req, res, cache, services.assertions.revokedDocumentOf(assertion), 410);
        return sendDocument(req, res, cache, services.assertions.documentOf(assertion));
      }
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
        linkedInUrl: linkedInAddToProfile(assertion, badge.name, issuer.name, ctx.urls.assertion(assertion.id)),
        urls: ctx.urls,
        print: req.query.print === '1',
      });
    },

    bakedPng(req: Request, res: Response) {
      const assertion = services.assertions.findPublic(String(req.params.assertionId));
      if (!assertion) throw notFound('Award');
      if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer and can no longer be downloaded.');
      sendFile(req, res, cache, services.assertions.bakedPng(assertion), 'image/png', {
        'Content-Disposition': `attachment; filename="${downloadName(assertion.id)}.png"`,
      });
    },

    bakedSvg(req: Request, res: Response) {
      const assertion = services.assertions.findPublic(String(req.params.assertionId));
      if (!assertion) throw notFound('Award');
      if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer and can no longer be downloaded.');
      const svg = services.assertions.bakedSvg(assertion);
      if (svg === null) throw notFound('SVG image');
      sendFile(req, res, cache, Buffer.from(svg), 'image/svg+xml', {
        ...SVG_HEADERS,
        'Content-Disposition': `attachment; filename="${downloadName(assertion.id)}.svg"`,
      });
    },

    badgeImage(req: Request, res: Response) {
      const images = badgeClasses.images(String(req.params.badgeId));
      if (!images) throw notFound('Image');
      sendFile(req, res, cache, images.png, 'image/png');
    },

    badgeImageSvg(req: Request, res: Response) {
      const images = badgeClasses.images(String(req.params.badgeId));
      if (!images?.svg) throw notFound('Image');
      sendFile(req, res, cache, Buffer.from(images.svg), 'image/svg+xml', SVG_HEADERS);
    },
  };
}

const downloadName = (assertionId: string) => `badge-${assertionId.slice(0, 8)}`;

/** LinkedIn's add-to-profile link for a certification (name, organisation, issue and expiry month, URL and id). */
export function linkedInAddToProfile(
  assertion: { id: string; issuedOn: string; expires: string | null },
  badgeName: string,
  issuerName: string,
  certUrl: string,
): string {
  const issued = new Date(assertion.issuedOn);
  const params = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: badgeName,
    organizationName: issuerName,
    issueYear: String(issued.getUTCFullYear()),
    issueMonth: String(issued.getUTCMonth() + 1),
    certUrl,
    certId: assertion.id,
  });
  if (assertion.expires) {
    const expires = new Date(assertion.expires);
    params.set('expirationYear', String(expires.getUTCFullYear()));
    params.set('expirationMonth', String(expires.getUTCMonth() + 1));
  }
  return `https://www.linkedin.com/profile/add?${params.toString()}`;
}
