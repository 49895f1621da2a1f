import type { Request, Response } from 'express';
import type { IssuerAgreement } from '../../repos/issuer-agreements.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody } from './common.js';

const resource = (a: IssuerAgreement) => ({
  id: a.id,
  issuerId: a.granteeIssuerId,
  stepIssuerId: a.granterIssuerId,
  status: a.status,
  message: a.message,
  requestedAt: a.requestedAt,
  decidedAt: a.decidedAt,
});

/** Cross-issuer agreements for pathway steps (owners only on both sides). */
export function issuerAgreementApi(services: Services) {
  const { issuerAgreements } = services;
  return {
    list(req: Request, res: Response) {
      res.json({ items: issuerAgreements.list(String(req.params.issuerId), currentUser(req).id).map(resource), nextCursor: null });
    },
    request(req: Request, res: Response) {
      res.status(201).json(resource(issuerAgreements.request(String(req.params.issuerId), currentUser(req).id, jsonBody(req))));
    },
    accept(req: Request, res: Response) {
      res.json(resource(issuerAgreements.accept(String(req.params.agreementId), currentUser(req).id)));
    },
    withdraw(req: Request, res: Response) {
      res.json(resource(issuerAgreements.withdraw(String(req.params.agreementId), currentUser(req).id)));
    },
  };
}
