import type { Request, Response } from 'express';
import type { Pathway } from '../../repos/pathways.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { jsonBody } from './common.js';

export function pathwayApi(services: Services) {
  const { pathways, ctx } = services;

  const resource = (p: Pathway) => {
    const completions = pathways.completions(p.id);
    return {
      id: p.id,
      url: `${ctx.config.publicUrl}/pathways/${p.id}`,
      issuerId: p.issuerId,
      name: p.name,
      description: p.description,
      badgeIds: p.steps.map((s) => s.badgeClassId),
      steps: p.steps.map((s) => ({ badgeId: s.badgeClassId, group: s.groupLabel || null })),
      rule: p.rule,
      capstoneBadgeId: p.capstoneBadgeClassId,
      completions: completions.length,
      flagged: completions.filter((c) => c.flaggedAt && !c.resolvedAt).length,
      createdAt: p.createdAt,
    };
  };

  return {
    create(req: Request, res: Response) {
      const body = jsonBody(req);
      const pathway = pathways.create(String(body.issuerId ?? ''), currentUser(req).id, body);
      res.status(201).json(resource(pathway));
    },

    get(req: Request, res: Response) {
      const { pathway } = pathways.requirePathway(String(req.params.pathwayId), currentUser(req).id, 'awarder');
      res.json(resource(pathway));
    },
  };
}
