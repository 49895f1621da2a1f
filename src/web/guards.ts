import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../repos/issuers.js';
import type { Services } from '../services/index.js';
import { currentUser } from './auth.js';

/**
 * Loads the issuer or badge class named in the URL and checks the signed-in user's role on it:
 * 404 for non-members (as if it did not exist), 403 for members below the role.
 */
export function roleGuards(services: Services) {
  return {
    requireIssuerRole: (atLeast: Role) => (req: Request, res: Response, next: NextFunction) => {
      const { issuer, role } = services.issuers.requireRole(String(req.params.issuerId), currentUser(req).id, atLeast);
      res.locals.issuer = issuer;
      res.locals.role = role;
      next();
    },
    requireBadgeRole: (atLeast: Role) => (req: Request, res: Response, next: NextFunction) => {
      const { badge, issuer, role } = services.badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, atLeast);
      res.locals.badge = badge;
      res.locals.issuer = issuer;
      res.locals.role = role;
      next();
    },
  };
}
