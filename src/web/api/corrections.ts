import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { assertionResource } from './assertions.js';
import { jsonBody } from './common.js';

export function correctionApi(services: Services) {
  const { corrections, badgeClasses, assertions, ctx } = services;
  return {
    /** POST /api/v1/assertions/{id}/correct {email, name?}: the replacement award (201), linked to the revoked one. */
    correct(req: Request, res: Response) {
      const replacement = corrections.correctRecipient(String(req.params.assertionId), currentUser(req).id, jsonBody(req));
      const badge = badgeClasses.findPublic(replacement.badgeClassId)!;
      res
        .status(201)
        .location(`/api/v1/assertions/${replacement.id}`)
        .json({ ...assertionResource(replacement, ctx.urls, badge.hasSvg, assertions.statusOf(replacement)), replaces: String(req.params.assertionId) });
    },
  };
}
