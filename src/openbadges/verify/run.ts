// The state of one verification: its check log, its fetch budget, and the shared wording of fetch failures.
import { authorityOf, isObject, parseJson, type Json, type JsonObject } from './json.js';
import { CheckLog } from './report.js';
import { FetchError, type FetchResult, type Fetcher } from './types.js';

export interface VerifyOptions {
  fetch: Fetcher;
  now: Date;
  /** When given, the recipient check compares it (trimmed, lower-cased) with the assertion's recipient. */
  email?: string | null;
  /** Upper bound on GETs for one verification, so a hostile issuer cannot keep us busy. */
  maxFetches?: number;
}

const DEFAULT_MAX_FETCHES = 12;
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export class Run {
  readonly log = new CheckLog();
  badgeImage: string | null = null;
  badgeText: string | null = null;
  private fetchesLeft: number;

  constructor(readonly options: VerifyOptions) {
    this.fetchesLeft = options.maxFetches ?? DEFAULT_MAX_FETCHES;
  }

  get now(): Date {
    return this.options.now;
  }

  /** A GET through the injected fetcher; every failure arrives as a FetchError. */
  async get(url: string): Promise<FetchResult> {
    if (this.fetchesLeft <= 0) {
      throw new FetchError('too_many_requests', 'the badge needed more look-ups than Kiln allows for one check', `fetch budget exhausted before ${url}`);
    }
    this.fetchesLeft -= 1;
    try {
      return await this.options.fetch(url);
    } catch (err) {
      if (err instanceof FetchError) throw err;
      throw new FetchError('network', 'the website could not be reached', describeError(err));
    }
  }
}

export type FetchedDocument = { doc: JsonObject; detail: string } | { failure: string; detail: string; status?: number };

/** GET a JSON document; the failure is phrased to complete "Kiln couldn't get X from host: …". */
export async function getDocument(run: Run, url: string): Promise<FetchedDocument> {
  let res: FetchResult;
  try {
    res = await run.get(url);
  } catch (err) {
    return { failure: plainOf(err), detail: detailOf(err, url) };
  }
  const detail = `GET ${url} → ${res.status} ${res.contentType || 'no Content-Type'}`;
  if (res.status < 200 || res.status > 299) return { failure: `the website answered "${statusText(res.status)}"`, detail, status: res.status };
  const doc = parseJson(res.body.toString('utf8'));
  if (!isObject(doc)) return { failure: `the website sent ${describeContentType(res.contentType)} instead of badge data`, detail: `${detail}, body is not a JSON object` };
  return { doc, detail };
}

export function revokedMessage(reason: Json | undefined): string {
  const because = typeof reason === 'string' && reason.trim() !== '' ? ` The reason given: "${reason.trim().slice(0, 300)}".` : '';
  return `The issuer has revoked this badge, so it is no longer valid.${because}`;
}

export function describeContentType(type: string): string {
  if (type === 'text/html') return 'a web page';
  return type ? `"${type}"` : 'something unlabelled';
}

export const statusText = (status: number) => `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;

export function hostOf(url: string): string {
  return authorityOf(url) ?? url;
}

export const plainOf = (err: unknown) => (err instanceof FetchError ? err.message : 'the website could not be reached');
export const detailOf = (err: unknown, url: string) => (err instanceof FetchError ? `${err.code}: ${err.detail}` : `GET ${url}: ${describeError(err)}`);

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}

export const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
export const formatDate = (date: Date) => DATE_FORMAT.format(date);
