import crypto from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { documentVariant } from './negotiate.js';

/**
 * Hosted documents and images change only on edit or revocation, and verifiers hit them hardest, so the response
 * Express produced once is replayed here, before the Express stack, with the very same headers.
 * GET/HEAD only; any state-changing request clears it.
 */
export interface CachedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  etag: string;
}

export type CacheKind = 'document' | 'file';

const MAX_ENTRIES = 20_000;
const MAX_BYTES = 256 * 1024 * 1024;

export function etagOf(body: Buffer): string {
  return `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
}

export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export class PublicCache {
  private entries = new Map<string, CachedResponse>();
  private bytes = 0;

  private static key(kind: CacheKind, path: string, accept: string | undefined): string | null {
    if (kind === 'file') return `file ${path}`;
    const variant = documentVariant(accept);
    return variant === 'html' ? null : `${variant} ${path}`;
  }

  store(kind: CacheKind, path: string, accept: string | undefined, response: CachedResponse): void {
    const key = PublicCache.key(kind, path, accept);
    if (!key) return;
    if (this.entries.size >= MAX_ENTRIES || this.bytes + response.body.length > MAX_BYTES) this.clear();
    this.entries.set(key, response);
    this.bytes += response.body.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Answers from memory when it can; false hands the request on to Express. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    if (url.includes('?')) return false;
    const entry =
      this.entries.get(`file ${url}`) ??
      (() => {
        const key = PublicCache.key('document', url, req.headers.accept);
        return key ? this.entries.get(key) : undefined;
      })();
    if (!entry) return false;
    if (etagMatches(req.headers['if-none-match'], entry.etag)) {
      res.writeHead(304, notModifiedHeaders(entry.headers));
      res.end();
      return true;
    }
    res.writeHead(entry.status, entry.headers);
    res.end(req.method === 'HEAD' ? undefined : entry.body);
    return true;
  }
}

function notModifiedHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const { 'content-length': _length, 'content-type': _type, 'content-disposition': _disposition, ...rest } = headers;
  return rest;
}
