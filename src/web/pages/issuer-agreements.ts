import type { Request, Response } from 'express';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { field, formContext } from '../forms.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** The agreements page of an issuer's owner: requests it made, requests made to it, and the form to ask. */
export function issuerAgreementPages(services: Services) {
  const { issuerAgreements } = services;

  const locals = (issuer: Issuer, userId: string) => ({
    title: `Agreements · ${issuer.name}`,
    issuer,
    agreements: issuerAgreements.list(issuer.id, userId),
  });

  return {
    list(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('issuer-agreements/list', { ...locals(issuer, currentUser(req).id), values: {}, notice: typeof req.query.notice === 'string' ? req.query.notice : null });
    },

    request(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const values = { stepIssuerId: field(body(req), 'stepIssuerId'), message: field(body(req), 'message') };
      formContext(res, 'issuer-agreements/list', { ...locals(issuer, currentUser(req).id), notice: null }, values);
      issuerAgreements.request(issuer.id, currentUser(req).id, values);
      res.redirect(303, `/manage/issuers/${issuer.id}/agreements?notice=requested`);
    },

    accept(req: Request, res: Response) {
      const agreement = issuerAgreements.accept(String(req.params.agreementId), currentUser(req).id);
      res.redirect(303, `/manage/issuers/${agreement.granterIssuerId}/agreements?notice=accepted`);
    },

    withdraw(req: Request, res: Response) {
      const agreement = issuerAgreements.withdraw(String(req.params.agreementId), currentUser(req).id);
      res.redirect(303, `/manage/issuers/${agreement.byIssuerId}/agreements?notice=withdrawn`);
    },
  };
}
