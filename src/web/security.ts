import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { AppError } from '../errors.js';

export function securityHeaders(publicUrl: string) {
  const https = publicUrl.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 15552000 } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const crossOrigin = () => new AppError(403, 'cross_origin', 'This request came from another site and was refused.');

/** Refuses state-changing requests that a browser marks as coming from another site. */
export function sameOriginOnly(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.get('sec-fetch-site') === 'cross-site') return next(crossOrigin());
    const origin = req.get('origin');
    if (origin !== undefined && origin !== publicOrigin && origin !== `${req.protocol}://${req.get('host')}`) {
      return next(crossOrigin());
    }
    next();
  };
}

export function createCsrf() {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
    },
  });
  return {
    protect: (req: Request, res: Response, next: NextFunction): void => {
      if (SAFE_METHODS.has(req.method)) return next();
      csrfSynchronisedProtection(req, res, (err?: unknown) =>
        next(err ? new AppError(403, 'csrf_invalid', 'This form has expired. Go back, reload the page and try again.') : undefined),
      );
    },
    /** Exposed to views as a function, so a session is only created for pages that show a form. */
    locals: (req: Request, res: Response, next: NextFunction): void => {
      res.locals.csrfToken = () => generateToken(req);
      next();
    },
  };
}
