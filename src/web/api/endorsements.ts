import type { Request, Response } from 'express';
import type { Endorsement, Submission } from '../../repos/endorsements.js';
import type { QualityStandard } from '../../repos/quality-standards.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody } from './common.js';

export function endorsementApi(services: Services) {
  const { standards, endorsements } = services;

  const standardResource = (s: QualityStandard) => ({ id: s.id, name: s.name, description: s.description, rules: s.rules, createdAt: s.createdAt });
  const endorsementResource = (e: Endorsement) => ({
    id: e.id,
    openBadgeId: endorsements.urls.endorsement(e.id),
    credentialUrl: endorsements.credentialUrl(e.id),
    badgeId: e.badgeClassId,
    endorserIssuerId: e.endorserIssuerId,
    submissionId: e.submissionId,
    comment: e.comment,
    issuedOn: e.issuedOn,
    withdrawn: e.withdrawnAt !== null,
    withdrawnAt: e.withdrawnAt,
    withdrawalReason: e.withdrawalReason,
  });
  const submissionResource = (s: Submission, userId: string) => {
    const view = endorsements.view(s.id, userId);
    return {
      id: s.id,
      badgeId: s.badgeClassId,
      standardId: s.standardId,
      endorserIssuerId: s.endorserIssuerId,
      status: s.status,
      message: s.message,
      notes: s.notes,
      checks: view.score.results.map((r) => ({ ...r.rule, passed: r.passed })),
      endorsement: view.endorsement ? endorsementResource(view.endorsement) : null,
      auditLog: view.audit.map((a) => ({ action: a.action, actorId: a.actorId, message: a.message, at: a.createdAt })),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  };

  return {
    listStandards(_req: Request, res: Response) {
      res.json({ items: standards.list().map(standardResource), nextCursor: null });
    },

    createStandard(req: Request, res: Response) {
      res.status(201).json(standardResource(standards.create(currentUser(req).id, jsonBody(req))));
    },

    addEndorser(req: Request, res: Response) {
      const issuerId = String(jsonBody(req).issuerId ?? '');
      standards.setEndorser(currentUser(req).id, issuerId, true);
      res.status(201).json({ issuerId, endorser: true });
    },

    submit(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const submission = endorsements.submit(String(req.params.badgeId), userId, jsonBody(req));
      res.status(201).json(submissionResource(submission, userId));
    },

    listForBadge(req: Request, res: Response) {
      const userId = currentUser(req).id;
      services.badgeClasses.requireBadge(String(req.params.badgeId), userId, 'awarder');
      res.json({ items: endorsements.forBadge(String(req.params.badgeId)).map((s) => submissionResource(s, userId)), nextCursor: null });
    },

    getSubmission(req: Request, res: Response) {
      const userId = currentUser(req).id;
      res.json(submissionResource(endorsements.view(String(req.params.submissionId), userId).submission, userId));
    },

    approve(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const endorsement = endorsements.approve(String(req.params.submissionId), userId, jsonBody(req));
      res.status(201).json(endorsementResource(endorsement));
    },

    returnSubmission(req: Request, res: Response) {
      const userId = currentUser(req).id;
      res.json(submissionResource(endorsements.returnSubmission(String(req.params.submissionId), userId, jsonBody(req)), userId));
    },

    resubmit(req: Request, res: Response) {
      const userId = currentUser(req).id;
      res.json(submissionResource(endorsements.resubmit(String(req.params.submissionId), userId, jsonBody(req)), userId));
    },

    withdraw(req: Request, res: Response) {
      res.json(endorsementResource(endorsements.withdraw(String(req.params.endorsementId), currentUser(req).id, jsonBody(req))));
    },

  };
}
