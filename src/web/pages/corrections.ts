import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { awardMailLocals } from './mail.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function correctionPages(services: Services) {
  const { assertions, corrections, ctx } = services;
  return {
    correct(req: Request, res: Response) {
      const { assertion, badge, issuer } = assertions.requireAssertion(String(req.params.assertionId), currentUser(req).id, 'awarder');
      formContext(
        res,
        'assertions/manage',
        {
          title: `Award of ${badge.name}`,
          assertion,
          badge,
          issuer,
          status: assertions.statusOf(assertion),
          urls: ctx.urls,
          notice: null,
          ...awardMailLocals(services, assertion),
        },
        body(req),
      );
      const replacement = corrections.correctRecipient(assertion.id, currentUser(req).id, body(req));
      res.redirect(303, `/manage/assertions/${replacement.id}?notice=corrected`);
    },
  };
}
