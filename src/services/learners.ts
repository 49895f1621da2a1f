import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import { normaliseEmail } from '../openbadges/recipient.js';
import type { Collection, LearnerAward } from '../repos/learners.js';
import type { ServiceContext } from './context.js';
import { statusOf } from './assertions.js';
import type { MailService } from './mail.js';
import { email, parseInput, text } from './validation.js';

export const SIGN_IN_MINUTES = 15;
// More requests than this for one address in a window are dropped silently (the answer looks the same).
const MAX_LINKS_PER_WINDOW = 5;

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

export const SignInRequest = z.object({ email: email('Your email') });
export const CollectionInput = z.object({
  name: text.required('A name', 100),
  description: text.optional(1000),
});

const linkGone = () => new AppError(410, 'link_used', 'This sign-in link has expired or has already been used. Ask for a new one.');

/**
 * Learners have no accounts: an address proves itself by receiving a link. Asking for a link does exactly the same
 * work and gives exactly the same answer whether or not the address holds any awards, so it reveals nothing.
 */
export function learnersService(ctx: ServiceContext, mail: MailService) {
  const { repos, db } = ctx;

  function requireCollection(collectionId: string, owner: string): Collection {
    const collection = repos.learners.findCollection(collectionId);
    if (!collection || collection.ownerEmail !== owner) throw notFound('Collection');
    return collection;
  }

  return {
    requestSignIn(raw: unknown): void {
      const { email: address } = parseInput(SignInRequest, raw);
      const normalised = normaliseEmail(address);
      const now = ctx.now();
      const token = crypto.randomBytes(32).toString('base64url');
      db.transaction(() => {
        repos.learners.pruneSignIns(now.toISOString());
        const recent = repos.learners.countSignInsSince(normalised, new Date(now.getTime() - SIGN_IN_MINUTES * 60_000).toISOString());
        if (recent >= MAX_LINKS_PER_WINDOW) return;
        repos.learners.insertSignIn(sha256(token), normalised, new Date(now.getTime() + SIGN_IN_MINUTES * 60_000).toISOString(), now.toISOString());
        mail.enqueueSignIn(normalised, `${ctx.config.publicUrl}/learner/sign-in/${token}`);
      })();
    },

    /** Whether a link still works, without using it (the page with the "Sign in" button). */
    checkLink(token: string): boolean {
      return repos.learners.peekSignIn(sha256(token), ctx.now().toISOString()) !== null;
    },

    /** Uses the link up: the address it was sent to, or 410. */
    useLink(token: string): string {
      const address = repos.learners.useSignIn(sha256(token), ctx.now().toISOString());
      if (!address) throw linkGone();
      return address;
    },

    awards: (owner: string): LearnerAward[] => repos.learners.awardsFor(owner),

    requireAward(owner: string, assertionId: string): LearnerAward {
      const award = repos.learners.awardFor(assertionId, owner);
      if (!award) throw notFound('Badge');
      return award;
    },

    collections: (owner: string) => repos.learners.collectionsOf(owner),

    createCollection(owner: string, raw: unknown): Collection {
      const input = parseInput(CollectionInput, raw);
      const now = ctx.now().toISOString();
      const collection: Collection = { id: crypto.randomUUID(), ownerEmail: owner, name: input.name, description: input.description, createdAt: now, updatedAt: now };
      repos.learners.insertCollection(collection);
      return collection;
    },

    requireCollection,

    collectionItems: (collectionId: string) => repos.learners.collectionItems(collectionId),

    /** Name, description and which of the learner's own awards are in it, all at once. */
    updateCollection(owner: string, collectionId: string, raw: unknown, assertionIds: string[]): void {
      const collection = requireCollection(collectionId, owner);
      const input = parseInput(CollectionInput, raw);
      const own = new Set(repos.learners.awardsFor(owner).map((a) => a.id));
      // Someone else's award is refused, not skipped, so a crafted form changes nothing at all.
      if (assertionIds.some((id) => !own.has(id))) throw notFound('Badge');
      const wanted = new Set(assertionIds);
      const now = ctx.now().toISOString();
      db.transaction(() => {
        repos.learners.updateCollection(collection.id, input.name, input.description, now);
        for (const item of repos.learners.collectionItems(collection.id)) {
          if (!wanted.has(item.id)) repos.learners.removeFromCollection(collection.id, item.id);
        }
        for (const id of wanted) repos.learners.addToCollection(collection.id, id, now);
      })();
    },

    deleteCollection(owner: string, collectionId: string): void {
      repos.learners.deleteCollection(requireCollection(collectionId, owner).id);
    },

    /** The shareable page: revoked awards drop out of it. */
    publicCollection(collectionId: string) {
      const collection = repos.learners.findCollection(collectionId);
      if (!collection) throw notFound('Collection');
      // Revoked awards leave public pages; an expired one stays, marked as such.
      const items = repos.learners.collectionItems(collection.id).filter((a) => !a.revokedAt);
      return { collection, items: items.map((a) => ({ ...a, status: statusOf(a, ctx.now()) })) };
    },
  };
}

export type LearnersService = ReturnType<typeof learnersService>;
