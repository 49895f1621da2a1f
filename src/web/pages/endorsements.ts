import type { Request, Response } from 'express';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { renderMarkdown } from '../../markdown.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** Quality standards on a badge, submissions for review, the reviewers' queue and their decisions. */
export function endorsementPages(services: Services) {
  const { standards, endorsements, issuers, ctx } = services;

  function qualityLocals(req: Request, res: Response) {
    const badge = res.locals.badge as BadgeClass;
    const issuer = res.locals.issuer as Issuer;
    return {
      title: `Quality and endorsements · ${badge.name}`,
      badge,
      issuer,
      canSubmit: issuers.hasRole(res.locals.role, 'editor'),
      scores: standards.scoresFor(badge, issuer),
      endorsers: standards.endorsers(),
      submissions: endorsements.forBadge(badge.id),
      current: endorsements.activeForBadge(badge.id),
      endorsementUrl: endorsements.urls.endorsement,
      notice: typeof req.query.notice === 'string' ? req.query.notice : null,
      urls: ctx.urls,
    };
  }

  function submissionLocals(req: Request) {
    const view = endorsements.view(String(req.params.submissionId), currentUser(req).id);
    return {
      title: `Review · ${view.badge.name}`,
      ...view,
      criteriaHtml: renderMarkdown(view.badge.criteriaNarrative),
      endorsementUrl: endorsements.urls.endorsement,
      notice: typeof req.query.notice === 'string' ? req.query.notice : null,
      urls: ctx.urls,
    };
  }

  /** Every decision form re-renders the submission page on bad input, with what was typed. */
  function decide(req: Request, res: Response) {
    formContext(res, 'endorsements/submission', submissionLocals(req), body(req));
    return { id: String(req.params.submissionId), userId: currentUser(req).id };
  }

  return {
    quality(req: Request, res: Response) {
      res.render('endorsements/quality', { ...qualityLocals(req, res), values: {} });
    },

    submit(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      formContext(res, 'endorsements/quality', qualityLocals(req, res), body(req));
      const submission = endorsements.submit(badge.id, currentUser(req).id, body(req));
      res.redirect(303, `/manage/submissions/${submission.id}?notice=submitted`);
    },

    myQueue(req: Request, res: Response) {
      res.render('endorsements/queue', { title: 'Reviews', issuer: null, items: endorsements.queueForUser(currentUser(req).id), urls: ctx.urls });
    },

    issuerQueue(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('endorsements/queue', {
        title: `Reviews · ${issuer.name}`,
        issuer,
        isEndorser: standards.isEndorser(issuer.id),
        items: endorsements.queueForEndorser(issuer.id, currentUser(req).id),
        urls: ctx.urls,
      });
    },

    submission(req: Request, res: Response) {
      res.render('endorsements/submission', { ...submissionLocals(req), values: {} });
    },

    approve(req: Request, res: Response) {
      const { id, userId } = decide(req, res);
      endorsements.approve(id, userId, { comment: body(req).comment });
      res.redirect(303, `/manage/submissions/${id}?notice=approved`);
    },

    returnSubmission(req: Request, res: Response) {
      const { id, userId } = decide(req, res);
      endorsements.returnSubmission(id, userId, { notes: body(req).notes });
      res.redirect(303, `/manage/submissions/${id}?notice=returned`);
    },

    resubmit(req: Request, res: Response) {
      const { id, userId } = decide(req, res);
      endorsements.resubmit(id, userId, { message: body(req).message });
      res.redirect(303, `/manage/submissions/${id}?notice=resubmitted`);
    },

    withdraw(req: Request, res: Response) {
      const endorsement = endorsements.findPublic(String(req.params.endorsementId));
      const userId = currentUser(req).id;
      if (endorsement) {
        req.params.submissionId = endorsement.submissionId;
        formContext(res, 'endorsements/submission', submissionLocals(req), body(req));
      }
      const withdrawn = endorsements.withdraw(String(req.params.endorsementId), userId, { reason: body(req).reason });
      res.redirect(303, `/manage/submissions/${withdrawn.submissionId}?notice=withdrawn`);
    },
  };
}
