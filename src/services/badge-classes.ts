import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, conflict, notFound, ValidationError } from '../errors.js';
import { badgeClassJson } from '../openbadges/documents.js';
import { endorsementUrl } from '../openbadges/endorsements.js';
import type { BadgeClass, BadgeClassWrite } from '../repos/badge-classes.js';
import type { PageQuery } from '../repos/pagination.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { normaliseUpload, type Upload } from './uploads.js';
import { httpUrl, parseInput, text } from './validation.js';

const AlignmentInput = z.object({
  targetName: text.required('Target name', 300),
  targetUrl: httpUrl('Target URL'),
  targetDescription: text.optional(2000),
  targetFramework: text.optional(300),
  targetCode: text.optional(100),
});

export const BadgeClassInput = z
  .object({
    name: text.required('Name', 200),
    description: text.required('Description', 5000),
    imageCaption: text.optional(500),
    criteriaNarrative: text.optional(20000),
    criteriaUrl: httpUrl('Criteria URL').nullable().default(null),
    tags: z.array(z.string().trim().min(1).max(60, 'Each tag at most 60 characters.')).max(30, 'At most 30 tags.').default([]),
    alignments: z.array(AlignmentInput).max(20, 'At most 20 alignments.').default([]),
    expiresAfterDays: z.number().int('Whole days only.').min(1, 'At least 1 day.').max(36500, 'At most 100 years.').nullable().default(null),
  })
  .refine((v) => v.criteriaNarrative !== '' || v.criteriaUrl !== null, {
    message: 'Describe the criteria, or give a criteria URL.',
    path: ['criteriaNarrative'],
  });
export type BadgeClassInput = z.infer<typeof BadgeClassInput>;

/** Fields that define what an award means: frozen once anyone holds the badge (openbadges-spec.md §1.3). */
const LOCKED_FIELDS = ['name', 'criteriaNarrative', 'criteriaUrl'] as const;

