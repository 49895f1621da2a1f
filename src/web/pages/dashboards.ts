import type { Request, Response } from 'express';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { barChart } from '../charts.js';
import type { DateWriters } from '../dates.js';
import { pageQuery } from './form-input.js';

// An axis label every quarter: four fit under 52 columns on a phone.
const AXIS_LABEL_EVERY = 13;

export function dashboardPages(services: Services) {
  const { dashboards, assertions, badgeClasses, workshops } = services;

  return {
    /** The issuer's numbers at a glance: awards over the year and per badge, sessions, emails, claims waiting. */
    issuer(_req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const { dateOf, monthOf } = res.locals as unknown as DateWriters;
      const data = dashboards.forIssuer(issuer.id, (res.locals.timeZone as string | null | undefined) ?? null);
      const weeks = data.weeks;
      const charts = {
        weekly: barChart({
          title: `Awards per week, from the week of ${dateOf(weeks[0]!.start)} to this week`,
          unit: ['award'],
          columns: ['Week of', 'Awards'],
          layout: 'columns',
          summaryPrefix: 'the week of ',
          points: weeks.map((w, i) => ({ label: dateOf(w.start), value: w.count, ...(i % AXIS_LABEL_EVERY === 0 ? { axisLabel: monthOf(w.start) } : {}) })),
        }),
        perBadge: barChart({
          title: data.moreBadges ? `Awards per badge (the ${data.badges.length} with the most)` : 'Awards per badge',
          unit: ['award'],
          columns: ['Badge', 'Awards'],
          layout: 'rows',
          points: data.badges.map((b) => ({ label: b.name, value: b.total, href: `/manage/badges/${b.id}` })),
        }),
        mail: barChart({
          title: 'Award emails by status',
          unit: ['email'],
          columns: ['Status', 'Emails'],
          layout: 'rows',
          points: [
            { label: 'Queued', value: data.mail.queued },
            { label: 'Sent', value: data.mail.sent },
            { label: 'Failed', value: data.mail.failed, ...(data.failedMail.total > 0 ? { href: '#failed-mail-h' } : {}) },
            { label: 'Cancelled', value: data.mail.cancelled },
          ],
        }),
      };
      res.render('dashboards/issuer', { title: `Dashboard · ${issuer.name}`, issuer, data, charts, stateOf: workshops.stateOf });
    },

    /** One search box for the issuer: badges by name, and awards by the learner's email or name (paged). */
    search(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const query = pageQuery(req, 50);
      const searched = query.search.trim() !== '';
      res.render('dashboards/search', {
        title: searched ? `Search “${query.search}” · ${issuer.name}` : `Search · ${issuer.name}`,
        issuer,
        query,
        searched,
        badges: searched ? badgeClasses.listForIssuer(issuer.id, { limit: 20, search: query.search, includeArchived: true }) : null,
        awards: searched ? assertions.listForIssuer(issuer.id, query) : null,
        statusOf: assertions.statusOf,
      });
    },
  };
}
