import type { Request } from 'express';
import type { Services } from '../../services/index.js';
import type { Upload } from '../../services/uploads.js';
import { currentUser } from '../auth.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * Starting values for a new badge form: `?fromCanvas=` fills it from a Badge Canvas plan, `?design=` picks a saved
 * design (or published template) as its image, with the design's alt text as the caption.
 */
export function badgeFormStart(services: Services, req: Request, issuerId: string): Record<string, unknown> {
  const userId = currentUser(req).id;
  const canvasId = str(req.query.fromCanvas);
  const designId = str(req.query.design);
  const fromCanvas = canvasId ? services.canvases.badgeFormValues(canvasId, issuerId, userId) : {};
  const design = designId ? services.designs.readable(designId, userId) : null;
  return { ...fromCanvas, ...(design ? { designId: design.id, imageCaption: design.altText } : {}) };
}

/** The chosen saved design as the badge image, when the form names one and no file was uploaded. */
export async function designUploadOf(services: Services, req: Request): Promise<Upload | null> {
  const designId = str((req.body as Record<string, unknown> | undefined)?.designId);
  if (!designId) return null;
  const design = services.designs.readable(designId, currentUser(req).id);
  return (await services.designs.badgeImage(design.design, design.altText)).upload;
}
