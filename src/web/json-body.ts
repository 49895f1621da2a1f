import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../json-depth.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

// Each API endpoint reads at most what its largest valid body needs. Images travel as base64 data URIs: a 5 MB
// upload is 6.7 MB of text. 10,000 recipients with names fit in 8 MB. A pasted badge is at most 2 MB of text,
// and JSON string escaping can double what the verifier's `assertion` string takes.
const IMAGE_BODY = '8mb';
const AWARD_BODY = '8mb';
const VERIFY_BODY = '5mb';
const OTHER_BODY = '256kb';

/** Larger limits by method and path under /api; every other JSON body gets OTHER_BODY. */
const LARGE_BODIES: Array<{ method: string; path: RegExp; limit: string }> = [
  { method: 'POST', path: /^\/v1\/issuers\/?$/, limit: IMAGE_BODY },
  { method: 'PATCH', path: /^\/v1\/issuers\/[^/]+\/?$/, limit: IMAGE_BODY },
  { method: 'POST', path: /^\/v1\/issuers\/[^/]+\/badges\/?$/, limit: IMAGE_BODY },
  { method: 'PATCH', path: /^\/v1\/badges\/[^/]+\/?$/, limit: IMAGE_BODY },
  { method: 'POST', path: /^\/v1\/designs\/render\/?$/, limit: IMAGE_BODY },
  { method: 'PATCH', path: /^\/v1\/designs\/[^/]+\/?$/, limit: IMAGE_BODY },
  { method: 'POST', path: /^\/v1\/issuers\/[^/]+\/designs\/?$/, limit: IMAGE_BODY },
  { method: 'POST', path: /^\/v1\/badges\/[^/]+\/assertions\/?$/, limit: AWARD_BODY },
  { method: 'POST', path: /^\/v1\/verify\/?$/, limit: VERIFY_BODY },
];

/** Refuses JSON nested deeper than MAX_JSON_DEPTH before it is parsed (400, with the API's error shape). */
function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
  if (jsonNestsDeeperThan(body)) {
    throw new AppError(400, 'json_too_deep', `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
}

/** express.json with a size limit and the nesting bound. */
export function boundedJson(limit: string): RequestHandler {
  return express.json({ limit, type: JSON_TYPES, verify: refuseDeepJson });
}

/** The JSON body parser for everything under /api: each endpoint's own size limit, nesting bounded everywhere. */
export function apiJsonBodies(): RequestHandler {
  const parsers = new Map<string, RequestHandler>();
  const parserFor = (limit: string) => {
    let parser = parsers.get(limit);
    if (!parser) parsers.set(limit, (parser = boundedJson(limit)));
    return parser;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const large = LARGE_BODIES.find((b) => b.method === req.method && b.path.test(req.path));
    parserFor(large?.limit ?? OTHER_BODY)(req, res, next);
  };
}
