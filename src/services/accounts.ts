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

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
let dummyHash: Promise<string> | null = null;
const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

export function accountsService(ctx: ServiceContext) {
  const { repos, db } = ctx;

  function insertUser(emailAddress: string, passwordHash: string, isAdmin: boolean): User {
    const user: User = { id: crypto.randomUUID(), email: emailAddress, passwordHash, isAdmin, createdAt: ctx.now().toISOString() };
    repos.users.insert(user);
    return user;
  }

  // The first account ever is always allowed: it becomes the site admin.
  const signupOpenTo = (): 'open' | 'invite' | 'closed' => (repos.users.count() === 0 ? 'open' : ctx.config.signup);

  return {
    signupOpenTo,

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
        const mode = signupOpenTo();
        if (mode === 'closed') refuse(mode);
        if (repos.users.findByEmail(input.email)) {
          throw new ValidationError({ email: 'An account with this email already exists. Sign in instead.' });
        }
        const user = insertUser(input.email, passwordHash, repos.users.count() === 0);
        if (mode === 'invite' && !repos.invitations.markUsed(invitationHash, user.id, user.createdAt)) refuse(mode);
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
        return insertUser(input.email, passwordHash, input.admin || repos.users.count() === 0);
      })();
    },

    /** null for any failure: callers show one generic message. */
    async authenticate(emailAddress: string, plain: string): Promise<User | null> {
      const user = repos.users.findByEmail(emailAddress.trim().toLowerCase());
      if (!user) {
        dummyHash ??= hash('not-a-real-password');
        await verify(await dummyHash, plain);
        return null;
      }
      return (await verify(user.passwordHash, plain)) ? user : null;
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
      repos.apiTokens.markUsed(record.id, ctx.now().toISOString());
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
