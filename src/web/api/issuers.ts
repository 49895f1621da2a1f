import type { Request, Response } from 'express';
import type { Issuer, Role } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { uploadFromDataUri } from '../../services/uploads.js';
import { currentUser } from '../auth.js';
import { jsonBody, listQuery } from './common.js';
import type { PublicUrls } from '../../openbadges/documents.js';

export function issuerResource(issuer: Issuer, urls: PublicUrls, role?: Role) {
  return {
    id: issuer.id,
    openBadgeId: urls.issuer(issuer.id),
    name: issuer.name,
    url: issuer.url,
    email: issuer.email,
    description: issuer.description,
    image: issuer.hasImage ? urls.issuerImage(issuer.id) : null,
    signedAssertions: issuer.signedAssertions,
    ...(role ? { role } : {}),
    createdAt: issuer.createdAt,
    updatedAt: issuer.updatedAt,
  };
}

function imageOf(body: Record<string, unknown>) {
  const { image, ...fields } = body;
  if (image === undefined || image === null) return { fields, upload: null };
  return { fields, upload: uploadFromDataUri(typeof image === 'string' ? image : '', 'image') };
}

export function issuerApi(services: Services) {
  const { issuers, ctx } = services;
  return {
    list(req: Request, res: Response) {
      const page = issuers.listForUser(currentUser(req).id, listQuery(req));
      res.json({ items: page.items.map((i) => issuerResource(i, ctx.urls, i.role)), nextCursor: page.nextCursor });
    },

    async create(req: Request, res: Response) {
      const { fields, upload } = imageOf(jsonBody(req));
      const issuer = await issuers.create(currentUser(req).id, fields, upload);
      res.status(201).location(`/api/v1/issuers/${issuer.id}`).json(issuerResource(issuer, ctx.urls, 'owner'));
    },

    get(req: Request, res: Response) {
      const { issuer, role } = issuers.requireRole(String(req.params.issuerId), currentUser(req).id, 'awarder');
      res.json(issuerResource(issuer, ctx.urls, role));
    },

    async update(req: Request, res: Response) {
      const { fields, upload } = imageOf(jsonBody(req));
      const issuer = await issuers.update(String(req.params.issuerId), currentUser(req).id, fields, upload);
      res.json(issuerResource(issuer, ctx.urls, 'owner'));
    },
  };
}
