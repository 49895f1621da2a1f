// Shapes shared by the verification pipeline, its fetcher and its callers. Pure: no I/O here.

export type Verdict = 'valid' | 'invalid' | 'revoked' | 'expired' | 'not-yet-valid' | 'unverifiable';

export type CheckOutcome = 'pass' | 'warning' | 'fail';

export interface Check {
  /** Stable machine name, e.g. `hosted-scope`. */
  id: string;
  outcome: CheckOutcome;
  /** Plain English a school office can act on. */
  message: string;
  /** The technical fact behind the message (URLs, statuses, property names). */
  detail: string;
}

export interface ReportSummary {
  badge: { name: string | null; description: string | null; image: string | null; id: string | null };
  issuer: { name: string | null; url: string | null; id: string | null };
  assertion: { id: string | null; issuedOn: string | null; expires: string | null };
  recipientChecked: boolean;
}

export interface VerificationReport {
  verdict: Verdict;
  summary: ReportSummary;
  checks: Check[];
  /** ISO-8601 UTC. */
  checkedAt: string;
}

/** What the pipeline hands back besides the report, for the HTML page and its receipt. */
export interface VerificationResult {
  report: VerificationReport;
  /** The BadgeClass image as a data URI (PNG or SVG) when it was fetched or given inline; shown on the result page. */
  badgeImage: string | null;
  /** The badge data found in the input (JSON, JWS or URL), so a receipt can re-check exactly that. */
  badgeText: string | null;
}

/** One answered GET, after any redirects. */
export interface FetchResult {
  /** The URL that finally answered. */
  url: string;
  status: number;
  /** Lower-case media type without parameters, '' when absent. */
  contentType: string;
  body: Buffer;
}

export type Fetcher = (url: string) => Promise<FetchResult>;

export type FetchErrorCode =
  | 'bad_url'
  | 'unsupported_protocol'
  | 'private_address'
  | 'dns_failed'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'too_many_requests'
  | 'network';

/** A fetch that could not be completed. `message` completes "Kiln couldn't get …: <message>". */
export class FetchError extends Error {
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}
