import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import { AwardValidationError } from '../../services/assertions.js';
import { MAX_CSV_BYTES } from '../../services/bulk-awards.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';

const raw = express.raw({ type: 'text/csv', limit: MAX_CSV_BYTES });

/** The CSV body as bytes (so binary uploads can be told apart), or 415 for any other type. */
export function csvBody(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('text/csv')) {
    return next(new AppError(415, 'unsupported_media_type', 'Send the file as CSV with Content-Type: text/csv.'));
  }
  raw(req, res, next);
}

export function bulkAwardApi(services: Services) {
  const { bulkAwards } = services;
  return {
    /** 404 for anyone without a role on the badge, before the body is even read. */
    requireAwarder(req: Request, _res: Response, next: NextFunction): void {
      services.badgeClasses.requireBadge(String(req.params.badgeId), currentUser(req).id, 'awarder');
      next();
    },

    /** POST /api/v1/badges/{badgeId}/assertions/bulk?notify=true with a text/csv body: every row awarded, or none (422 by line). */
    async create(req: Request, res: Response) {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const flag = (v: unknown) => v === 'true' || v === '1';
      const notify = flag(req.query.notify);
      // ?partial=1: award the good lines; the bad ones come back in `rejected`, with a CSV of them to fix.
      const partial = flag(req.query.partial);
      let batch;
      try {
        batch = await bulkAwards.awardCsv(String(req.params.badgeId), currentUser(req).id, body, notify, partial);
      } catch (err) {
        if (err instanceof AwardValidationError) {
          throw new AppError(422, 'validation_failed', err.message, { csv: err.fields.csv, lines: err.lines });
        }
        throw err;
      }
      const items = bulkAwards.resultLines(batch.id).map((l) => ({
        line: l.line,
        id: l.assertionId,
        openBadgeId: l.awardUrl,
        recipient: { email: l.email, ...(l.name ? { name: l.name } : {}) },
        bakedPngUrl: l.bakedPngUrl,
      }));
      const rejected = partial ? { rejected: { count: batch.rejectedCount ?? 0, lines: batch.rejectedLines, csv: batch.rejectedCsv ?? null } } : {};
      res.status(201).json({ batchId: batch.id, count: batch.count, notify: batch.notify, items, badgeId: batch.badgeClassId, ...rejected });
    },
  };
}
