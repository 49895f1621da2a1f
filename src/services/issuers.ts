import crypto from 'node:crypto';
import { z } from 'zod';
import { forbidden, notFound, ValidationError } from '../errors.js';
import { issuerProfileJson } from '../openbadges/documents.js';
import { publicKeyUrl, withSigningKeys } from '../openbadges/signed.js';
import type { Issuer, Role } from '../repos/issuers.js';
import type { PageQuery } from '../repos/pagination.js';
import type { ServiceContext } from './context.js';
import { keysService, type KeysService } from './keys.js';
import { normaliseUpload, type Upload } from './uploads.js';
import { email, httpUrl, parseInput, text } from './validation.js';

export const IssuerInput = z.object({
  name: text.required('Name', 200),
  url: httpUrl('Website'),
  email: email('Contact email'),
  description: text.optional(5000),
  // Signed Open Badges 2.0: baked badges carry an RS256 JWS (src/services/signed-assertions.ts).
  signedAssertions: z.boolean('Send signedAssertions as true or false.').optional(),
});
export type IssuerInput = z.infer<typeof IssuerInput>;

export const ROLES = ['owner', 'editor', 'awarder'] as const;
const rank: Record<Role, number> = { owner: 3, editor: 2, awarder: 1 };

export const MemberInput = z.object({
  email: email(),
  role: z.enum(ROLES, 'Choose owner, editor or awarder.'),
});

export function issuersService(ctx: ServiceContext, keys: KeysService = keysService(ctx)) {
  const { repos, db } = ctx;

  /** Non-members get 404 (the object may as well not exist); members below the role get 403. */
  function requireRole(issuerId: string, userId: string, atLeast: Role): { issuer: Issuer; role: Role } {
    const issuer = repos.issuers.findById(issuerId);
    const role = issuer ? repos.issuers.roleOf(issuerId, userId) : null;
    if (!issuer || !role) throw notFound('Issuer');
    if (rank[role] < rank[atLeast]) throw forbidden(`Only an issuer ${atLeast} can do that.`);
    return { issuer, role };
  }

  return {
    requireRole,
    hasRole: (role: Role, atLeast: Role) => rank[role] >= rank[atLeast],
    findPublic: (id: string) => repos.issuers.findById(id),
    listForUser: (userId: string, page: PageQuery) => repos.issuers.listForUser(userId, page),
    /** Where a new facilitator stands: an issuer, a badge, an award (the dashboard ticks them off). */
    firstSteps: (userId: string) => repos.issuers.firstSteps(userId),
    /** How many badges and awards the issuer has (its page's summary line). */
    counts: (issuerId: string) => repos.issuers.counts(issuerId),
    members: (issuerId: string) => repos.issuers.members(issuerId),
    image: (issuerId: string) => repos.issuers.imagePng(issuerId),
    profileJson: (issuer: Issuer) => {
      const rsa = keys.rsaKey(issuer.id);
      return withSigningKeys(issuerProfileJson(issuer, ctx.urls), rsa ? [publicKeyUrl(ctx.urls, issuer.id, rsa.id)] : [], ctx.urls.revocations(issuer.id));
    },

    async create(userId: string, raw: unknown, upload?: Upload | null): Promise<Issuer> {
      const input = parseInput(IssuerInput, raw);
      const image = upload ? await normaliseUpload(upload, 'image') : null;
      const id = crypto.randomUUID();
      const now = ctx.now().toISOString();
      // Every issuer signs its Open Badges 3.0 credentials with its own key, made with it.
      const key = await keys.generate(id, now);
      const rsa = input.signedAssertions ? await keys.generateRsa(id, now) : null;
      db.transaction(() => {
        repos.issuers.insert({ id, ...input, imagePng: image?.png ?? null, imageSvg: image?.svg ?? null, now });
        keys.store(key);
        if (rsa) {
          keys.storeRsa(rsa);
          repos.issuers.setSignedAssertions(id, true, now);
        }
        repos.issuers.addMember(id, userId, 'owner', now);
      })();
      return repos.issuers.findById(id)!;
    },

    async update(issuerId: string, userId: string, raw: unknown, upload?: Upload | null): Promise<Issuer> {
      const { issuer } = requireRole(issuerId, userId, 'owner');
      const input = parseInput(IssuerInput.partial(), raw);
      const image = upload ? await normaliseUpload(upload, 'image') : null;
      const now = ctx.now().toISOString();
      // Signing first switched on: an RSA key of its own, made before the transaction (generation takes ~100 ms).
      const rsa = input.signedAssertions && !keys.rsaKey(issuerId) ? await keys.generateRsa(issuerId, now) : null;
      db.transaction(() => {
        repos.issuers.update(issuerId, { ...issuer, ...input }, now);
        if (image) repos.issuers.setImage(issuerId, image.png, image.svg, now);
        if (rsa) keys.storeRsa(rsa);
        if (input.signedAssertions !== undefined) repos.issuers.setSignedAssertions(issuerId, input.signedAssertions, now);
      })();
      return repos.issuers.findById(issuerId)!;
    },

    addMember(issuerId: string, userId: string, raw: unknown): void {
      requireRole(issuerId, userId, 'owner');
      const input = parseInput(MemberInput, raw);
      const member = repos.users.findByEmail(input.email);
      if (!member) throw new ValidationError({ email: 'No Kiln account uses this email. Ask them to sign up first.' });
      if (repos.issuers.roleOf(issuerId, member.id)) throw new ValidationError({ email: 'This person is already a member.' });
      repos.issuers.addMember(issuerId, member.id, input.role, ctx.now().toISOString());
    },

    changeRole(issuerId: string, userId: string, memberId: string, raw: unknown): void {
      requireRole(issuerId, userId, 'owner');
      const { role } = parseInput(MemberInput.pick({ role: true }), raw);
      db.transaction(() => {
        const current = repos.issuers.roleOf(issuerId, memberId);
        if (!current) throw notFound('Member');
        if (current === 'owner' && role !== 'owner' && repos.issuers.ownerCount(issuerId) === 1) {
          throw new ValidationError({ role: 'An issuer always keeps an owner: make someone else owner first.' });
        }
        repos.issuers.setRole(issuerId, memberId, role);
      })();
    },

    removeMember(issuerId: string, userId: string, memberId: string): void {
      requireRole(issuerId, userId, 'owner');
      db.transaction(() => {
        const current = repos.issuers.roleOf(issuerId, memberId);
        if (!current) throw notFound('Member');
        if (current === 'owner' && repos.issuers.ownerCount(issuerId) === 1) {
          throw new ValidationError({ member: 'An issuer always keeps an owner: make someone else owner first.' });
        }
        repos.issuers.removeMember(issuerId, memberId);
      })();
    },
  };
}

export type IssuersService = ReturnType<typeof issuersService>;
