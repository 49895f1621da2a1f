import type { Request, Response } from 'express';
import { notFound } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { PublicCache } from '../public-cache.js';
import { sendDocument } from './send.js';

// Signed Open Badges 2.0: the issuer's public key, named by `verification.creator` and listed in its Profile's
// `publicKey`. JSON-LD for every client: a key has no human page.
export function signedAssertionDocuments(services: Services, cache: PublicCache) {
  return {
    publicKey(req: Request, res: Response) {
      const key = services.signedAssertions.keyDocument(String(req.params.issuerId), String(req.params.keyId));
      if (!key) throw notFound('Key');
      sendDocument(req, res, cache, key);
    },
  };
}
