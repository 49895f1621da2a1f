import type { Request, Response } from 'express';
import { etagMatches, etagOf, type CacheKind, type PublicCache } from '../public-cache.js';
import { contentTypeOf, documentVariant } from '../negotiate.js';

// Revalidated on every use (cheap with ETag), so a revocation is seen at once, also through a CDN.
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

function sendCached(
  req: Request,
  res: Response,
  cache: PublicCache,
  kind: CacheKind,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  const etag = etagOf(body);
  res.status(status);
  res.set({
    ...headers,
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Cache-Control': CACHE_CONTROL,
    ETag: etag,
    'Content-Length': String(body.length),
  });
  if (!res.getHeader('set-cookie')) {
    const { 'set-cookie': _cookie, 'x-request-id': _id, ...snapshot } = res.getHeaders();
    cache.store(kind, req.originalUrl, req.get('accept'), { status, headers: snapshot, body, etag });
  }
  if (etagMatches(req.get('if-none-match'), etag)) {
    res.removeHeader('Content-Length');
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Disposition');
    res.status(304).end();
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A hosted Open Badges document as JSON-LD (or JSON), cached with identical headers. */
export function sendDocument(req: Request, res: Response, cache: PublicCache, document: unknown, status = 200, ldType?: string): void {
  const variant = documentVariant(req.get('accept'));
  // `ldType` names a more specific JSON-LD type (OB 3.0 credentials: application/vc+ld+json); plain JSON stays JSON.
  const type = variant !== 'json' && ldType ? ldType : contentTypeOf(variant === 'json' ? 'json' : 'ld');
  sendCached(req, res, cache, 'document', status, Buffer.from(JSON.stringify(document)), { 'Content-Type': type, Vary: 'Accept' });
}

/** An image or other public file at a fixed URL. */
export function sendFile(
  req: Request,
  res: Response,
  cache: PublicCache,
  body: Buffer,
  type: string,
  extra: Record<string, string> = {},
  status = 200,
): void {
  sendCached(req, res, cache, 'file', status, body, { 'Content-Type': type, ...extra });
}

/** Browsers get the human page at the same URL; everything else gets JSON. */
export const wantsHtml = (req: Request) => documentVariant(req.get('accept')) === 'html';

/** Public documents are readable from any site (displayers, backpacks, validators running in a browser). */
export function publicCors(res: Response): void {
  res.set({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', Vary: 'Accept' });
}
