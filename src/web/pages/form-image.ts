import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import type { Upload } from '../../services/uploads.js';
import type { FormContext } from '../forms.js';
import { uploadOf } from './form-input.js';

/**
 * The image of a form with an image field: a file chosen now (kept server-side, in case the form comes back with
 * errors), else the one kept from the previous try (`keptImage`). Call after formContext; discard the kept image
 * with `discardKeptImage` once the service has used it.
 */
export async function formImage(services: Services, req: Request, res: Response): Promise<{ upload: Upload | null; keptId: string | null }> {
  const form = res.locals.form as FormContext;
  form.values = { ...form.values, keptImage: '' };
  const fresh = uploadOf(req);
  if (fresh) {
    const kept = await services.keptUploads.keep(req.sessionID, fresh);
    form.values.keptImage = kept.id ?? '';
    return { upload: kept.upload, keptId: kept.id };
  }
  const keptId = String((req.body as Record<string, unknown> | undefined)?.keptImage ?? '');
  const upload = keptId ? services.keptUploads.take(req.sessionID, keptId) : null;
  if (!upload) return { upload: null, keptId: null };
  form.values.keptImage = keptId;
  return { upload, keptId };
}

export function discardKeptImage(services: Services, req: Request, keptId: string | null): void {
  services.keptUploads.discard(req.sessionID, keptId);
}

/** GET /manage/kept-uploads/:keptId/image.png: the kept image's preview, to the session that uploaded it only. */
export function keptImagePages(services: Services) {
  return {
    preview(req: Request, res: Response) {
      const png = services.keptUploads.previewPng(req.sessionID, String(req.params.keptId));
      if (!png) {
        res.status(404).end();
        return;
      }
      res.type('image/png').set('Cache-Control', 'no-store').send(png);
    },
  };
}
