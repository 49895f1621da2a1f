import type { Request, Response } from 'express';
import { ValidationError } from '../../errors.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import { CSV_COLUMNS } from '../../services/bulk-awards.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';

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
      res.render('bulk-awards/upload', { ...uploadLocals(badge, res.locals.issuer as Issuer), values: { notify: '1' } });
    },

    /** Checks every row and shows a preview; nothing is awarded until the preview is confirmed. */
    preview(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const locals = uploadLocals(badge, res.locals.issuer as Issuer);
      formContext(res, 'bulk-awards/upload', locals, { notify: body(req).notify === '1' ? '1' : '' });
      const upload = csvUpload(req);
      if (!upload) throw new ValidationError({ csv: 'Choose a CSV file to upload.' });
      const result = bulkAwards.preview(badge.id, currentUser(req).id, upload, body(req).notify === '1');
      res.render('bulk-awards/upload', { ...locals, values: {}, preview: result });
    },

    confirm(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const batch = bulkAwards.confirm(badge.id, String(req.params.batchId), currentUser(req).id);
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
        urls: ctx.urls,
      });
    },

    resultCsv(req: Request, res: Response) {
      const { batch, badge } = bulkAwards.requireBatch(String(req.params.badgeId), String(req.params.batchId), currentUser(req).id);
      const slug = badge.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'badge';
      res
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="awards-${slug}-${batch.id.slice(0, 8)}.csv"`)
        .send(`\uFEFF${bulkAwards.resultCsv(batch.id)}`);
    },
  };
}
