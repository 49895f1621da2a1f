import type { Request } from 'express';
import type { BadgeClass } from '../../repos/badge-classes.js';
import { ValidationError } from '../../errors.js';
import type { Upload } from '../../services/uploads.js';

type Body = Record<string, unknown>;

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const blankToNull = (v: unknown) => (str(v).trim() === '' ? null : str(v));

/** The uploaded image of a multipart form, if one was chosen (a chosen empty file is refused, not ignored). */
export function uploadOf(req: Request): Upload | null {
  if (req.res?.locals.uploadTooLarge) throw new ValidationError({ image: 'The image file is too large: at most 5 MB.' });
  // Multer keeps only parts with a file name: "no file chosen" never reaches here.
  return req.file ? { bytes: req.file.buffer, type: req.file.mimetype } : null;
}

/** Alignment rows arrive as alignments[i][field]; wholly empty rows are the spare ones the form always shows. */
function alignmentRows(value: unknown): Array<Record<string, string>> {
  const rows = Array.isArray(value) ? value : typeof value === 'object' && value ? Object.values(value) : [];
  return rows
    .filter((row): row is Body => typeof row === 'object' && row !== null)
    .map((row) => ({
      targetName: str(row.targetName),
      targetUrl: str(row.targetUrl),
      targetDescription: str(row.targetDescription),
      targetFramework: str(row.targetFramework),
      targetCode: str(row.targetCode),
    }))
    .filter((row) => Object.values(row).some((v) => v.trim() !== ''));
}

/** Maps the badge class form onto the service's input shape. */
export function badgeClassFormInput(body: Body) {
  const days = str(body.expiresAfterDays).trim();
  return {
    name: str(body.name),
    description: str(body.description),
    imageCaption: str(body.imageCaption),
    criteriaNarrative: str(body.criteriaNarrative),
    criteriaUrl: blankToNull(body.criteriaUrl),
    tags: str(body.tags)
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    alignments: alignmentRows(body.alignments),
    expiresAfterDays: days === '' ? null : /^\d+$/.test(days) ? Number(days) : Number.NaN,
  };
}

/** The form's values for re-rendering: what was typed, with alignment rows kept. */
export function badgeClassFormValues(body: Body) {
  return { ...body, alignments: alignmentRows(body.alignments) };
}

export function badgeClassValues(badge: BadgeClass) {
  return {
    name: badge.name,
    description: badge.description,
    imageCaption: badge.imageCaption,
    criteriaNarrative: badge.criteriaNarrative,
    criteriaUrl: badge.criteriaUrl ?? '',
    tags: badge.tags.join(', '),
    alignments: badge.alignments,
    expiresAfterDays: badge.expiresAfterDays === null ? '' : String(badge.expiresAfterDays),
  };
}

/** Query-string paging for HTML lists. */
export function pageQuery(req: Request, limit = 25) {
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : null;
  const search = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
  return { limit, cursor, search };
}
