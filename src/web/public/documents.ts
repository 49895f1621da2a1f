import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { PublicCache } from '../public-cache.js';
import { renderMarkdown } from '../markdown.js';
import { publicCors, sendDocument, sendFile, wantsHtml } from './send.js';

const SVG_HEADERS = {
  // A sanitised SVG is still served as a sandboxed document, in case a browser opens it directly.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
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
        urls: ctx.urls,
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
