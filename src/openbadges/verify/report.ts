// The report: every check in the order it ran, and one verdict derived from the failures.
import type { Check, ReportSummary, Verdict, VerificationReport } from './types.js';

export type FailEffect = Exclude<Verdict, 'valid'>;

interface RecordedCheck extends Check {
  effect: FailEffect | null;
}

// When several checks fail, the verdict names the most decisive one: a revocation settles the matter,
// a proven defect outranks expiry, and "could not check" is only the answer when nothing worse is known.
const PRECEDENCE: FailEffect[] = ['revoked', 'invalid', 'expired', 'not-yet-valid', 'unverifiable'];

export class CheckLog {
  private readonly recorded: RecordedCheck[] = [];
  readonly summary: ReportSummary = {
    badge: { name: null, description: null, image: null, id: null },
    issuer: { name: null, url: null, id: null },
    assertion: { id: null, issuedOn: null, expires: null },
    recipientChecked: false,
  };
  /** Set once every check on the assertion graph has run; without it nothing can be `valid`. */
  complete = false;

  pass(id: string, message: string, detail = ''): void {
    this.recorded.push({ id, outcome: 'pass', message, detail, effect: null });
  }

  warn(id: string, message: string, detail = ''): void {
    this.recorded.push({ id, outcome: 'warning', message, detail, effect: null });
  }

  fail(id: string, effect: FailEffect, message: string, detail = ''): void {
    this.recorded.push({ id, outcome: 'fail', message, detail, effect });
  }

  hasFailed(id?: string): boolean {
    return this.recorded.some((c) => c.outcome === 'fail' && (id === undefined || c.id === id));
  }

  verdict(): Verdict {
    const effects = new Set(this.recorded.flatMap((c) => (c.effect ? [c.effect] : [])));
    const decisive = PRECEDENCE.find((e) => effects.has(e));
    if (decisive) return decisive;
    return this.complete ? 'valid' : 'unverifiable';
  }

  report(checkedAt: Date): VerificationReport {
    return {
      verdict: this.verdict(),
      summary: this.summary,
      checks: this.recorded.map(({ id, outcome, message, detail }) => ({ id, outcome, message, detail })),
      checkedAt: checkedAt.toISOString(),
    };
  }
}

/** One sentence for the top of the page, the CLI and the receipt. */
export function headlineOf(report: VerificationReport): string {
  const issuer = report.summary.issuer.name;
  const firstFailure = report.checks.find((c) => c.outcome === 'fail')?.message;
  const endorsement = report.checks.some((c) => c.id === 'endorsement' && c.outcome === 'pass');
  if (endorsement && report.verdict === 'valid') {
    return `This endorsement is genuine: ${issuer ? `${issuer} made it` : 'its endorser published it'}, and it has not been withdrawn or expired.`;
  }
  switch (report.verdict) {
    case 'valid':
      return (
        `This badge is genuine: ${issuer ? `${issuer} issued it` : 'its issuer published it'}, it has not been revoked and it has not expired.` +
        (report.summary.recipientChecked ? ' It was issued to the email address you gave.' : '')
      );
    case 'revoked':
      return 'The issuer has revoked this badge, so it is no longer valid.';
    case 'expired':
      return 'This badge has expired, so it is no longer valid.';
    case 'not-yet-valid':
      return 'This badge is dated in the future, so it is not valid yet.';
    case 'invalid':
      return `This badge did not pass the checks. ${firstFailure ?? ''}`.trim();
    case 'unverifiable':
      return `Kiln could not check this badge. ${firstFailure ?? ''}`.trim();
  }
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  valid: 'Valid',
  invalid: 'Not valid',
  revoked: 'Revoked',
  expired: 'Expired',
  'not-yet-valid': 'Not yet valid',
  unverifiable: 'Could not be checked',
};
