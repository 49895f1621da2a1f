import type { NextFunction, Request, Response } from 'express';

import { AppError } from '../../errors.js';
import type { Services } from '../../services/index.js';
import { currentUser, safeNext, type KilnPassport, type LoginInfo } from '../auth.js';
import { formContext } from '../forms.js';
import { TIME_ZONES } from '../../services/preferences.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function accountPages(services: Services, passport: KilnPassport) {
  const { accounts } = services;

  function renderSettings(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    res.render('accounts/settings', { title: 'Account', tokens: accounts.listApiTokens(currentUser(req).id), newToken: null, timeZones: TIME_ZONES, ...extra });
  }

  /** Regenerates the session on login so a fixated session id is worthless. */
  function logIn(req: Request, user: Express.User): Promise<void> {
    return new Promise((resolve, reject) => req.login(user, (err) => (err ? reject(err) : resolve())));
  }

  return {
    signupForm(req: Request, res: Response) {
      res.render('accounts/signup', { title: 'Sign up', mode: accounts.signupOpenTo(), values: { invitation: req.query.invitation ?? '' } });
    },

    async signup(req: Request, res: Response) {
      const values = { email: body(req).email, invitation: body(req).invitation };
      formContext(res, 'accounts/signup', { title: 'Sign up', mode: accounts.signupOpenTo() }, values);
      const user = await accounts.signUp(body(req));
      await logIn(req, { id: user.id, email: user.email, isAdmin: user.isAdmin });
      await services.preferences.rememberBrowserZone(user.id, body(req).timeZone);
      res.redirect(303, '/manage');
    },

    loginForm(req: Request, res: Response) {
      res.render('accounts/login', { title: 'Sign in', next: safeNext(req.query.next), values: {} });
    },

    login(req: Request, res: Response, next: NextFunction) {
      passport.authenticate('local', (err: unknown, user: Express.User | false, info?: LoginInfo) => {
        if (err) return next(err);
        if (!user) {
          const waiting = info?.retryAfterSeconds ?? null;
          // One message whatever was wrong (401 so the rate limiter counts it); 429 while the account waits out its
          // back-off, the same for an email that has no account.
          if (waiting !== null) res.set('Retry-After', String(waiting));
          res.status(waiting !== null ? 429 : 401).render('accounts/login', {
            title: 'Sign in',
            next: safeNext(body(req).next),
            values: { email: body(req).email },
            formError:
              waiting !== null
                ? `Too many failed sign-ins for this account. Wait ${waiting > 90 ? `${Math.ceil(waiting / 60)} minutes` : `${waiting} seconds`} and try again, or sign in from a browser you have used for this account before.`
                : 'Email or password is incorrect.',
          });
          return;
        }
        passport.knownBrowsers.remember(res, user.email);
        logIn(req, user)
          .then(() => services.preferences.rememberBrowserZone(user.id, body(req).timeZone))
          .then(() => res.redirect(303, safeNext(body(req).next)), next);
      })(req, res, next);
    },

    logout(req: Request, res: Response, next: NextFunction) {
      req.logout((err) => {
        if (err) return next(err);
        req.session.regenerate((regenErr) => (regenErr ? next(regenErr) : res.redirect(303, '/')));
      });
    },

    tooManyAttempts(req: Request, _res: Response, next: NextFunction) {
      next(new AppError(429, 'rate_limited', 'Too many attempts. Wait a few minutes and try again.'));
      void req;
    },

    settings(req: Request, res: Response) {
      renderSettings(req, res, { saved: req.query.saved ?? null });
    },

    async changePassword(req: Request, res: Response) {
      formContext(res, 'accounts/settings', { title: 'Account', tokens: accounts.listApiTokens(currentUser(req).id), newToken: null, timeZones: TIME_ZONES }, {});
      await accounts.changePassword(currentUser(req).id, body(req));
      res.redirect(303, '/account?saved=password');
    },

    async chooseTimeZone(req: Request, res: Response) {
      const user = currentUser(req);
      formContext(res, 'accounts/settings', { title: 'Account', tokens: accounts.listApiTokens(user.id), newToken: null, timeZones: TIME_ZONES }, { timeZone: body(req).timeZone });
      await services.preferences.chooseTimeZone(user.id, body(req).timeZone);
      res.redirect(303, '/account?saved=time-zone');
    },

    createToken(req: Request, res: Response) {
      const user = currentUser(req);
      formContext(res, 'accounts/settings', { title: 'Account', tokens: accounts.listApiTokens(user.id), newToken: null, timeZones: TIME_ZONES }, body(req));
      const { token } = accounts.createApiToken(user.id, body(req));
      // Shown once, on this response only; never stored in the clear.
      res.set('Cache-Control', 'no-store');
      renderSettings(req, res, { newToken: token });
    },

    revokeToken(req: Request, res: Response) {
      accounts.revokeApiToken(currentUser(req).id, String(req.params.tokenId));
      res.redirect(303, '/account?saved=token-revoked');
    },

    admin(_req: Request, res: Response) {
      res.render('accounts/admin', { title: 'Site administration', invitation: null, signup: services.ctx.config.signup });
    },

    createInvitation(req: Request, res: Response) {
      const code = accounts.createInvitation(currentUser(req).id);
      res.set('Cache-Control', 'no-store');
      res.render('accounts/admin', {
        title: 'Site administration',
        invitation: `${services.ctx.config.publicUrl}/signup?invitation=${encodeURIComponent(code)}`,
        signup: services.ctx.config.signup,
      });
    },
  };
}
