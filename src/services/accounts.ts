import { hash, verify } from '@node-rs/argon2';
import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound, ValidationError } from '../errors.js';
import type { User } from '../repos/users.js';
import type { ServiceContext } from './context.js';
import { email, parseInput } from './validation.js';

const password = z.string().min(10, 'Use at least 10 characters.').max(200, 'At most 200 characters.');

export const SignUpInput = z.object({
  email: email(),
  password,
  invitation: z.string().trim().optional(),
});
export type SignUpInput = z.infer<typeof SignUpInput>;

export const PasswordChangeInput = z
  .object({ currentPassword: z.string().min(1, 'Enter your current password.'), newPassword: password, confirmPassword: z.string() })
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'The two new passwords differ.', path: ['confirmPassword'] });

export const TokenInput = z.object({ name: z.string().trim().min(1, 'Give the token a name.').max(100, 'At most 100 characters.') });

/** Failed logins an account may have before it must wait. */
export const LOGIN_FREE_FAILURES = 5;
const LOGIN_FIRST_WAIT_MS = 30_000;
const LOGIN_MAX_WAIT_MS = 15 * 60_000;
const LOGIN_FAILURES_FORGOTTEN_MS = 24 * 3_600_000;

/** How long an account waits after its nth failure: nothing within the budget, then 30 s doubling to 15 minutes. */
export function loginWaitMs(failures: number): number {
  if (failures <= LOGIN_FREE_FAILURES) return 0;
  return Math.min(LOGIN_MAX_WAIT_MS, LOGIN_FIRST_WAIT_MS * 2 ** Math.min(failures - LOGIN_FREE_FAILURES - 1, 20));
}
const backOffUntil = (failures: number, at: Date) => {
  const wait = loginWaitMs(failures);
  return wait === 0 ? null : new Date(at.getTime() + wait).toISOString();
};

/** A user, or none; `retryAfterSeconds` when the account is waiting out its back-off (no password was checked). */
export interface LoginResult {
  user: User | null;
  retryAfterSeconds: number | null;
}

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
let dummyHash: Promise<string> | null = null;
const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

