import type { Request, Response } from 'express';
import { ValidationError } from '../../errors.js';
import type { PublicUrls } from '../../openbadges/documents.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Services } from '../../services/index.js';
import { uploadFromDataUri } from '../../services/uploads.js';
import { currentUser } from '../auth.js';
import { jsonBody, listQuery, renameFields } from './common.js';

const API_NAMES = { criteriaNarrative: 'criteria.narrative', criteriaUrl: 'criteria.url' };

export function badgeClassResource(badge: BadgeClass, urls: PublicUrls, locked: boolean) {
  return {
    id: badge.id,
    openBadgeId: urls.badge(badge.id),
    issuerId: badge.issuerId,
    name: badge.name,
    description: badge.description,
    image: urls.badgeImage(badge.id),
    imageSvg: badge.hasSvg ? urls.badgeImageSvg(badge.id) : null,
    imageCaption: badge.imageCaption,
    criteria: { narrative: badge.criteriaNarrative || null, url: badge.criteriaUrl },
    tags: badge.tags,
    alignments: badge.alignments,
    expiresAfterDays: badge.expiresAfterDays,
    archived: badge.archivedAt !== null,
    locked,
    createdAt: badge.createdAt,
    updatedAt: badge.updatedAt,
  };
}

/** The API's nested `criteria` becomes the service's flat fields; only keys that were sent are passed (PATCH). */
function toServiceInput(body: Record<string, unknown>) {
  const { image, criteria, design, ...rest } = body;
  const input: Record<string, unknown> = { ...rest };
  if (image !== undefined && design !== undefined) throw new ValidationError({ design: 'Send either image or design, not both.' });
  if (criteria !== undefined) {
    if (typeof criteria !== 'object' || criteria === null || Array.isArray(criteria)) {
      throw new ValidationError({ criteria: 'criteria must be an object: {"narrative": "…", "url": "https://…"}.' });
    }
    const c = criteria as Record<string, unknown>;
    if ('narrative' in c) input.criteriaNarrative = c.narrative ?? '';
    if ('url' in c) input.criteriaUrl = c.url ?? null;
  }
  const upload = image === undefined || image === null ? null : uploadFromDataUri(typeof image === 'string' ? image : '', 'image');
  return { input, upload, imageGiven: image !== undefined, design };
}

export function badgeClassApi(services: Services) {
  const { badgeClasses, issuers, ctx } = services;
  const resource = (badge: BadgeClass) => badgeClassResource(badge, ctx.urls, badgeClasses.isLocked(badge.id));

  return {
    listForIssuer(req: Request, res: Response) {
      const { issuer } = issuers.requireRole(String(req.params.issuerId), currentUser(req).id, 'awarder');
      const page = badgeClasses.listForIssuer(issuer.id, { ...listQuery(req), includeArchived: true });
      res.json({ items: page.items.map(resource), nextCursor: page.nextCursor });
    },

    async create(req: Request, res: Response) {
      const badge = await (async () => {
        const { input, upload, design } = toServiceInput(jsonBody(req));
        const drawn = design !== undefined ? await services.designs.badgeImageFrom(design) : null;
        if (drawn && input.imageCaption === undefined) input.imageCaption = drawn.altText;
        return badgeClasses.create(String(req.params.issuerId), currentUser(req).id, input, upload ?? drawn?.upload ?? null);
      })().catch((err: unknown) => renameFields(err, API_NAMES));
      res.status(201).location(`/api/v1/badges/${badge.id}`).json(resource(badge));
    },

    get(req: Request, res: Response) {
      const { badge } = badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, 'awarder');
      res.json(resource(badge));
    },

    async update(req: Request, res: Response) {
      const badge = await (async () => {
        const { input, upload, design } = toServiceInput(jsonBody(req));
        const drawn = design !== undefined ? await services.designs.badgeImageFrom(design) : null;
        return badgeClasses.update(String(req.params.badgeId), currentUser(req).id, input, upload ?? drawn?.upload ?? null);
      })().catch((err: unknown) => renameFields(err, API_NAMES));
      res.json(resource(badge));
    },

    /** Answers the badge as it was, as the other calls on this resource do. */
    remove(req: Request, res: Response) {
      const { badge } = badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, 'editor');
      const gone = resource(badge);
      badgeClasses.remove(badge.id, currentUser(req).id);
      res.json(gone);
    },
  };
}
