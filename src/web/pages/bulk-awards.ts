import type { Request, Response } from 'express';
import { notFound, ValidationError } from '../../errors.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import { CSV_COLUMNS } from '../../services/bulk-awards.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { sendCsv, slugOf } from '../csv-download.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** The uploaded CSV of a multipart form (field `csv`), if one was chosen. */
function csvUpload(req: Request): { bytes: Buffer; filename: string | null } | null {
  const file = (req.files as Record<string, Express.Multer.File[]> | undefined)?.csv?.[0];
  return file && file.size > 0 ? { bytes: file.buffer, filename: file.originalname || null } : null;
}

export function bulkAwardPages(services: Services) {
  const { bulkAwards, ctx } = services;

  const uploadLocals = (badge: BadgeClass, issuer: Issuer) => ({
    title: `Award “${badge.name}” from a CSV file`,
    badge,
    issuer,
    urls: ctx.urls,
    columns: CSV_COLUMNS,
    preview: null,
  });

  return {
    uploadForm(_req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      res.render('bulk-awards/upload', { ...uploadLocals(badge, res.locals.issuer as Issuer), values: { notify: '1', mode: 'all' } });
    },

    /** Checks every row and shows a preview; nothing is awarded until the preview is confirmed. */
    async preview(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const locals = uploadLocals(badge, res.locals.issuer as Issuer);
      const partial = body(req).mode === 'partial';
      formContext(res, 'bulk-awards/upload', locals, { notify: body(req).notify === '1' ? '1' : '', mode: partial ? 'partial' : 'all' });
      const upload = csvUpload(req);
      if (!upload) throw new ValidationError({ csv: 'Choose a CSV file to upload.' });
      const result = await bulkAwards.preview(badge.id, currentUser(req).id, upload, body(req).notify === '1', partial);
      res.render('bulk-awards/upload', { ...locals, values: {}, preview: result });
    },

    async confirm(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const batch = await bulkAwards.confirm(badge.id, String(req.params.batchId), currentUser(req).id);
      res.redirect(303, `/manage/badges/${badge.id}/award/bulk/${batch.id}`);
    },

    result(req: Request, res: Response) {
      const { batch, badge, issuer } = bulkAwards.requireBatch(String(req.params.badgeId), String(req.params.batchId), currentUser(req).id);
      const lines = batch.status === 'done' ? bulkAwards.resultLines(batch.id) : [];
      res.render('bulk-awards/result', {
        title: `Awarded “${badge.name}”`,
        badge,
        issuer,
        batch,
        lines: lines.slice(0, 200),
        total: lines.length,
        rejectedCount: batch.rejectedCount ?? 0,
        urls: ctx.urls,
      });
    },

    /** The lines a partial award refused, in the uploader's columns plus `error`, to fix and upload again. */
    rejectedCsv(req: Request, res: Response) {
      const { batch, badge } = bulkAwards.requireBatch(String(req.params.badgeId), String(req.params.batchId), currentUser(req).id);
      if (!batch.rejectedCsv) throw notFound('Refused lines');
      sendCsv(res, `to-fix-${slugOf(badge.name)}-${batch.id.slice(0, 8)}.csv`, batch.rejectedCsv);
    },

    template(_req: Request, res: Response) {
      sendCsv(res, `award-template-${slugOf((res.locals.badge as BadgeClass).name)}.csv`, bulkAwards.templateCsv());
    },

    resultCsv(req: Request, res: Response) {
      const { batch, badge } = bulkAwards.requireBatch(String(req.params.badgeId), String(req.params.batchId), currentUser(req).id);
      sendCsv(res, `awards-${slugOf(badge.name)}-${batch.id.slice(0, 8)}.csv`, bulkAwards.resultCsv(batch.id));
    },
  };
}
