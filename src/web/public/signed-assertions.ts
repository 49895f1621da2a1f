import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { documentVariant } from '../negotiate.js';
import type { PublicCache } from '../public-cache.js';
import { publicResolvers } from './resolve.js';
import { sendPublic } from './send.js';

// Signed Open Badges 2.0: the issuer's public key, named by `verification.creator` and listed in its Profile's
// `publicKey`. JSON-LD for every client: a key has no human page.
export function signedAssertionDocuments(services: Services, cache: PublicCache) {
  const resolve = publicResolvers(services);
  return {
    publicKey(req: Request, res: Response) {
      const variant = documentVariant(req.get('accept'));
      sendPublic(req, res, cache, resolve.publicKey(String(req.params.issuerId), String(req.params.keyId), variant));
    },
  };
}
