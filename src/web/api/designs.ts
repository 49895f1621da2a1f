import type { Request, Response } from 'express';
import { AppError } from '../../errors.js';
import type { DesignView } from '../../services/designs.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody, listQuery, renameFields } from './common.js';

/** Design field errors are reported under `design.…`, the property the client sent them in. */
const DESIGN_FIELDS = ['shape', 'background', 'border', 'textColor', 'title', 'subtitle', 'icon', 'picture', 'ribbon', 'ribbonColor'];
const IN_DESIGN = Object.fromEntries(DESIGN_FIELDS.map((f) => [f, `design.${f}`]));

export function designResource(d: DesignView) {
  return {
    id: d.id,
    issuerId: d.issuerId,
    name: d.name,
    design: d.design,
    altText: d.altText,
    template: d.template,
    templateId: d.templateId,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

function format(req: Request): 'png' | 'svg' {
  const value = req.query.format;
  if (value === undefined || value === 'png') return 'png';
  if (value === 'svg') return 'svg';
  throw new AppError(400, 'bad_format', 'format must be png or svg.');
}

export function designApi(services: Services) {
  const { designs } = services;

  return {
    /** The body is the design itself; answers the image, nothing is stored. */
    async render(req: Request, res: Response) {
      const image = await designs.render(jsonBody(req), format(req));
      res.type(image.type).set('Cache-Control', 'no-store').send(image.body);
    },

    list(req: Request, res: Response) {
      const page = designs.listForIssuer(String(req.params.issuerId), currentUser(req).id, listQuery(req));
      res.json({ items: page.items.map(designResource), nextCursor: page.nextCursor });
    },

    templates(req: Request, res: Response) {
      const page = designs.listTemplates(listQuery(req));
      res.json({ items: page.items.map(designResource), nextCursor: page.nextCursor });
    },

    async create(req: Request, res: Response) {
      const body = jsonBody(req);
      const design = await designs
        .create(String(req.params.issuerId), currentUser(req).id, body, body.design ?? null)
        .catch((err: unknown) => renameFields(err, IN_DESIGN));
      res.status(201).location(`/api/v1/designs/${design.id}`).json(designResource(design));
    },

    get(req: Request, res: Response) {
      res.json(designResource(designs.readable(String(req.params.designId), currentUser(req).id)));
    },

    /** Partial: `name`, `altText`, a whole `design`, and `template` (true offers it in the template library). */
    async update(req: Request, res: Response) {
      const body = jsonBody(req);
      const design = await designs
        .update(String(req.params.designId), currentUser(req).id, body, body.design)
        .catch((err: unknown) => renameFields(err, IN_DESIGN));
      res.json(designResource(design));
    },
  };
}
