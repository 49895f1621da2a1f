import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';

/** An issuer's Open Badges 3.0 signing keys: public halves only; private keys never leave the server. */
export function keyApi(services: Services) {
  const { credentials } = services;
  return {
    async list(req: Request, res: Response) {
      res.json({ items: await credentials.listKeys(String(req.params.issuerId), currentUser(req).id) });
    },

    async rotate(req: Request, res: Response) {
      res.status(201).json({ items: await credentials.rotateKey(String(req.params.issuerId), currentUser(req).id) });
    },
  };
}
