import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { AppError, unauthorized } from '../errors.js';
import type { User } from '../repos/users.js';
import type { AccountsService } from '../services/accounts.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: string;
      email: string;
      isAdmin: boolean;
    }
  }
}

/** One passport instance per app, so tests can build several apps side by side. */
export type KilnPassport = ReturnType<typeof createPassport>;

const KNOWN_BROWSER_COOKIE = 'kiln.known';

/**
 * A browser that signed in to an account before carries a cookie (an HMAC of the account's email, sent only to
 * /login), so that account's login back-off never shuts out its owner's own browser (services/accounts.ts).
 */
export function knownBrowsers(secret: string, secure: boolean) {
  const key = crypto.createHmac('sha256', secret).update('kiln known-browser cookie').digest();
  const mark = (email: string) => crypto.createHmac('sha256', key).update(email.trim().toLowerCase()).digest('base64url');
  return {
    isKnown(req: Request, email: string): boolean {
      const value = /(?:^|;\s*)kiln\.known=([\w-]{43})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
      const expected = Buffer.from(mark(email));
      return value !== undefined && crypto.timingSafeEqual(Buffer.from(value), expected);
    },
    remember(res: Response, email: string): void {
      res.cookie(KNOWN_BROWSER_COOKIE, mark(email), { httpOnly: true, sameSite: 'lax', secure, path: '/login', maxAge: 180 * 86_400_000 });
    },
  };
}

/** Passed to the login page when the account is waiting out its back-off. */
export interface LoginInfo {
  retryAfterSeconds: number | null;
}

export function createPassport(accounts: AccountsService, known: ReturnType<typeof knownBrowsers>) {
  const instance = new passport.Passport();
  instance.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
      accounts
        .authenticate(email, password, { knownBrowser: known.isKnown(req, email) })
        .then(({ user, retryAfterSeconds }) => done(null, user ? publicUser(user) : false, { message: '', retryAfterSeconds } as LoginInfo & { message: string }), done);
    }),
  );
  instance.serializeUser((user, done) => done(null, user.id));
  instance.deserializeUser((id: string, done) => {
    const user = accounts.findUser(id);
    // A deleted account simply ends the session.
    done(null, user ? publicUser(user) : false);
  });
  return Object.assign(instance, { knownBrowsers: known });
}

const publicUser = (user: User): Express.User => ({ id: user.id, email: user.email, isAdmin: user.isAdmin });

export function currentUser(req: Request): Express.User {
  if (!req.user) throw unauthorized();
  return req.user;
}

/** Pages: anonymous visitors go to the login page and come back afterwards. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (req.method === 'GET') {
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  next(unauthorized());
}

export function requireAdmin(req: Request, _res: Response, next: NextFunction): void {
  if (req.user?.isAdmin) return next();
  next(req.user ? new AppError(403, 'forbidden', 'Only a site administrator can do that.') : unauthorized());
}

/** The JSON API authenticates by bearer token only, so cookies (and so CSRF) play no part in it. */
export function apiTokenAuth(accounts: AccountsService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? accounts.userForApiToken(match[1]!) : null;
    if (!user) return next(unauthorized());
    req.user = publicUser(user);
    next();
  };
}

const SITE = 'http://kiln.invalid';

/**
 * Only same-site paths, so a crafted ?next= cannot send someone elsewhere after login. Browsers drop tabs and
 * newlines from URLs and read `\` as `/`, so "/\t/host" and "/\\host" mean "//host"; an encoded slash, backslash
 * or percent right after the first slash becomes one for any layer that decodes once more. All are refused, and
 * what is left must still resolve to this site as a browser resolves a Location header.
 */
export function safeNext(value: unknown): string {
  const fallback = '/manage';
  if (typeof value !== 'string' || value.length > 2000) return fallback;
  if (!/^\/(?![/\\]|%(?:2f|5c|25))/i.test(value) || /[\x00-\x20\x7f\\]/.test(value)) return fallback;
  try {
    return new URL(value, SITE).origin === SITE ? value : fallback;
  } catch {
    return fallback;
  }
}
