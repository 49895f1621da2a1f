import type { Request, Response } from 'express';
import { etagMatches, etagOf, type CacheKind, type CachedResponse, type PublicCache } from '../public-cache.js';
import { contentTypeOf, documentVariant, type DocumentVariant } from '../negotiate.js';

// Revalidated on every use (cheap with ETag), so a revocation is seen at once, also through a CDN.
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

/**
 * A hosted document or image as it will be sent, and the tags of what it was made from (src/web/public-cache.ts),
 * built once by the resolvers (./resolve.ts) for both the fast path and Express.
 */
export interface PublicResponse {
  kind: CacheKind;
  status: number;
  body: Buffer;
  /** Lower-case names; content types written in full (Express would add nothing). */
  headers: Record<string, string>;
  tags: readonly string[];
}

/** A hosted Open Badges document as JSON-LD (or JSON). `ldType` names a more specific JSON-LD type (OB 3.0 credentials). */
export function documentResponse(
  variant: DocumentVariant,
  document: unknown,
  tags: readonly string[],
  status = 200,
  ldType?: string,
  json = JSON.stringify(document),
): PublicResponse {
  const type = variant !== 'json' && ldType ? ldType : contentTypeOf(variant === 'json' ? 'json' : 'ld');
  return { kind: 'document', status, body: Buffer.from(json), headers: { 'content-type': type, vary: 'Accept' }, tags };
}

/** An image or other public file at a fixed URL. */
export function fileResponse(body: Buffer, type: string, tags: readonly string[], extra: Record<string, string> = {}): PublicResponse {
  return { kind: 'file', status: 200, body, headers: { 'content-type': type, ...extra }, tags };
}

/** The headers every hosted response adds to the security headers (the same on both paths). */
export function publicHeaders(r: PublicResponse, etag: string): Record<string, string> {
  return {
    ...r.headers,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    'cache-control': CACHE_CONTROL,
    etag,
    'content-length': String(r.body.length),
  };
}

/** Express's way of sending one: the headers set so far (security headers, request id) plus the public ones. */
export function sendPublic(req: Request, res: Response, cache: PublicCache, r: PublicResponse): void {
  const etag = etagOf(r.body);
  res.status(r.status);
  res.set(publicHeaders(r, etag));
  if (!res.getHeader('set-cookie')) {
    const { 'set-cookie': _cookie, 'x-request-id': _id, ...snapshot } = res.getHeaders();
    cache.store(r.kind, req.originalUrl, req.get('accept'), { status: r.status, headers: snapshot, body: r.body, etag }, r.tags, cache.startOf(req));
  }
  if (etagMatches(req.get('if-none-match'), etag)) {
    res.removeHeader('Content-Length');
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Disposition');
    res.status(304).end();
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : r.body);
}

/** Builds the cached form of a response for the fast path, which has no Express response to read headers from. */
export function cachedResponseOf(r: PublicResponse, securityHeaders: Record<string, string>): CachedResponse {
  const etag = etagOf(r.body);
  return { status: r.status, headers: { ...securityHeaders, ...publicHeaders(r, etag) }, body: r.body, etag };
}

/** Browsers get the human page at the same URL; everything else gets JSON. */
export const wantsHtml = (req: Request) => documentVariant(req.get('accept')) === 'html';

/** Public documents are readable from any site (displayers, backpacks, validators running in a browser). */
export function publicCors(res: Response): void {
  res.set({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', Vary: 'Accept' });
}