export function accountsService(ctx: ServiceContext) {
  const { repos, db } = ctx;

  /** The account, admin when asked or when it is the first ever (decided by the insert). */
  function insertUser(emailAddress: string, passwordHash: string, admin: boolean): User {
    const user = { id: crypto.randomUUID(), email: emailAddress, passwordHash, isAdmin: admin, createdAt: ctx.now().toISOString() };
    return { ...user, isAdmin: repos.users.insertDecidingAdmin(user) };
  }

  // The first account ever is always allowed: it becomes the site admin.
  const signupOpenTo = (): 'open' | 'invite' | 'closed' => (repos.users.count() === 0 ? 'open' : ctx.config.signup);

  return {
    signupOpenTo,
    hasAccounts: () => repos.users.count() > 0,

    /**
     * Hashing the password takes tens of milliseconds and other requests run meanwhile, so what was checked before it
     * (sign-up open to whom, the invitation still unused, no account yet) is decided again inside the transaction that
     * writes the account: the invitation is used up there by a conditional update, and the first account is whichever
     * transaction finds the table empty. Only one of many concurrent requests can win either.
     */
    async signUp(raw: unknown): Promise<User> {
      const input = parseInput(SignUpInput, raw);
      const invitationHash = input.invitation ? sha256(input.invitation) : '';
      const refuse = (mode: 'open' | 'invite' | 'closed') => {
        if (mode === 'closed') throw new AppError(403, 'signup_closed', 'Sign-up is closed on this Kiln. Ask its administrator for an account.');
        if (mode === 'invite') throw new ValidationError({ invitation: 'This invitation code is not valid or has been used.' });
      };
      // An early answer for the common case, before the expensive hash; the decision itself comes below.
      const early = signupOpenTo();
      if (early === 'closed' || (early === 'invite' && !repos.invitations.isOpen(invitationHash))) refuse(early);
      const passwordHash = await hash(input.password);
      return db.transaction(() => {
        if (repos.users.findByEmail(input.email)) {
          throw new ValidationError({ email: 'An account with this email already exists. Sign in instead.' });
        }
        const configured = ctx.config.signup;
        // Whatever SIGNUP says, the first account gets in (as the admin), but only the one insert that finds no account.
        const first = { id: crypto.randomUUID(), email: input.email, passwordHash, createdAt: ctx.now().toISOString() };
        if (configured !== 'open' && repos.users.insertIfFirst(first)) return { ...first, isAdmin: true };
        if (configured === 'closed') refuse('closed');
        const user = insertUser(input.email, passwordHash, false);
        // The invitation is used up by a conditional update; when another request used it first, nothing is kept.
        if (configured === 'invite' && !repos.invitations.markUsed(invitationHash, user.id, user.createdAt)) refuse('invite');
        return user;
      })();
    },

    /** For the CLI: the site admin creates accounts whatever SIGNUP says. */
    async addUser(raw: { email: string; password: string; admin: boolean }): Promise<User> {
      const input = parseInput(z.object({ email: email(), password, admin: z.boolean() }), raw);
      if (repos.users.findByEmail(input.email)) throw new ValidationError({ email: 'An account with this email already exists.' });
      const passwordHash = await hash(input.password);
      return db.transaction(() => {
        if (repos.users.findByEmail(input.email)) throw new ValidationError({ email: 'An account with this email already exists.' });
        return insertUser(input.email, passwordHash, input.admin);
      })();
    },

    /**
     * A login attempt. Besides the per-address limit (routes.ts), each account has a failure budget: after
     * LOGIN_FREE_FAILURES failures the next ones make it wait, doubling from 30 s up to 15 minutes, and the count is
     * forgotten a day after the last failure. Unknown emails are counted exactly like known ones (same answers, same
     * work: one argon2 verify), so the budget tells nothing about which accounts exist. While an account waits, no
     * password is checked at all, except from a browser that signed in to it before (`knownBrowser`): an attacker can
     * slow an account down but never lock its owner out.
     */
    async authenticate(emailAddress: string, plain: string, options: { knownBrowser?: boolean } = {}): Promise<LoginResult> {
      const normalised = emailAddress.trim().toLowerCase();
      const key = sha256(`login:${normalised}`);
      const now = ctx.now();
      const budget = repos.loginFailures.find(key);
      if (budget?.blockedUntil && Date.parse(budget.blockedUntil) > now.getTime() && !options.knownBrowser) {
        return { user: null, retryAfterSeconds: Math.ceil((Date.parse(budget.blockedUntil) - now.getTime()) / 1000) };
      }
      const user = repos.users.findByEmail(normalised);
      let ok = false;
      if (!user) {
        dummyHash ??= hash('not-a-real-password');
        await verify(await dummyHash, plain);
      } else ok = await verify(user.passwordHash, plain);
      const at = ctx.now();
      if (ok) {
        repos.loginFailures.clear(key);
        return { user: user!, retryAfterSeconds: null };
      }
      db.transaction(() => {
        repos.loginFailures.prune(new Date(at.getTime() - LOGIN_FAILURES_FORGOTTEN_MS).toISOString());
        const failures = (repos.loginFailures.find(key)?.failures ?? 0) + 1;
        repos.loginFailures.save(key, { failures, lastFailureAt: at.toISOString(), blockedUntil: backOffUntil(failures, at) });
      })();
      return { user: null, retryAfterSeconds: null };
    },

    async changePassword(userId: string, raw: unknown): Promise<void> {
      const input = parseInput(PasswordChangeInput, raw);
      const user = repos.users.findById(userId);
      if (!user) throw notFound('Account');
      if (!(await verify(user.passwordHash, input.currentPassword))) {
        throw new ValidationError({ currentPassword: 'This is not your current password.' });
      }
      repos.users.setPasswordHash(user.id, await hash(input.newPassword));
    },

    findUser: (id: string) => repos.users.findById(id),
    findUserByEmail: (emailAddress: string) => repos.users.findByEmail(emailAddress.trim().toLowerCase()),

    /** The token is returned once; only its hash is stored. */
    createApiToken(userId: string, raw: unknown): { token: string; id: string } {
      const { name } = parseInput(TokenInput, raw);
      const token = `kiln_${crypto.randomBytes(32).toString('base64url')}`;
      const id = crypto.randomUUID();
      repos.apiTokens.insert({ id, userId, name, tokenHash: sha256(token), createdAt: ctx.now().toISOString() });
      return { token, id };
    },

    listApiTokens: (userId: string) => repos.apiTokens.listForUser(userId),

    revokeApiToken(userId: string, tokenId: string): void {
      if (!repos.apiTokens.revoke(tokenId, userId, ctx.now().toISOString())) throw notFound('Token');
    },

    userForApiToken(token: string): User | null {
      const record = repos.apiTokens.findActiveByHash(sha256(token));
      if (!record) return null;
      // "Last used" is shown to the day: written at most once a minute, not as one more commit (and fsync) per call.
      const now = ctx.now();
      if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= 60_000) repos.apiTokens.markUsed(record.id, now.toISOString());
      return repos.users.findById(record.userId);
    },

    createInvitation(adminId: string): string {
      const code = crypto.randomBytes(12).toString('base64url');
      repos.invitations.insert(crypto.randomUUID(), sha256(code), adminId, ctx.now().toISOString());
      return code;
    },
  };
}

export type AccountsService = ReturnType<typeof accountsService>;
