import type { Request, Response } from 'express';
import { ValidationError } from '../../errors.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { badgeManageLocals, statusFilter } from './badge-classes.js';
import { awardFormInput } from './award-form.js';
import { pageQuery } from './form-input.js';
import { awardMailLocals } from './mail.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** Selections arrive as one value or many. */
const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

export function assertionPages(services: Services) {
  const { assertions, ctx } = services;

  const formLocals = (badge: BadgeClass, issuer: Issuer) => ({
    title: `Award ${badge.name}`,
    badge,
    issuer,
    urls: ctx.urls,
    today: new Date().toISOString().slice(0, 10),
    confirm: null as null | { count: number; preview: string[] },
  });

  return {
    awardForm(_req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      res.render('assertions/award', { ...formLocals(badge, res.locals.issuer as Issuer), values: {} });
    },

    /** Several recipients get a confirmation step first; the confirmed form carries the same values back. */
    award(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const locals = formLocals(badge, res.locals.issuer as Issuer);
      formContext(res, 'assertions/award', locals, body(req));
      const input = awardFormInput(body(req));
      if (input.recipients.length === 0) throw new ValidationError({ recipients: 'Add at least one recipient email, one per line.' });
      if (input.recipients.length > 1 && body(req).confirmed !== '1') {
        // Validate everything now so the confirmation page never shows a list that would fail.
        assertions.validateAward(badge.id, currentUser(req).id, input);
        res.render('assertions/award', {
          ...locals,
          values: body(req),
          confirm: { count: input.recipients.length, preview: input.recipients.slice(0, 10).map((r) => r.email) },
        });
        return;
      }
      // "Email the learners" is checked by default: a hidden 0 travels with it, so unchecking is seen.
      const notify = ([] as unknown[]).concat(body(req).notify ?? []).includes('1');
      const awarded = assertions.award(badge.id, currentUser(req).id, input, { notify });
      if (awarded.length === 1) res.redirect(303, `/manage/assertions/${awarded[0]!.id}?notice=awarded`);
      else res.redirect(303, `/manage/badges/${badge.id}?notice=awarded`);
    },

    revokeSelected(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const ids = idsOf(body(req).ids);
      formContext(res, 'badge-classes/manage', badgeManageLocals(services, req, res), { ...body(req), ids });
      assertions.revoke(ids, currentUser(req).id, body(req), badge.id);
      res.redirect(303, `/manage/badges/${badge.id}?notice=revoked`);
    },

    issuerAwards(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const query = { ...pageQuery(req, 50), status: statusFilter(req.query.status) };
      res.render('assertions/issuer-list', {
        title: `Awards · ${issuer.name}`,
        issuer,
        awards: assertions.listForIssuer(issuer.id, query),
        query,
        statusOf: assertions.statusOf,
      });
    },

    show(req: Request, res: Response) {
      res.render('assertions/manage', awardManageLocals(services, req));
    },

    revoke(req: Request, res: Response) {
      const locals = awardManageLocals(services, req);
      formContext(res, 'assertions/manage', locals, body(req));
      assertions.revoke([locals.assertion.id], currentUser(req).id, body(req));
      res.redirect(303, `/manage/assertions/${locals.assertion.id}?notice=revoked`);
    },
  };
}

/** The facilitator's page for one award; also re-rendered when revoking or correcting it fails. */
export function awardManageLocals(services: Services, req: Request) {
  const { assertions, ctx } = services;
  const { assertion, badge, issuer } = assertions.requireAssertion(String(req.params.assertionId), currentUser(req).id, 'awarder');
  return {
    title: `Award of ${badge.name}`,
    assertion,
    badge,
    issuer,
    status: assertions.statusOf(assertion),
    urls: ctx.urls,
    notice: typeof req.query.notice === 'string' ? req.query.notice : null,
    ...awardMailLocals(services, assertion),
  };
}
