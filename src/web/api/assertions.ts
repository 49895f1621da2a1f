import type { Request, Response } from 'express';
import type { PublicUrls } from '../../openbadges/documents.js';
import type { Assertion } from '../../repos/assertions.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody, listQuery } from './common.js';

export function assertionResource(assertion: Assertion, urls: PublicUrls, hasSvg: boolean, status: string) {
  return {
    id: assertion.id,
    openBadgeId: urls.assertion(assertion.id),
    badgeId: assertion.badgeClassId,
    issuerId: assertion.issuerId,
    recipient: { email: assertion.recipientEmail, ...(assertion.recipientName ? { name: assertion.recipientName } : {}) },
    issuedOn: assertion.issuedOn,
    expires: assertion.expires,
    narrative: assertion.narrative,
    evidence: assertion.evidence,
    status,
    revoked: assertion.revokedAt !== null,
    revokedAt: assertion.revokedAt,
    revocationReason: assertion.revocationReason,
    bakedPngUrl: urls.bakedPng(assertion.id),
    bakedSvgUrl: hasSvg ? urls.bakedSvg(assertion.id) : null,
    // The same award as a signed Open Badges 3.0 credential (signed when first fetched).
    credentialUrl: urls.credential(assertion.id),
    bakedCredentialPngUrl: urls.bakedCredentialPng(assertion.id),
    bakedCredentialSvgUrl: hasSvg ? urls.bakedCredentialSvg(assertion.id) : null,
    createdAt: assertion.createdAt,
  };
}

/** The API takes one recipient object, or an array under `recipients` for many in one call. */
function toAwardInput(body: Record<string, unknown>) {
  const { recipient, recipients, notify: _notify, ...rest } = body;
  return { ...rest, recipients: recipients ?? (recipient === undefined ? [] : [recipient]) };
}

export function assertionApi(services: Services) {
  const { assertions, badgeClasses, ctx } = services;
  const resource = (a: Assertion, hasSvg: boolean) => assertionResource(a, ctx.urls, hasSvg, assertions.statusOf(a));

  return {
    list(req: Request, res: Response) {
      const { badge } = badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, 'awarder');
      const search = typeof req.query.q === 'string' ? req.query.q : '';
      const page = assertions.listForBadge(badge.id, { ...listQuery(req), search });
      res.json({ items: page.items.map((a) => resource(a, badge.hasSvg)), nextCursor: page.nextCursor });
    },

    create(req: Request, res: Response) {
      const body = jsonBody(req);
      const awarded = assertions.award(String(req.params.badgeId), currentUser(req).id, toAwardInput(body), { notify: body.notify === true });
      const badge = badgeClasses.findPublic(String(req.params.badgeId))!;
      if (body.recipients !== undefined) {
        res.status(201).json({ items: awarded.map((a) => resource(a, badge.hasSvg)) });
        return;
      }
      res.status(201).location(`/api/v1/assertions/${awarded[0]!.id}`).json(resource(awarded[0]!, badge.hasSvg));
    },

    get(req: Request, res: Response) {
      const { assertion, badge } = assertions.requireAssertion(String(req.params.assertionId), currentUser(req).id, 'awarder');
      res.json(resource(assertion, badge.hasSvg));
    },

    revoke(req: Request, res: Response) {
      const id = String(req.params.assertionId);
      const { badge } = assertions.requireAssertion(id, currentUser(req).id, 'awarder');
      assertions.revoke([id], currentUser(req).id, jsonBody(req));
      res.json(resource(assertions.findPublic(id)!, badge.hasSvg));
    },
  };
}
