import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.js';
import type { Claim } from '../../repos/claims.js';
import type { WorkshopSession } from '../../repos/workshop-sessions.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody, listQuery } from './common.js';

/*
 * Workshop claim sessions over the JSON API: the same service calls as the facilitator's pages (src/web/pages/workshops.ts).
 * The claim code is returned in bodies (never logged); it appears in a URL only on the learner's /claim pages.
 */

/** A learner's claim as an awarder sees it through the API: never the private link (nor its hash), nor the email itself. */
export function claimResource(c: Claim, publicUrl: string) {
  return {
    id: c.id,
    name: c.name,
    hasEmail: c.email !== null,
    status: c.status,
    assertionId: c.assertionId,
    assertionUrl: c.assertionId ? `${publicUrl}/assertions/${c.assertionId}` : null,
    createdAt: c.createdAt,
    decidedAt: c.decidedAt,
  };
}

export function workshopApi(services: Services) {
  const { workshops, badgeClasses, ctx } = services;
  const base = ctx.config.publicUrl;

  const resource = (s: WorkshopSession, counts: { claimCount: number; pendingCount: number }) => ({
    id: s.id,
    url: `${base}/api/v1/sessions/${s.id}`,
    badgeId: s.badgeClassId,
    issuerId: s.issuerId,
    title: s.title,
    code: s.code,
    displayCode: workshops.displayCode(s.code),
    claimUrl: `${base}/claim/${s.code}`,
    projectorUrl: `${base}/manage/sessions/${s.id}/projector`,
    manageUrl: `${base}/manage/sessions/${s.id}`,
    wallUrl: s.wall ? `${base}/sessions/${s.id}/wall` : null,
    status: workshops.stateOf(s),
    closesAt: s.closesAt,
    closedAt: s.closedAt,
    maxClaims: s.maxClaims,
    autoApprove: s.autoApprove,
    notify: s.notify,
    wall: s.wall,
    claimCount: counts.claimCount,
    pendingCount: counts.pendingCount,
    createdAt: s.createdAt,
  });

  const withClaims = (s: WorkshopSession) => {
    const claims = workshops.roster(s.id);
    const counts = { claimCount: claims.length, pendingCount: claims.filter((c) => c.status === 'pending').length };
    return { ...resource(s, counts), claims: claims.map((c) => claimResource(c, base)) };
  };

  /** The session (404 for non-members, as on the pages) and one of its claims (404 if it belongs to another session). */
  function sessionClaim(req: Request) {
    const { session } = workshops.requireSession(String(req.params.sessionId), currentUser(req).id);
    const claim = workshops.roster(session.id).find((c) => c.id === String(req.params.claimId));
    if (!claim) throw notFound('Claim');
    return { session, claim };
  }

  /** After a decision: the claim as it now stands; 409 if it had already been decided the other way. */
  function decided(res: Response, sessionId: string, claimId: string, wanted: Claim['status']) {
    const claim = workshops.roster(sessionId).find((c) => c.id === claimId)!;
    if (claim.status !== wanted) {
      throw new AppError(409, 'already_decided', `This claim was already ${claim.status === 'approved' ? 'approved' : 'declined'}.`);
    }
    res.json(claimResource(claim, base));
  }

  return {
    /** POST /api/v1/badges/{badgeId}/sessions — the session form's fields: {title, closesInMinutes, maxClaims?, autoApprove?, wall?, notify?}. */
    create(req: Request, res: Response) {
      const session = workshops.create(String(req.params.badgeId), currentUser(req).id, jsonBody(req));
      res.status(201).location(`/api/v1/sessions/${session.id}`).json(resource(session, { claimCount: 0, pendingCount: 0 }));
    },

    /** GET /api/v1/badges/{badgeId}/sessions — this badge's sessions, newest first, paged like every list. */
    list(req: Request, res: Response) {
      const { badge } = badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, 'awarder');
      const page = workshops.listForBadge(badge, listQuery(req));
      res.json({ items: page.items.map((s) => resource(s, s)), nextCursor: page.nextCursor });
    },

    /** GET /api/v1/sessions/{sessionId} — the session and its claims. */
    get(req: Request, res: Response) {
      const { session } = workshops.requireSession(String(req.params.sessionId), currentUser(req).id);
      res.set('Cache-Control', 'no-store').json(withClaims(session));
    },

    approve(req: Request, res: Response) {
      const { session, claim } = sessionClaim(req);
      workshops.approve(session.id, currentUser(req).id, [claim.id]);
      decided(res, session.id, claim.id, 'approved');
    },

    decline(req: Request, res: Response) {
      const { session, claim } = sessionClaim(req);
      workshops.reject(session.id, currentUser(req).id, [claim.id]);
      decided(res, session.id, claim.id, 'rejected');
    },

    close(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      workshops.close(sessionId, currentUser(req).id);
      res.json(withClaims(workshops.requireSession(sessionId, currentUser(req).id).session));
    },
  };
}
