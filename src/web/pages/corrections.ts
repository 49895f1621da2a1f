import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { awardManageLocals } from './assertions.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

export function correctionPages(services: Services) {
  const { corrections } = services;
  return {
    correct(req: Request, res: Response) {
      const locals = awardManageLocals(services, req);
      formContext(res, 'assertions/manage', locals, body(req));
      const assertion = locals.assertion;
      const replacement = corrections.correctRecipient(assertion.id, currentUser(req).id, body(req));
      res.redirect(303, `/manage/assertions/${replacement.id}?notice=corrected`);
    },
  };
}
