import type { OutboxStatus } from '../repos/outbox.js';
import type { Page } from '../repos/pagination.js';
import type { WorkshopSessionListItem } from '../repos/workshop-sessions.js';
import type { ServiceContext } from './context.js';

export const DASHBOARD_WEEKS = 52;
const BADGES_SHOWN = 20;
const LIST_LENGTH = 10;
const DAY_MS = 86_400_000;

/** Minutes the zone is ahead of UTC at `at` (negative west of Greenwich), from Intl's own calendar. */
export function offsetMinutesOf(timeZone: string | null, at: Date): number {
  if (!timeZone) return 0;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The Mondays that start the last `count` weeks, the current one last, as local calendar dates (YYYY-MM-DD) of a
 * reader `offsetMinutes` ahead of UTC. One offset for the whole year: a summer-time change moves a bucket's edge by
 * an hour, which a weekly count can bear.
 */
export function weekStarts(now: Date, offsetMinutes: number, count = DASHBOARD_WEEKS): string[] {
  const local = new Date(now.getTime() + offsetMinutes * 60_000);
  const daysSinceMonday = (local.getUTCDay() + 6) % 7;
  const monday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - daysSinceMonday * DAY_MS;
  return Array.from({ length: count }, (_, i) => new Date(monday - (count - 1 - i) * 7 * DAY_MS).toISOString().slice(0, 10));
}

/** A local calendar date as an instant that reads as that date in the reader's zone (noon: an hour's drift stays on the day). */
const instantOfLocalDate = (date: string, offsetMinutes: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) - offsetMinutes * 60_000).toISOString();

export interface IssuerDashboard {
  /** One entry per week, oldest first; `start` is an instant on the week's Monday in the reader's zone. */
  weeks: Array<{ start: string; count: number }>;
  badges: Array<{ id: string; name: string; total: number; unrevoked: number }>;
  /** More badges have awards than `badges` shows. */
  moreBadges: boolean;
  mail: Record<'queued' | 'sent' | 'failed' | 'cancelled', number>;
  failedMail: { total: number; items: Array<{ id: string; assertionId: string; toAddress: string; badgeName: string; lastError: string | null; createdAt: string }> };
  /** The latest workshop sessions with their claim counts (the sessions page lists them all). */
  sessions: Page<WorkshopSessionListItem>;
  pendingClaims: { total: number; items: Array<{ id: string; name: string; sessionId: string; sessionTitle: string; badgeName: string; createdAt: string }> };
}

/** What an issuer's dashboard shows: counts made in SQL (src/repos), shaped here for the charts and tables. */
export function dashboardsService(ctx: ServiceContext) {
  const { repos } = ctx;

  return {
    forIssuer(issuerId: string, timeZone: string | null): IssuerDashboard {
      const now = ctx.now();
      const offset = offsetMinutesOf(timeZone, now);
      const starts = weekStarts(now, offset);
      const since = new Date(Date.parse(`${starts[0]}T00:00:00Z`) - offset * 60_000).toISOString();
      const counted = new Map(repos.assertions.countPerWeek(issuerId, since, offset).map((w) => [w.week, w.count]));
      const badges = repos.assertions.countPerBadge(issuerId, BADGES_SHOWN + 1);
      const mail = repos.outbox.countsForIssuer(issuerId);
      const n = (status: OutboxStatus) => mail[status] ?? 0;
      const failed = repos.outbox.unresolvedFailuresForIssuer(issuerId, LIST_LENGTH);
      const pending = repos.claims.pendingForIssuer(issuerId, LIST_LENGTH);
      return {
        weeks: starts.map((week) => ({ start: instantOfLocalDate(week, offset), count: counted.get(week) ?? 0 })),
        badges: badges.slice(0, BADGES_SHOWN),
        moreBadges: badges.length > BADGES_SHOWN,
        // "sending" is a moment between queued and sent: counted as queued.
        mail: { queued: n('queued') + n('sending'), sent: n('sent'), failed: n('failed'), cancelled: n('cancelled') },
        failedMail: {
          total: failed.total,
          items: failed.items.map((m) => ({ id: m.id, assertionId: m.assertionId!, toAddress: m.toAddress, badgeName: m.badgeName, lastError: m.lastError, createdAt: m.createdAt })),
        },
        sessions: repos.workshopSessions.listForIssuer(issuerId, { limit: LIST_LENGTH }),
        pendingClaims: {
          total: pending.total,
          items: pending.items.map((c) => ({ id: c.id, name: c.name, sessionId: c.sessionId, sessionTitle: c.sessionTitle, badgeName: c.badgeName, createdAt: c.createdAt })),
        },
      };
    },
  };
}

export type DashboardsService = ReturnType<typeof dashboardsService>;
