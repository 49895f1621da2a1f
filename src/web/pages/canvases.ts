import type { Request, Response } from 'express';
import type { Canvas } from '../../repos/canvases.js';
import type { Issuer } from '../../repos/issuers.js';
import { CANVAS_PROMPTS } from '../../services/canvases.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { pageQuery } from './form-input.js';

type Body = Record<string, unknown>;
const body = (req: Request) => (req.body ?? {}) as Body;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const rowsOf = (value: unknown): Body[] =>
  (Array.isArray(value) ? value : typeof value === 'object' && value ? Object.values(value) : []).filter(
    (row): row is Body => typeof row === 'object' && row !== null,
  );

/** The planner form as service input: empty spare rows dropped, the per-badge pathway selects read as links. */
export function canvasFormInput(b: Body) {
  const links = typeof b.pathwayBadges === 'object' && b.pathwayBadges !== null ? (b.pathwayBadges as Body) : {};
  return {
    name: str(b.name),
    description: str(b.description),
    audience: str(b.audience),
    components: rowsOf(b.components)
      .map((row) => ({ text: str(row.text), required: str(row.required) !== 'optional' }))
      .filter((row) => row.text.trim() !== ''),
    pathways: str(b.pathways),
    pathwayBadges: Object.entries(links)
      .filter(([, relation]) => str(relation) !== '')
      .map(([badgeId, relation]) => ({ badgeId, relation: str(relation) })),
    resources: str(b.resources),
    alignments: rowsOf(b.alignments)
      .map((row) => ({ targetName: str(row.targetName), targetUrl: str(row.targetUrl) }))
      .filter((row) => row.targetName.trim() !== '' || row.targetUrl.trim() !== ''),
    evidence: str(b.evidence),
    designId: str(b.designId) || null,
  };
}

/** What the form shows again: the parsed rows, so typed values survive a 400. */
function formValues(b: Body) {
  const input = canvasFormInput(b);
  return { ...input, pathwayBadges: Object.fromEntries(input.pathwayBadges.map((p) => [p.badgeId, p.relation])) };
}

function canvasValues(canvas: Canvas) {
  return { ...canvas, pathwayBadges: Object.fromEntries(canvas.pathwayBadges.map((p) => [p.badgeId, p.relation])) };
}

export function canvasPages(services: Services) {
  const { canvases, badgeClasses, designs } = services;

  function formLocals(issuer: Issuer, canvas: Canvas | null, userId: string) {
    return {
      title: canvas ? `Canvas: ${canvas.name}` : 'Plan a badge',
      issuer,
      canvas,
      prompts: CANVAS_PROMPTS,
      badges: badgeClasses.listForIssuer(issuer.id, { limit: 100 }).items,
      designs: designs.listForIssuer(issuer.id, userId, { limit: 100 }).items,
    };
  }

  return {
    list(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('canvas/list', {
        title: 'Badge canvases',
        issuer,
        canEdit: services.issuers.hasRole(res.locals.role, 'editor'),
        page: canvases.listForIssuer(issuer.id, currentUser(req).id, pageQuery(req, 50)),
      });
    },

    newForm(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('canvas/form', { ...formLocals(issuer, null, currentUser(req).id), values: { components: [], alignments: [], pathwayBadges: {} } });
    },

    create(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const userId = currentUser(req).id;
      formContext(res, 'canvas/form', formLocals(issuer, null, userId), formValues(body(req)));
      const canvas = canvases.create(issuer.id, userId, canvasFormInput(body(req)));
      res.redirect(303, `/manage/canvases/${canvas.id}?notice=saved`);
    },

    editForm(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const { canvas, issuer } = canvases.requireCanvas(String(req.params.canvasId), userId, 'editor');
      res.render('canvas/form', { ...formLocals(issuer, canvas, userId), values: canvasValues(canvas), notice: str(req.query.notice) });
    },

    update(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const { canvas, issuer } = canvases.requireCanvas(String(req.params.canvasId), userId, 'editor');
      formContext(res, 'canvas/form', formLocals(issuer, canvas, userId), formValues(body(req)));
      canvases.update(canvas.id, userId, canvasFormInput(body(req)));
      res.redirect(303, `/manage/canvases/${canvas.id}?notice=saved`);
    },

    /** The A3 sheet for workshop tables: the same content, laid out by canvas-print.css. */
    print(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const { canvas, issuer } = canvases.requireCanvas(String(req.params.canvasId), userId, 'awarder');
      const names = new Map(badgeClasses.listForIssuer(issuer.id, { limit: 500, includeArchived: true }).items.map((b) => [b.id, b.name]));
      res.render('canvas/print', { title: `Canvas: ${canvas.name}`, issuer, canvas, prompts: CANVAS_PROMPTS, badgeNames: names });
    },
  };
}
