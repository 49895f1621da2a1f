import type { Request, Response } from 'express';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { badgeFormStart, designChoices, designUploadOf, keepBadgeDraft } from './badge-starts.js';
import { renderMarkdown } from '../../markdown.js';
import { badgeClassFormInput, badgeClassFormValues, badgeClassValues, pageQuery } from './form-input.js';
import { discardKeptImage, formImage } from './form-image.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function badgeClassPages(services: Services) {
  const { badgeClasses, assertions, ctx } = services;

  const formLocals = (req: Request, issuer: Issuer, badge: BadgeClass | null, chosenDesignId?: unknown) => ({
    title: badge ? `Edit ${badge.name}` : 'New badge',
    issuer,
    badge,
    locked: badge ? badgeClasses.isLocked(badge.id) : false,
    designs: designChoices(services, req, issuer.id, chosenDesignId),
    // Targets of the frameworks a site admin loaded, offered by views/alignment-frameworks/picker.ejs.
    alignmentChoices: services.alignmentFrameworks.choices(),
    urls: ctx.urls,
  });

  return {
    newForm(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const values: Record<string, unknown> = { alignments: [], ...badgeFormStart(services, req, issuer.id) };
      res.render('badge-classes/form', { ...formLocals(req, issuer, null, values.designId), values });
    },

    /** "Design an image for this badge": keeps what was typed, then opens the designer, which comes back here. */
    designImage(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      keepBadgeDraft(req, issuer.id, badgeClassFormValues(body(req)));
      res.redirect(303, `/designer?issuerId=${encodeURIComponent(issuer.id)}&for=badge`);
    },

    async create(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'badge-classes/form', formLocals(req, issuer, null, body(req).designId), badgeClassFormValues(body(req)));
      const image = await formImage(services, req, res);
      const upload = image.upload ?? (await designUploadOf(services, req));
      const badge = await badgeClasses.create(issuer.id, currentUser(req).id, badgeClassFormInput(body(req)), upload);
      discardKeptImage(services, req, image.keptId);
      res.redirect(303, `/manage/badges/${badge.id}`);
    },

    show(req: Request, res: Response) {
      res.render('badge-classes/manage', badgeManageLocals(services, req, res));
    },

    editForm(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      res.render('badge-classes/form', { ...formLocals(req, res.locals.issuer as Issuer, badge), values: badgeClassValues(badge) });
    },

    async update(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      formContext(res, 'badge-classes/form', formLocals(req, res.locals.issuer as Issuer, badge, body(req).designId), badgeClassFormValues(body(req)));
      const image = await formImage(services, req, res);
      const upload = image.upload ?? (await designUploadOf(services, req));
      await badgeClasses.update(badge.id, currentUser(req).id, badgeClassFormInput(body(req)), upload);
      discardKeptImage(services, req, image.keptId);
      res.redirect(303, `/manage/badges/${badge.id}?notice=saved`);
    },

    duplicate(req: Request, res: Response) {
      const copy = badgeClasses.duplicate(String(req.params.badgeId), currentUser(req).id);
      res.redirect(303, `/manage/badges/${copy.id}/edit`);
    },

    archive(req: Request, res: Response) {
      badgeClasses.setArchived(String(req.params.badgeId), currentUser(req).id, true);
      res.redirect(303, `/manage/badges/${String(req.params.badgeId)}?notice=archived`);
    },

    unarchive(req: Request, res: Response) {
      badgeClasses.setArchived(String(req.params.badgeId), currentUser(req).id, false);
      res.redirect(303, `/manage/badges/${String(req.params.badgeId)}?notice=unarchived`);
    },

    remove(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      badgeClasses.remove(badge.id, currentUser(req).id);
      res.redirect(303, `/manage/issuers/${badge.issuerId}`);
    },
  };
}

export function statusFilter(value: unknown): '' | 'active' | 'expired' | 'revoked' {
  return value === 'active' || value === 'expired' || value === 'revoked' ? value : '';
}

/** The badge page a facilitator works from; also re-rendered when revoking a selection fails. */
export function badgeManageLocals(services: Services, req: Request, res: Response) {
  const { badgeClasses, assertions, ctx } = services;
  const badge = res.locals.badge as BadgeClass;
  const query = { ...pageQuery(req, 50), status: statusFilter(req.query.status) };
  return {
    title: badge.name,
    badge,
    issuer: res.locals.issuer,
    role: res.locals.role,
    canEdit: res.locals.role !== 'awarder',
    counts: badgeClasses.awardCounts(badge.id),
    criteriaHtml: renderMarkdown(badge.criteriaNarrative),
    awards: assertions.listForBadge(badge.id, query),
    query,
    statusOf: assertions.statusOf,
    urls: ctx.urls,
    notice: typeof req.query.notice === 'string' ? req.query.notice : null,
  };
}
