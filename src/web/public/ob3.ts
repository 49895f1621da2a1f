import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { documentVariant } from '../negotiate.js';
import type { PublicCache } from '../public-cache.js';
import { publicDocuments } from './documents.js';
import { publicResolvers } from './resolve.js';
import { sendPublic, wantsHtml } from './send.js';

// Open Badges 3.0 hosted documents (openbadges-spec.md §4.4): JSON for every non-browser client, the same human
// pages as the 2.0 URLs for browsers. The documents themselves are built in ./resolve.ts.
export function ob3Documents(services: Services, cache: PublicCache) {
  const pages = publicDocuments(services, cache);
  const resolve = publicResolvers(services);
  const variantOf = (req: Request) => documentVariant(req.get('accept'));

  return {
    /** The 3.0 Profile, which is also the controller document listing every key the issuer signs with. */
    async issuerProfile(req: Request, res: Response) {
      if (wantsHtml(req)) return pages.issuer(req, res);
      sendPublic(req, res, cache, await resolve.issuerProfile3(String(req.params.issuerId), variantOf(req)));
    },

    /** A verification method: the Multikey document itself (JSON-LD for every client: a key has no human page). */
    verificationMethod(req: Request, res: Response) {
      sendPublic(req, res, cache, resolve.verificationMethod(String(req.params.issuerId), String(req.params.keyId), variantOf(req)));
    },

    achievement(req: Request, res: Response) {
      if (wantsHtml(req)) return pages.badgeClass(req, res);
      sendPublic(req, res, cache, resolve.achievement(String(req.params.badgeId), variantOf(req)));
    },

    /** The signed OpenBadgeCredential; once revoked, 410 like the 2.0 assertion (the status list says so too). */
    async credential(req: Request, res: Response) {
      if (wantsHtml(req)) return pages.assertion(req, res);
      sendPublic(req, res, cache, await resolve.credential(String(req.params.assertionId), variantOf(req)));
    },

    /** "Download credential (.json)": the same bytes as the hosted credential, as a file whatever the browser asks. */
    async credentialFile(req: Request, res: Response) {
      sendPublic(req, res, cache, await resolve.credentialFile(String(req.params.assertionId)));
    },

    async bakedPng(req: Request, res: Response) {
      sendPublic(req, res, cache, await resolve.bakedPng3(String(req.params.assertionId)));
    },

    async bakedSvg(req: Request, res: Response) {
      sendPublic(req, res, cache, await resolve.bakedSvg3(String(req.params.assertionId)));
    },

    /** The issuer's signed BitstringStatusListCredential (statusPurpose revocation). */
    async statusList(req: Request, res: Response) {
      sendPublic(req, res, cache, await resolve.statusList(String(req.params.issuerId), variantOf(req)));
    },
  };
}
