import type { Request, Response } from 'express';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { describeRule } from '../../services/pathways.js';
import { currentUser } from '../auth.js';
import { field, formContext } from '../forms.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * The pathway form's badge list: one badge per line, as its public address or id, in order; a line starting with "#"
 * names the group of the lines below it.
 */
export function pathwayFormInput(b: Record<string, unknown>) {
  let group = '';
  const badgeIds: Array<{ badgeId: string; group: string }> = [];
  for (const raw of field(b, 'badges').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      group = line.replace(/^#+/, '').trim();
      continue;
    }
    badgeIds.push({ badgeId: UUID.exec(line)?.[0]?.toLowerCase() ?? line, group });
  }
  const n = field(b, 'ruleN').trim();
  return {
    name: field(b, 'name'),
    description: field(b, 'description'),
    badgeIds,
    rule: field(b, 'ruleType') === 'atLeast' ? { type: 'atLeast', n: /^\d+$/.test(n) ? Number(n) : Number.NaN } : { type: 'all' },
    capstoneBadgeId: field(b, 'capstoneBadgeId') || null,
  };
}

/** Validation messages per step (badgeIds.3) are shown together beside the badge list. */
function formErrorsOf(fields: Record<string, string>) {
  const steps = Object.entries(fields).filter(([k]) => k.startsWith('badgeIds'));
  return steps.length > 0 ? steps.map(([, m]) => m).join('\n') : undefined;
}

export function pathwayPages(services: Services) {
  const { pathways, badgeClasses, ctx } = services;

  const formLocals = (issuer: Issuer) => ({
    title: 'New pathway',
    issuer,
    ownBadges: badgeClasses.listForIssuer(issuer.id, { limit: 200 }).items,
    stepErrors: formErrorsOf,
    urls: ctx.urls,
  });

  return {
    list(_req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      res.render('pathways/list', {
        title: `Pathways · ${issuer.name}`,
        issuer,
        canEdit: services.issuers.hasRole(res.locals.role, 'editor'),
        pathways: pathways.listForIssuer(issuer.id),
      });
    },

    newForm(_req: Request, res: Response) {
      res.render('pathways/form', { ...formLocals(res.locals.issuer as Issuer), values: { ruleType: 'all' } });
    },

    create(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'pathways/form', formLocals(issuer), body(req));
      const pathway = pathways.create(issuer.id, currentUser(req).id, pathwayFormInput(body(req)));
      res.redirect(303, `/manage/pathways/${pathway.id}`);
    },

    show(req: Request, res: Response) {
      const { pathway, issuer, role } = pathways.requirePathway(String(req.params.pathwayId), currentUser(req).id, 'awarder');
      res.render('pathways/manage', {
        title: pathway.name,
        pathway,
        issuer,
        role,
        steps: pathways.stepsOf(pathway),
        ruleText: describeRule(pathway.rule, pathway.steps.length),
        capstone: pathway.capstoneBadgeClassId ? badgeClasses.findIncludingDeleted(pathway.capstoneBadgeClassId) : null,
        completions: pathways.completions(pathway.id),
        notice: typeof req.query.notice === 'string' ? req.query.notice : null,
        values: {},
        urls: ctx.urls,
      });
    },

    resolve(req: Request, res: Response) {
      const id = String(req.params.pathwayId);
      pathways.resolveFlag(id, String(req.params.completionId), currentUser(req).id, { action: field(body(req), 'action'), reason: field(body(req), 'reason') });
      res.redirect(303, `/manage/pathways/${id}?notice=resolved`);
    },
  };
}
