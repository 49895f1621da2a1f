import type { NextFunction, Request, Response } from 'express';
import { AppError, ValidationError } from '../../errors.js';

/** Bodies must be JSON; anything else is 415 before a handler sees it. */
export function apiOnly(req: Request, _res: Response, next: NextFunction): void {
  if ((req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') && req.headers['content-length'] !== '0') {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      return next(new AppError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.'));
    }
  }
  next();
}

/** A JSON object body, or 400. */
export function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(400, 'malformed_body', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** ?limit= (default 50; more than 500 is read as 500) and ?cursor=. */
export function listQuery(req: Request) {
  const raw = req.query.limit;
  let limit = 50;
  if (raw !== undefined) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new ValidationError({ limit: 'limit must be a whole number from 1 to 500.' });
    limit = Math.min(n, 500);
  }
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : null;
  return { limit, cursor };
}

/** Service field names → API property paths, so `details` names what the client sent. */
export function renameFields(err: unknown, names: Record<string, string>): never {
  if (err instanceof AppError && err.details && typeof err.details === 'object') {
    const renamed: Record<string, unknown> = {};
    for (const [key, message] of Object.entries(err.details as Record<string, unknown>)) {
      const head = key.split('.')[0]!;
      renamed[names[head] ? names[head] + key.slice(head.length) : key] = message;
    }
    const copy = err instanceof ValidationError ? new ValidationError(renamed as Record<string, string>, err.message) : new AppError(err.status, err.code, err.message, renamed);
    throw copy;
  }
  throw err;
}
