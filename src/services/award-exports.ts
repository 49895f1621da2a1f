import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AssertionListItem } from '../repos/assertions.js';
import type { Page } from '../repos/pagination.js';
import { statusOf } from './assertions.js';
import { csvCell } from './bulk-awards.js';
import type { ServiceContext } from './context.js';
import { hasMailbox } from './mail.js';

export const EXPORT_COLUMNS = [
  'assertion_id',
  'badge',
  'badge_id',
  'recipient_email',
  'recipient_name',
  'issued_on',
  'expires',
  'status',
  'revoked_at',
  'revocation_reason',
  'award_url',
] as const;

// Rows read per query: a large issuer's export is many short reads, each followed by a turn for other requests.
const ROWS_PER_PAGE = 500;

const lineOf = (cells: string[]) => cells.map(csvCell).join(',') + '\r\n';

/** Every award of a badge or of an issuer as CSV, newest first, yielded a page at a time (never built whole). */
export function awardExportsService(ctx: ServiceContext) {
  const { repos } = ctx;

  async function* csvOf(pageAt: (cursor: string | null, now: string) => Page<AssertionListItem>): AsyncGenerator<string> {
    yield lineOf([...EXPORT_COLUMNS]);
    let cursor: string | null = null;
    do {
      const now = ctx.now();
      const page = pageAt(cursor, now.toISOString());
      yield page.items
        .map((a) =>
          lineOf([
            a.id,
            a.badgeName,
            a.badgeClassId,
            // A learner who claimed without an email has a made-up address that must never reach a person.
            hasMailbox(a.recipientEmail) ? a.recipientEmail : '',
            a.recipientName ?? '',
            a.issuedOn,
            a.expires ?? '',
            statusOf(a, now),
            a.revokedAt ?? '',
            a.revocationReason ?? '',
            ctx.urls.assertion(a.id),
          ]),
        )
        .join('');
      cursor = page.nextCursor;
      if (cursor) await nextTurn();
    } while (cursor);
  }

  return {
    issuerCsv: (issuerId: string) => csvOf((cursor, now) => repos.assertions.listForIssuer(issuerId, { limit: ROWS_PER_PAGE, cursor, now })),
    badgeCsv: (badgeId: string) => csvOf((cursor, now) => repos.assertions.listForBadge(badgeId, { limit: ROWS_PER_PAGE, cursor, now })),
  };
}

export type AwardExportsService = ReturnType<typeof awardExportsService>;
