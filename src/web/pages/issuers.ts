import type { Request, Response } from 'express';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { ROLES } from '../../services/issuers.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { pageQuery } from './form-input.js';
import { discardKeptImage, formImage } from './form-image.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function issuerPages(services: Services) {
  const { issuers, badgeClasses, ctx } = services;

  function showLocals(req: Request, issuer: Issuer, role: string) {
    const query = pageQuery(req);
    return {
      title: issuer.name,
      issuer,
      role,
      roles: ROLES,
      canEdit: issuers.hasRole(role as never, 'editor'),
      isOwner: role === 'owner',
      badges: badgeClasses.listForIssuer(issuer.id, { ...query, includeArchived: req.query.archived === '1' }),
      query,
      showArchived: req.query.archived === '1',
      members: issuers.members(issuer.id),
      counts: issuers.counts(issuer.id),
      urls: ctx.urls,
      memberValues: {},
      memberErrors: {},
      notice: typeof req.query.notice === 'string' ? req.query.notice : null,
    };
  }

  return {
    dashboard(req: Request, res: Response) {
      const user = currentUser(req);
      const page = issuers.listForUser(user.id, pageQuery(req, 50));
      res.render('issuers/dashboard', { title: 'Your issuers', issuers: page, urls: ctx.urls, checklist: firstStepsChecklist(issuers.firstSteps(user.id)) });
    },

    newForm(_req: Request, res: Response) {
      res.render('issuers/form', { title: 'New issuer', issuer: null, values: {} });
    },

    async create(req: Request, res: Response) {
      formContext(res, 'issuers/form', { title: 'New issuer', issuer: null }, body(req));
      const image = await formImage(services, req, res);
      const issuer = await issuers.create(currentUser(req).id, body(req), image.upload);
      discardKeptImage(services, req, image.keptId);
      res.redirect(303, `/manage/issuers/${issuer.id}`);
    },

    show(req: Request, res: Response) {
      res.render('issuers/manage', showLocals(req, res.locals.issuer as Issuer, res.locals.role as string));
    },

    editForm(_req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('issuers/form', { title: `Edit ${issuer.name}`, issuer, values: issuer });
    },

    async update(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'issuers/form', { title: `Edit ${issuer.name}`, issuer }, body(req));
      // An unticked checkbox sends nothing: on the edit form, absence means "off".
      const input = { ...body(req), signedAssertions: body(req).signedAssertions === '1' };
      const image = await formImage(services, req, res);
      await issuers.update(issuer.id, currentUser(req).id, input, image.upload);
      discardKeptImage(services, req, image.keptId);
      res.redirect(303, `/manage/issuers/${issuer.id}?notice=saved`);
    },

    addMember(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const locals = showLocals(req, issuer, res.locals.role as string);
      // The member form lives on the issuer page, so its errors re-render that page.
      formContext(res, 'issuers/manage', locals, body(req));
      issuers.addMember(issuer.id, currentUser(req).id, body(req));
      res.redirect(303, `/manage/issuers/${issuer.id}?notice=member-added#members`);
    },

    changeRole(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'issuers/manage', showLocals(req, issuer, res.locals.role as string), {});
      issuers.changeRole(issuer.id, currentUser(req).id, String(req.params.userId), body(req));
      res.redirect(303, `/manage/issuers/${issuer.id}?notice=role-changed#members`);
    },

    removeMember(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'issuers/manage', showLocals(req, issuer, res.locals.role as string), {});
      issuers.removeMember(issuer.id, currentUser(req).id, String(req.params.userId));
      res.redirect(303, `/manage/issuers/${issuer.id}?notice=member-removed#members`);
    },
  };
}

/** The three steps to a first award, each linked once the step before it is done; null once all are done. */
function firstStepsChecklist(steps: { issuerId: string | null; badgeId: string | null; hasAward: boolean }) {
  const { issuerId, badgeId, hasAward } = steps;
  if (issuerId && badgeId && hasAward) return null;
  return [
    { label: 'Set up your issuer', hint: 'The organisation that awards badges: your school, college, club or project.', done: Boolean(issuerId), href: '/manage/issuers/new' },
    {
      label: 'Make your first badge',
      hint: 'A name, a picture and what a learner did to earn it.',
      done: Boolean(badgeId),
      href: issuerId ? `/manage/issuers/${issuerId}/badges/new` : null,
    },
    {
      label: 'Award it to a learner',
      hint: 'One person by email, a class from a spreadsheet, or a workshop with a claim code.',
      done: hasAward,
      href: badgeId ? `/manage/badges/${badgeId}/award` : null,
    },
  ];
}