export function badgeClassesService(ctx: ServiceContext, issuers: IssuersService) {
  const { repos, db } = ctx;

  /** Loads a badge class the user may act on; 404 for anyone without a role on its issuer. */
  function requireBadge(badgeId: string, userId: string, atLeast: 'owner' | 'editor' | 'awarder') {
    const badge = repos.badgeClasses.findById(badgeId);
    if (!badge || badge.deletedAt) throw notFound('Badge');
    const { issuer, role } = issuers.requireRole(badge.issuerId, userId, atLeast);
    return { badge, issuer, role };
  }

  function awardCounts(badgeId: string) {
    return repos.assertions.countForBadge(badgeId);
  }

  return {
    requireBadge,
    awardCounts,
    isLocked: (badgeId: string) => awardCounts(badgeId).total > 0,
    findPublic(id: string) {
      const badge = repos.badgeClasses.findById(id);
      return badge && !badge.deletedAt ? badge : null;
    },
    findIncludingDeleted: (id: string) => repos.badgeClasses.findById(id),
    images: (id: string) => repos.badgeClasses.images(id),
    // Current endorsements (issue 8) are listed in the BadgeClass's `endorsement` property.
    json: (badge: BadgeClass) =>
      badgeClassJson(badge, ctx.urls, repos.endorsements.activeForBadge(badge.id).map((e) => endorsementUrl(ctx.config.publicUrl, e.id))),
    listForIssuer: (issuerId: string, page: PageQuery & { includeArchived?: boolean; search?: string }) =>
      repos.badgeClasses.listForIssuer(issuerId, page),

    async create(issuerId: string, userId: string, raw: unknown, upload: Upload | null): Promise<BadgeClass> {
      issuers.requireRole(issuerId, userId, 'editor');
      // Validate the fields and the image together so a form shows every problem at once.
      const fields = collect(() => parseInput(BadgeClassInput, raw));
      if (!upload) fields.errors.image = 'Choose an image: PNG, SVG, JPEG or WebP.';
      const image = upload ? await collectAsync(() => normaliseUpload(upload, 'image'), fields.errors) : null;
      if (Object.keys(fields.errors).length > 0 || !fields.value || !image) throw new ValidationError(fields.errors);
      const id = crypto.randomUUID();
      repos.badgeClasses.insert({ id, issuerId, ...fields.value, imagePng: image.png, imageSvg: image.svg, now: ctx.now().toISOString() });
      return repos.badgeClasses.findById(id)!;
    },

    async update(badgeId: string, userId: string, raw: unknown, upload: Upload | null): Promise<BadgeClass> {
      const { badge } = requireBadge(badgeId, userId, 'editor');
      const merged = { ...toWrite(badge), ...(raw as object) };
      const input = parseInput(BadgeClassInput, merged);
      const image = upload ? await normaliseUpload(upload, 'image') : null;
      const now = ctx.now().toISOString();
      db.transaction(() => {
        if (awardCounts(badgeId).total > 0) {
          const locked: Record<string, string> = {};
          for (const field of LOCKED_FIELDS) {
            if (input[field] !== badge[field]) locked[field] = 'Locked: this badge has been awarded. Duplicate it to change this.';
          }
          if (image) locked.image = 'Locked: this badge has been awarded. Duplicate it to change the image.';
          if (Object.keys(locked).length > 0) {
            throw new AppError(409, 'badge_locked', 'This badge has been awarded, so its name, criteria and image are locked.', locked);
          }
        }
        repos.badgeClasses.update(badgeId, input, now);
        if (image) repos.badgeClasses.setImage(badgeId, image.png, image.svg, now);
      })();
      return repos.badgeClasses.findById(badgeId)!;
    },

    duplicate(badgeId: string, userId: string): BadgeClass {
      const { badge } = requireBadge(badgeId, userId, 'editor');
      const images = repos.badgeClasses.images(badgeId)!;
      const id = crypto.randomUUID();
      repos.badgeClasses.insert({
        id,
        issuerId: badge.issuerId,
        ...toWrite(badge),
        name: `${badge.name} (copy)`.slice(0, 200),
        imagePng: images.png,
        imageSvg: images.svg,
        now: ctx.now().toISOString(),
      });
      return repos.badgeClasses.findById(id)!;
    },

    setArchived(badgeId: string, userId: string, archived: boolean): BadgeClass {
      requireBadge(badgeId, userId, 'editor');
      const now = ctx.now().toISOString();
      repos.badgeClasses.setArchived(badgeId, archived ? now : null, now);
      return repos.badgeClasses.findById(badgeId)!;
    },

    /** Refused while anyone holds it; with only revoked awards left it becomes a tombstone so their ids still answer. */
    remove(badgeId: string, userId: string): void {
      requireBadge(badgeId, userId, 'editor');
      db.transaction(() => {
        const counts = awardCounts(badgeId);
        if (counts.unrevoked > 0) {
          throw conflict(`This badge has ${counts.unrevoked} active award(s). Revoke them or archive the badge instead.`);
        }
        if (counts.total > 0) repos.badgeClasses.markDeleted(badgeId, ctx.now().toISOString());
        else repos.badgeClasses.remove(badgeId);
      })();
    },
  };
}

export function toWrite(badge: BadgeClass): BadgeClassWrite {
  return {
    name: badge.name,
    description: badge.description,
    imageCaption: badge.imageCaption,
    criteriaNarrative: badge.criteriaNarrative,
    criteriaUrl: badge.criteriaUrl,
    tags: badge.tags,
    alignments: badge.alignments,
    expiresAfterDays: badge.expiresAfterDays,
  };
}

function collect<T>(parse: () => T): { value: T | null; errors: Record<string, string> } {
  try {
    return { value: parse(), errors: {} };
  } catch (err) {
    if (err instanceof ValidationError) return { value: null, errors: { ...err.fields } };
    throw err;
  }
}

async function collectAsync<T>(run: () => Promise<T>, errors: Record<string, string>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ValidationError) {
      Object.assign(errors, err.fields);
      return null;
    }
    throw err;
  }
}

export type BadgeClassesService = ReturnType<typeof badgeClassesService>;
