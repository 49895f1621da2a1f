import crypto from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { PublicChange } from '../repos/public-changes.js';
import { documentVariant } from './negotiate.js';

/**
 * Hosted documents and images change only on edit, revocation or key rotation, and verifiers hit them hardest, so
 * the response produced once is replayed here, before anything else, with the very same headers.
 *
 * Invalidation is targeted: every cached response carries tags naming what it was made from (`assertion:{id}`,
 * `badge:{id}`, `issuer:{id}`, …, listed in migrations/011_public_changes.sql). Database triggers append the tags
 * of every write that can change a hosted document to `public_changes`; before each request the cache reads the
 * rows it has not seen (one indexed query, usually empty) and evicts exactly the responses carrying those tags.
 * So a write by any process sharing the database is seen by every process before its next answer, and a write that
 * changes nothing cached (a new award, a login) evicts nothing. A response whose tags changed while it was being
 * made is not kept. Eviction is least-recently-used within a byte budget.
 */
export interface CachedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  etag: string;
}

export type CacheKind = 'document' | 'file';

/** Where the cache reads what changed (src/repos/public-changes.ts). */
export interface ChangeLog {
  since(seq: number): PublicChange[];
  latest(): number;
}

export interface PublicCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  stored: number;
  /** Evicted to stay within the byte budget. */
  evicted: number;
  /** Evicted because a write changed what they were made from. */
  invalidated: number;
  /** Stores refused because a tag changed while the response was being made. */
  refused: number;
  /** Whole-cache clears (only when this process fell more than the change log's length behind, or a test asks). */
  cleared: number;
}

interface Entry {
  response: CachedResponse;
  tags: readonly string[];
  size: number;
}

export const DEFAULT_CACHE_BYTES = 48 * 1024 * 1024;
// What an entry costs beyond its body (the header object, key and bookkeeping), so many small ones stay in budget.
const ENTRY_OVERHEAD = 600;
// How many recent tag changes are remembered for refusing stale stores; older ones make every older start refuse.
const RECENT_TAGS = 10_000;

export function etagOf(body: Buffer): string {
  return `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
}

export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export class PublicCache {
  /** In least-recently-used order: a hit moves its entry to the end, eviction takes from the front. */
  private entries = new Map<string, Entry>();
  private byTag = new Map<string, Set<string>>();
  private bytes = 0;
  /** The last change-log row applied. */
  private seen: number;
  /** tag → seq of its latest change, for the newest RECENT_TAGS tags (insertion order = change order). */
  private changedAt = new Map<string, number>();
  private forgottenUpTo = 0;
  private started = new WeakMap<IncomingMessage, number>();
  private counts = { hits: 0, stored: 0, evicted: 0, invalidated: 0, refused: 0, cleared: 0 };

  constructor(
    private readonly changes: ChangeLog,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.seen = changes.latest();
  }

  private static key(kind: CacheKind, path: string, accept: string | undefined): string | null {
    if (kind === 'file') return `file ${path}`;
    const variant = documentVariant(accept);
    return variant === 'html' ? null : `${variant} ${path}`;
  }

  /** Applies every change written since the last call (by this process or any other); returns the position reached. */
  sync(): number {
    const rows = this.changes.since(this.seen);
    if (rows.length === 0) return this.seen;
    if (rows[0]!.seq !== this.seen + 1) {
      // Rows this process never saw were already pruned: it cannot know what they changed.
      this.clear();
      this.forgottenUpTo = rows[rows.length - 1]!.seq;
    } else {
      for (const { seq, tag } of rows) this.invalidate(tag, seq);
    }
    this.seen = rows[rows.length - 1]!.seq;
    return this.seen;
  }

  /** Called as a request arrives: the changes it may have missed are applied, and its starting point recorded. */
  begin(req: IncomingMessage): number {
    const at = this.sync();
    this.started.set(req, at);
    return at;
  }

  /** Where `begin` left this request; undefined for a request that did not come through the listener. */
  startOf(req: IncomingMessage): number | undefined {
    return this.started.get(req);
  }

  /**
   * Keeps a response made from data read after `since` (a position from `begin`). Untagged responses are never kept:
   * no write could evict them. `madeAtOnce`: made in the same synchronous run as `begin` without writing, so no
   * change can have come in between and the change log need not be read again.
   */
  store(
    kind: CacheKind,
    path: string,
    accept: string | undefined,
    response: CachedResponse,
    tags: readonly string[],
    since: number | undefined,
    madeAtOnce = false,
  ): void {
    const key = PublicCache.key(kind, path, accept);
    if (!key || tags.length === 0 || since === undefined) return;
    if (!madeAtOnce) this.sync();
    if (since < this.forgottenUpTo || tags.some((tag) => (this.changedAt.get(tag) ?? 0) > since)) {
      this.counts.refused += 1;
      return;
    }
    const size = response.body.length + key.length + ENTRY_OVERHEAD;
    // One huge file must not empty the cache of everything else.
    if (size > this.maxBytes / 4) return;
    this.remove(key);
    // A small Buffer is a slice of Node's shared 8 KB pool: kept, it would keep the whole slab alive (and uncounted).
    const body = response.body.byteLength === response.body.buffer.byteLength ? response.body : copyOf(response.body);
    this.entries.set(key, { response: body === response.body ? response : { ...response, body }, tags, size });
    this.bytes += size;
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    this.counts.stored += 1;
    while (this.bytes > this.maxBytes) {
      this.remove(this.entries.keys().next().value!);
      this.counts.evicted += 1;
    }
  }

  private invalidate(tag: string, seq: number): void {
    this.changedAt.delete(tag);
    this.changedAt.set(tag, seq);
    if (this.changedAt.size > RECENT_TAGS) {
      const [oldest, at] = this.changedAt.entries().next().value!;
      this.changedAt.delete(oldest);
      this.forgottenUpTo = at;
    }
    const keys = this.byTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) {
      this.remove(key);
      this.counts.invalidated += 1;
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  clear(): void {
    this.entries.clear();
    this.byTag.clear();
    this.bytes = 0;
    this.counts.cleared += 1;
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): PublicCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counts };
  }

  /** Answers from memory when it can; false hands the request on. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    if (url.includes('?')) return false;
    let key = `file ${url}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const documentKey = PublicCache.key('document', url, req.headers.accept);
      if (!documentKey) return false;
      entry = this.entries.get((key = documentKey));
      if (!entry) return false;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits += 1;
    writeCached(req, res, entry.response);
    return true;
  }
}

function copyOf(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

/** The response, or 304 when the client already has these bytes. */
export function writeCached(req: IncomingMessage, res: ServerResponse, response: CachedResponse): void {
  if (etagMatches(req.headers['if-none-match'], response.etag)) {
    res.writeHead(304, notModifiedHeaders(response.headers));
    res.end();
    return;
  }
  res.writeHead(response.status, response.headers);
  res.end(req.method === 'HEAD' ? undefined : response.body);
}

function notModifiedHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const { 'content-length': _length, 'content-type': _type, 'content-disposition': _disposition, ...rest } = headers;
  return rest;
}
