import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { FetchError, type FetchResult, type Fetcher } from '../openbadges/verify/types.js';
import { isPublicAddress } from './address-policy.js';

export { isPublicAddress };

/**
 * The verifier's only way onto the network. Anyone can make Kiln fetch a URL (that is what verifying a badge
 * is), so every hop is vetted: http(s) only, the host resolved once and refused when any address is not global
 * unicast (`address-policy.ts`), and the connection made to exactly that vetted address, so a second DNS answer (a
 * rebind) cannot redirect it.
 */

/** The validator's Accept header (openbadges-spec.md §5.1 FETCH_HTTP_NODE). */
export const VERIFIER_ACCEPT = 'application/ld+json, application/json, image/png, image/svg+xml';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** DNS resolution, injectable so tests can name a "public" host without the network. */
export type LookupFn = (hostname: string) => Promise<ResolvedAddress[]>;

/** Answers URLs under our own PUBLIC_URL in-process; null hands the URL to the network. */
export type LocalFetch = (url: string) => Promise<FetchResult | null>;

export interface SafeFetchOptions {
  /** ALLOW_PRIVATE_NETWORKS: tests and intranets. */
  allowPrivateNetworks: boolean;
  local?: LocalFetch;
  lookup?: LookupFn;
  /** Address policy; defaults to `isPublicAddress` (or anything, when private networks are allowed). */
  isAllowedAddress?: (address: string) => boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const systemLookup: LookupFn = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A Fetcher for the verification pipeline; every failure is a FetchError with a plain-English message. */
export function createSafeFetch(options: SafeFetchOptions): Fetcher {
  const lookup = options.lookup ?? systemLookup;
  const allowed = options.isAllowedAddress ?? (options.allowPrivateNetworks ? () => true : isPublicAddress);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;

  return async function safeFetch(url: string): Promise<FetchResult> {
    const signal = AbortSignal.timeout(timeoutMs);
    let current = url;
    // Redirects are followed by hand so that every hop goes through the same checks.
    for (let redirects = 0; ; redirects++) {
      const target = parseTarget(current);
      const local = options.local ? await withDeadline(options.local(target.href), signal, target.href) : null;
      if (local) return capped(local, maxBytes);
      const address = await vet(target, lookup, allowed, signal);
      const answer = await requestOnce(target, address, signal, maxBytes);
      if (answer.location === null) return answer.result;
      if (redirects >= maxRedirects) {
        throw new FetchError('too_many_redirects', `the website redirected more than ${maxRedirects} times`, `redirect limit reached at ${target.href}`);
      }
      current = resolveLocation(answer.location, target);
    }
  };
}

function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchError('bad_url', 'the address is not a valid web address', `unparseable URL ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('unsupported_protocol', 'only web addresses starting with http:// or https:// can be checked', `scheme ${url.protocol} refused`);
  }
  if (url.username || url.password) {
    throw new FetchError('bad_url', 'the address contains a user name or password, which Kiln does not send', `credentials in ${url.host}`);
  }
  url.hash = '';
  return url;
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw new FetchError('bad_url', 'the website redirected to an invalid address', `Location ${JSON.stringify(location.slice(0, 200))}`);
  }
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Resolves the host and refuses it when any of its addresses is not allowed (a mixed answer is a rebinding tell). */
async function vet(target: URL, lookup: LookupFn, allowed: (address: string) => boolean, signal: AbortSignal): Promise<ResolvedAddress> {
  const host = bareHost(target);
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) }];
  } else {
    try {
      addresses = await withDeadline(lookup(host), signal, target.href);
    } catch (err) {
      if (err instanceof FetchError) throw err;
      throw new FetchError('dns_failed', `the website ${host} could not be found`, `DNS lookup of ${host} failed: ${(err as Error).message}`);
    }
  }
  if (addresses.length === 0) throw new FetchError('dns_failed', `the website ${host} could not be found`, `DNS lookup of ${host} returned nothing`);
  const refused = addresses.find((a) => !allowed(a.address));
  if (refused) {
    throw new FetchError(
      'private_address',
      `the address points to a private or local network (${refused.address}), which Kiln does not contact`,
      `${host} resolves to ${refused.address}; only global unicast addresses are contacted`,
    );
  }
  // Every address passed; IPv4 first, since many servers publish AAAA records they cannot be reached on.
  return addresses.find((a) => a.family === 4) ?? addresses[0]!;
}

interface Answer {
  result: FetchResult;
  /** Set when the answer is a redirect. */
  location: string | null;
}

function requestOnce(target: URL, vetted: ResolvedAddress, signal: AbortSignal, maxBytes: number): Promise<Answer> {
  const client = target.protocol === 'https:' ? https : http;
  const host = bareHost(target);
  return new Promise<Answer>((resolve, reject) => {
    const fail = (err: unknown) => reject(toFetchError(err, target, signal));
    const req = client.request(
      {
        protocol: target.protocol,
        hostname: host,
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers: { Accept: VERIFIER_ACCEPT, 'Accept-Encoding': 'identity', 'User-Agent': 'Kiln-Verifier (Open Badges)' },
        // Connect to the address we vetted, never to a fresh DNS answer.
        lookup: pinnedLookup(vetted) as unknown as net.LookupFunction,
        servername: net.isIP(host) ? undefined : host,
        agent: false,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECT_STATUSES.has(status) && location) {
          res.destroy();
          resolve({ result: emptyResult(target, status), location });
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          reject(tooLarge(target, maxBytes));
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            reject(tooLarge(target, maxBytes));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            result: { url: target.href, status, contentType: mediaType(res.headers['content-type']), body: Buffer.concat(chunks) },
            location: null,
          }),
        );
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('response aborted')));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** A `lookup` for http.request that always answers with the vetted address (also when asked for all of them). */
function pinnedLookup(vetted: ResolvedAddress) {
  return (_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
}

function emptyResult(target: URL, status: number): FetchResult {
  return { url: target.href, status, contentType: '', body: Buffer.alloc(0) };
}

function capped(result: FetchResult, maxBytes: number): FetchResult {
  if (result.body.length > maxBytes) throw tooLarge(new URL(result.url), maxBytes);
  return result;
}

function tooLarge(target: URL, maxBytes: number): FetchError {
  return new FetchError('too_large', `the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`, `${target.href} exceeds ${maxBytes} bytes`);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function toFetchError(err: unknown, target: URL, signal: AbortSignal): FetchError {
  if (err instanceof FetchError) return err;
  if (signal.aborted) return new FetchError('timeout', 'the website took too long to answer', `no complete answer from ${target.host} in time`);
  const code = (err as { code?: string }).code ?? '';
  const plain =
    code === 'ECONNREFUSED'
      ? 'the website refused the connection'
      : code.startsWith('ERR_TLS') || code.includes('CERT')
        ? "the website's security certificate is not valid"
        : 'the website could not be reached';
  return new FetchError('network', plain, `${target.host}: ${code || (err as Error).message}`);
}

/** Races a promise against the shared deadline. */
function withDeadline<T>(promise: Promise<T>, signal: AbortSignal, url: string): Promise<T> {
  const timeout = () => new FetchError('timeout', 'the website took too long to answer', `no answer for ${url} in time`);
  if (signal.aborted) return Promise.reject(timeout());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeout());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
