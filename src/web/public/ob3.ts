import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { PublicCache } from '../public-cache.js';
import { publicDocuments } from './documents.js';
import { sendDocument, sendFile, wantsHtml } from './send.js';

// Open Badges 3.0 hosted documents (openbadges-spec.md §4.4): JSON for every non-browser client, the same human
// pages as the 2.0 URLs for browsers. Credentials are JSON-LD of the more specific type the spec recommends.
const VC_TYPE = 'application/vc+ld+json; charset=utf-8';
const SVG_HEADERS = { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" };

export function ob3Documents(services: Services, cache: PublicCache) {
  const { issuers, badgeClasses, credentials } = services;
  const pages = publicDocuments(services, cache);
  const attachment = (assertionId: string, extension: string) => ({
    'Content-Disposition': `attachment; filename="badge-${assertionId.slice(0, 8)}-ob3.${extension}"`,
  });

  return {
    /** The 3.0 Profile, which is also the controller document listing every key the issuer signs with. */
    async issuerProfile(req: Request, res: Response) {
      const issuer = issuers.findPublic(String(req.params.issuerId));
      if (!issuer) throw notFound('Issuer');
      if (wantsHtml(req)) return pages.issuer(req, res);
      sendDocument(req, res, cache, await credentials.profileDocument(issuer));
    },

    /** A verification method: the Multikey document itself (JSON-LD for every client: a key has no human page). */
    verificationMethod(req: Request, res: Response) {
      const issuer = issuers.findPublic(String(req.params.issuerId));
      const key = issuer ? credentials.verificationMethodDocument(issuer, String(req.params.keyId)) : null;
      if (!key) throw notFound('Key');
      sendDocument(req, res, cache, key);
    },

    achievement(req: Request, res: Response) {
      const badge = badgeClasses.findIncludingDeleted(String(req.params.badgeId));
      if (!badge) throw notFound('Badge');
      if (badge.deletedAt) throw new AppError(410, 'gone', 'This badge has been withdrawn by its issuer.');
      if (wantsHtml(req)) return pages.badgeClass(req, res);
      sendDocument(req, res, cache, credentials.achievementDocument(badge));
    },

    /** The signed OpenBadgeCredential; once revoked, 410 like the 2.0 assertion (the status list says so too). */
    async credential(req: Request, res: Response) {
      const assertion = services.assertions.findPublic(String(req.params.assertionId));
      if (!assertion) throw notFound('Award');
      if (wantsHtml(req)) return pages.assertion(req, res);
      if (assertion.revokedAt) {
        const gone = { id: services.ctx.urls.credential(assertion.id), revoked: true, revocationReason: assertion.revocationReason ?? '' };
        return sendDocument(req, res, cache, gone, 410);
      }
      sendDocument(req, res, cache, JSON.parse(await credentials.credentialJson(assertion)), 200, VC_TYPE);
    },

    /** "Download credential (.json)": the same bytes as the hosted credential, as a file whatever the browser asks. */
    async credentialFile(req: Request, res: Response) {
      const assertion = credentials.requireLive(String(req.params.assertionId));
      const json = Buffer.from(await credentials.credentialJson(assertion));
      sendFile(req, res, cache, json, VC_TYPE, attachment(assertion.id, 'json'));
    },

    async bakedPng(req: Request, res: Response) {
      const assertion = credentials.requireLive(String(req.params.assertionId));
      sendFile(req, res, cache, await credentials.bakedPng(assertion), 'image/png', attachment(assertion.id, 'png'));
    },

    async bakedSvg(req: Request, res: Response) {
      const assertion = credentials.requireLive(String(req.params.assertionId));
      const svg = await credentials.bakedSvg(assertion);
      if (svg === null) throw notFound('SVG image');
      sendFile(req, res, cache, Buffer.from(svg), 'image/svg+xml', { ...SVG_HEADERS, ...attachment(assertion.id, 'svg') });
    },

    /** The issuer's signed BitstringStatusListCredential (statusPurpose revocation). */
    async statusList(req: Request, res: Response) {
      const issuer = issuers.findPublic(String(req.params.issuerId));
      if (!issuer) throw notFound('Issuer');
      sendDocument(req, res, cache, JSON.parse(await credentials.statusListJson(issuer.id)), 200, VC_TYPE);
    },
  };
}
