import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { documentVariant, type DocumentVariant } from '../negotiate.js';
import { writeCached, type PublicCache } from '../public-cache.js';
import type { PublicResolvers } from './resolve.js';
import { cachedResponseOf, type PublicResponse } from './send.js';

type Resolve = (r: PublicResolvers, ids: string[], variant: DocumentVariant) => PublicResponse | Promise<PublicResponse>;

const ID = '([^/?#]+)';
/**
 * The hosted documents and images, as in the route table (src/web/routes.ts). `negotiated` ones have an HTML page
 * for browsers, which stays in Express; files answer the same bytes whatever the client accepts.
 */
const ROUTES: Array<{ pattern: RegExp; negotiated: boolean; resolve: Resolve }> = [
  { pattern: route(`/assertions/${ID}`), negotiated: true, resolve: (r, [id], v) => r.assertion(id!, v) },
  { pattern: route(`/assertions/${ID}/baked.png`), negotiated: false, resolve: (r, [id]) => r.bakedPng(id!) },
  { pattern: route(`/assertions/${ID}/baked.svg`), negotiated: false, resolve: (r, [id]) => r.bakedSvg(id!) },
  { pattern: route(`/assertions/${ID}/assertion.json`), negotiated: false, resolve: (r, [id]) => r.assertionFile(id!) },
  { pattern: route(`/badges/${ID}`), negotiated: true, resolve: (r, [id], v) => r.badgeClass(id!, v) },
  { pattern: route(`/badges/${ID}/image`), negotiated: false, resolve: (r, [id]) => r.badgeImage(id!) },
  { pattern: route(`/badges/${ID}/image.svg`), negotiated: false, resolve: (r, [id]) => r.badgeImageSvg(id!) },
  { pattern: route(`/badges/${ID}/ob3`), negotiated: true, resolve: (r, [id], v) => r.achievement(id!, v) },
  { pattern: route(`/issuers/${ID}`), negotiated: true, resolve: (r, [id], v) => r.issuer(id!, v) },
  { pattern: route(`/issuers/${ID}/image`), negotiated: false, resolve: (r, [id]) => r.issuerImage(id!) },
  { pattern: route(`/issuers/${ID}/revocations`), negotiated: true, resolve: (r, [id], v) => r.revocations(id!, v) },
  { pattern: route(`/issuers/${ID}/public-keys/${ID}`), negotiated: true, resolve: (r, [id, key], v) => r.publicKey(id!, key!, v) },
  { pattern: route(`/issuers/${ID}/ob3`), negotiated: true, resolve: (r, [id], v) => r.issuerProfile3(id!, v) },
  { pattern: route(`/issuers/${ID}/ob3/keys/${ID}`), negotiated: true, resolve: (r, [id, key], v) => r.verificationMethod(id!, key!, v) },
  { pattern: route(`/issuers/${ID}/status/revocation`), negotiated: true, resolve: (r, [id], v) => r.statusList(id!, v) },
  { pattern: route(`/credentials/${ID}`), negotiated: true, resolve: (r, [id], v) => r.credential(id!, v) },
  { pattern: route(`/credentials/${ID}/credential.json`), negotiated: false, resolve: (r, [id]) => r.credentialFile(id!) },
  { pattern: route(`/credentials/${ID}/baked.png`), negotiated: false, resolve: (r, [id]) => r.bakedPng3(id!) },
  { pattern: route(`/credentials/${ID}/baked.svg`), negotiated: false, resolve: (r, [id]) => r.bakedSvg3(id!) },
  { pattern: route(`/endorsements/${ID}`), negotiated: true, resolve: (r, [id], v) => r.endorsement(id!, v) },
  { pattern: route(`/endorsements/${ID}/ob3`), negotiated: true, resolve: (r, [id], v) => r.endorsementCredential(id!, v) },
];

function route(path: string): RegExp {
  return new RegExp(`^${path.replaceAll('.', '\\.')}$`);
}

/** The headers the security middleware (helmet) puts on every response, read once from the middleware itself. */
export function headersOf(middleware: RequestHandler): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let synchronous = false;
  middleware({ method: 'GET', headers: {}, url: '/' } as never, res as never, ((err?: unknown) => {
    if (err) throw err;
    synchronous = true;
  }) as never);
  if (!synchronous) throw new Error('the security headers middleware did not finish synchronously');
  return headers;
}

/**
 * THE fast path: a public, cookie-less GET or HEAD of a hosted document's JSON or an image, answered straight from the
 * resolvers without Express, sessions, passport, CSRF, body parsers or the access log (none of which it needs), with
 * the same headers Express would send, minus X-Request-Id (which names a log line; there is none). Whatever it
 * does not take (HTML for browsers, query strings, cookies, unknown or withdrawn ids, errors) goes to Express,
 * which answers it as before. Returns false when it did not take the request.
 */
export function publicFastPath(deps: {
  resolvers: PublicResolvers;
  cache: PublicCache;
  securityHeaders: Record<string, string>;
  fallback: (req: IncomingMessage, res: ServerResponse) => void;
}) {
  const { resolvers, cache, securityHeaders, fallback } = deps;
  let served = 0;

  function take(req: IncomingMessage, res: ServerResponse, since: number): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (req.headers.cookie !== undefined) return false;
    const url = req.url ?? '';
    if (url.includes('?') || url.includes('%')) return false;
    for (const { pattern, negotiated, resolve } of ROUTES) {
      const match = pattern.exec(url);
      if (!match) continue;
      const variant = documentVariant(req.headers.accept);
      if (negotiated && variant === 'html') return false;
      let result: PublicResponse | Promise<PublicResponse>;
      try {
        result = resolve(resolvers, match.slice(1), variant);
      } catch {
        return false;
      }
      if (result instanceof Promise) result.then((r) => answer(req, res, r, since, false), () => fallback(req, res));
      else answer(req, res, result, since, true);
      return true;
    }
    return false;
  }

  function answer(req: IncomingMessage, res: ServerResponse, r: PublicResponse, since: number, madeAtOnce: boolean): void {
    const response = cachedResponseOf(r, securityHeaders);
    cache.store(r.kind, req.url!, req.headers.accept, response, r.tags, since, madeAtOnce);
    served += 1;
    writeCached(req, res, response);
  }

  return { take, served: () => served };
}

export type PublicFastPath = ReturnType<typeof publicFastPath>;
