import type { Request } from 'express';
import type { Services } from '../../services/index.js';
import type { Upload } from '../../services/uploads.js';
import { currentUser } from '../auth.js';

declare module 'express-session' {
  interface SessionData {
    /** What was typed in a new badge form when its author went to the designer, to give back on return. */
    badgeDraft?: { issuerId: string; values: Record<string, unknown> };
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The fields of a badge form worth carrying to the designer and back (the file input cannot be carried). */
const DRAFT_FIELDS = ['name', 'description', 'criteriaNarrative', 'criteriaUrl', 'tags', 'expiresAfterDays', 'imageCaption', 'alignments'];

/** Keeps what was typed in the new badge form while its author designs the image. */
export function keepBadgeDraft(req: Request, issuerId: string, values: Record<string, unknown>): void {
  const kept = Object.fromEntries(DRAFT_FIELDS.filter((f) => values[f] !== undefined).map((f) => [f, values[f]]));
  req.session.badgeDraft = { issuerId, values: kept };
}

/**
 * Starting values for a new badge form: `?fromCanvas=` fills it from a Badge Canvas plan, `?draft=1` gives back what
 * was typed before going to the designer, `?design=` picks a saved design (or published template) as its image, with
 * the design's alt text as the caption and its name as the badge's name when none was typed.
 */
export function badgeFormStart(services: Services, req: Request, issuerId: string): Record<string, unknown> {
  const userId = currentUser(req).id;
  const canvasId = str(req.query.fromCanvas);
  const designId = str(req.query.design);
  const fromCanvas = canvasId ? services.canvases.badgeFormValues(canvasId, issuerId, userId) : {};
  const draft = req.query.draft === '1' && req.session.badgeDraft?.issuerId === issuerId ? req.session.badgeDraft.values : {};
  const start: Record<string, unknown> = { ...fromCanvas, ...draft };
  const design = designId ? services.designs.readable(designId, userId) : null;
  if (!design) return start;
  return {
    ...start,
    designId: design.id,
    name: str(start.name) || design.name,
    imageCaption: str(start.imageCaption) || design.altText,
  };
}

/** Saved designs offered inside the badge form, newest first; a chosen design from elsewhere (a template) is added. */
export function designChoices(services: Services, req: Request, issuerId: string, chosenId: unknown) {
  const userId = currentUser(req).id;
  const items = services.designs.listForIssuer(issuerId, userId, { limit: 24 }).items.map((d) => ({ id: d.id, name: d.name }));
  const chosen = str(chosenId);
  if (chosen && !items.some((d) => d.id === chosen)) {
    const design = services.designs.readableOrNull(chosen, userId);
    if (design) items.unshift({ id: design.id, name: design.name });
  }
  return items;
}

/** The chosen saved design as the badge image, when the form names one and no file was uploaded. */
export async function designUploadOf(services: Services, req: Request): Promise<Upload | null> {
  const designId = str((req.body as Record<string, unknown> | undefined)?.designId);
  if (!designId) return null;
  const design = services.designs.readable(designId, currentUser(req).id);
  return (await services.designs.badgeImage(design.design, design.altText)).upload;
}
