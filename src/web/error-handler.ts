import type { NextFunction, Request, Response } from 'express';
import { MulterError } from 'multer';
import type { Logger } from 'pino';
import { AppError, ValidationError } from '../errors.js';
import type { FormContext } from './forms.js';
import { documentVariant } from './negotiate.js';

export const isApiRequest = (req: Request) => req.path.startsWith('/api/');

/** Everything a thrown value can mean, reduced to what the user may see. Unknown errors say nothing. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new AppError(413, 'too_large', 'The file is too large: at most 5 MB.');
    if (err.code === 'LIMIT_FIELD_VALUE') return new AppError(413, 'too_large', 'A field of the form is too long: at most 100,000 characters each. Nothing was saved.');
    return new AppError(400, 'bad_upload', 'The upload could not be read. Choose one image file and try again.');
  }
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError(413, 'too_large', 'The request body is too large.');
  if (type === 'parameters.too.many' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError(400, 'bad_request', 'The request body could not be read.');
  }
  // Another process holds the write lock past busy_timeout (a backup, a sqlite3 shell): nothing was written, and
  // trying again later works, so this is the server's temporary unavailability, not a fault.
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  if (sqliteCode === 'SQLITE_BUSY' || sqliteCode === 'SQLITE_LOCKED') {
    return new AppError(503, 'busy', 'The database is busy for a moment. Nothing was changed: please try again.');
  }
  const status = (err as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', 'The request could not be understood.');
  }
  return null;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = toAppError(err);
    if (!known) logger.error({ err, reqId: req.id }, 'unexpected error');
    const error = known ?? new AppError(500, 'internal_error', 'Something went wrong on our side. Please try again.');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error.status === 503) res.set('Retry-After', '5');
    const form = res.locals.form as FormContext | undefined;
    // Verifiers and scripts asking for a document get JSON errors too; browsers get a page.
    if (isApiRequest(req) || (!form && documentVariant(req.get('accept')) !== 'html')) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details ?? null } });
      return;
    }
    const fieldErrors = error instanceof ValidationError ? error.fields : isFieldMap(error.details) ? error.details : null;
    if (form && fieldErrors) {
      res.status(400).render(form.view, { ...form.locals, values: form.values, errors: fieldErrors, formError: error.message });
      return;
    }
    // Errors raised before the locals middleware (body parsing, the same-origin check) still need the layout's locals.
    res.locals.path ??= req.path;
    res.locals.currentUser ??= null;
    res.locals.learnerEmail ??= null;
    res.status(error.status).render('error', { title: titleFor(error.status), status: error.status, message: error.message });
  };
}

const isFieldMap = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');

function titleFor(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 401) return 'Please sign in';
  if (status === 403) return 'Not allowed';
  if (status === 410) return 'Gone';
  if (status === 413) return 'Too large';
  if (status === 429) return 'Too many requests';
  if (status >= 500) return 'Something went wrong';
  return 'Please check your request';
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new AppError(404, 'not_found', isApiRequest(req) ? 'No such API endpoint.' : 'This page could not be found.'));
}
