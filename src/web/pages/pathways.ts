import type { Request, Response } from 'express';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { describeRule } from '../../services/pathways.js';
import { currentUser } from '../auth.js';
import { field, formContext } from '../forms.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

export interface FormStep {
  badgeId: string;
  group: string;
  /** Ticked in the list of badges (true) or typed in the advanced field (false). */
  picked: boolean;
}

/**
 * The pathway form's steps, in order. First the badges ticked in the list (`steps`), ordered by their numbers
 * (`order-{id}`, kept up to date by pathway-picker.js; unnumbered ones after the numbered, in list order), each with
 * an optional group (`group-{id}`). Then the advanced field `badges`: one badge per line, as its public address or
 * id; a line starting with "#" names the group of the lines below it.
 */
export function pathwayFormSteps(b: Record<string, unknown>): FormStep[] {
  const rank = (id: string) => {
    const n = Number(field(b, `order-${id}`).trim() || Number.NaN);
    return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
  };
  const picked = idsOf(b.steps)
    .map((id, i) => ({ id, i, rank: rank(id) }))
    .sort((x, y) => x.rank - y.rank || x.i - y.i)
    .map(({ id }) => ({ badgeId: id, group: field(b, `group-${id}`).trim(), picked: true }));
  let group = '';
  const typed: FormStep[] = [];
  for (const raw of field(b, 'badges').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      group = line.replace(/^#+/, '').trim();
      continue;
    }
    typed.push({ badgeId: UUID.exec(line)?.[0]?.toLowerCase() ?? line, group, picked: false });
  }
  return [...picked, ...typed];
}

export function pathwayFormInput(b: Record<string, unknown>) {
  const n = field(b, 'ruleN').trim();
  return {
    name: field(b, 'name'),
    description: field(b, 'description'),
    badgeIds: pathwayFormSteps(b).map(({ badgeId, group }) => ({ badgeId, group })),
    rule: field(b, 'ruleType') === 'atLeast' ? { type: 'atLeast', n: /^\d+$/.test(n) ? Number(n) : Number.NaN } : { type: 'all' },
    capstoneBadgeId: field(b, 'capstoneBadgeId') || null,
  };
}

interface PickerRow {
  badge: BadgeClass;
  issuerName: string | null;
  order: string;
  group: string;
}

/** The list of badges as the form shows it: the chosen ones first, in their order, then the others. */
function pickerOf(pickable: Array<{ badge: BadgeClass; issuerName: string | null }>, values: Record<string, unknown>) {
  const byId = new Map(pickable.map((p) => [p.badge.id, p]));
  const chosen: PickerRow[] = [];
  for (const s of pathwayFormSteps(values)) {
    const p = s.picked ? byId.get(s.badgeId) : undefined;
    if (p && !chosen.some((c) => c.badge.id === p.badge.id)) chosen.push({ ...p, order: String(chosen.length + 1), group: s.group });
  }
  const others: PickerRow[] = pickable.filter((p) => !chosen.some((c) => c.badge.id === p.badge.id)).map((p) => ({ ...p, order: '', group: '' }));
  return { chosen, others };
}

/** Validation messages per step (badgeIds.3) are shown together at the top of the steps. */
function stepErrorsOf(fields: Record<string, string>) {
  const steps = Object.entries(fields).filter(([k]) => k.startsWith('badgeIds'));
  return steps.length > 0 ? steps.map(([, m]) => m).join('\n') : undefined;
}

export function pathwayPages(services: Services) {
  const { pathways, badgeClasses, ctx } = services;

  const formLocals = (issuer: Issuer, values: Record<string, unknown>) => ({
    title: 'New pathway',
    issuer,
    ownBadges: badgeClasses.listForIssuer(issuer.id, { limit: 200 }).items,
    picker: pickerOf(pathways.pickableBadges(issuer.id), values),
    stepErrors: stepErrorsOf,
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
      const values = { ruleType: 'all' };
      res.render('pathways/form', { ...formLocals(res.locals.issuer as Issuer, values), values });
    },

    create(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      formContext(res, 'pathways/form', formLocals(issuer, body(req)), body(req));
      const pathway = pathways.create(issuer.id, currentUser(req).id, pathwayFormInput(body(req)));
      res.redirect(303, `/manage/pathways/${pathway.id}?notice=created`);
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
