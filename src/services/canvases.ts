import crypto from 'node:crypto';
import { z } from 'zod';
import { notFound, ValidationError } from '../errors.js';
import type { PublicUrls } from '../openbadges/documents.js';
import type { Canvas, CanvasWrite } from '../repos/canvases.js';
import type { PageQuery } from '../repos/pagination.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { httpUrl, parseInput, text } from './validation.js';

/** The Open Badge Canvas sections, each with the questions a workshop table talks through. */
export const CANVAS_PROMPTS = {
  name: { title: 'Name', questions: ['What would a learner proudly call this badge?', 'Is it short enough to read on the badge itself?'] },
  description: { title: 'Description', questions: ['What does the badge recognise, in a sentence or two?', 'Why does it matter to the learner and to others?'] },
  audience: {
    title: 'Audience',
    questions: ['Who is this badge for: age, setting, prior experience?', 'Who else will look at it: parents, employers, colleges?', 'What will it help them do next?'],
  },
  components: {
    title: 'Components',
    questions: ['What must a learner do, make or show to earn it?', 'Which parts are essential and which are optional extras?', 'How will you know each part is done?'],
  },
  pathways: {
    title: 'Pathways',
    questions: ['Does this badge stand alone, or is it a step in a larger journey?', 'Which badges come before it, and which could follow?'],
  },
  resources: {
    title: 'Resources',
    questions: ['What does it take to deliver: people, time, equipment, places?', 'Which frameworks or standards does it line up with?', 'What evidence could a learner show?'],
  },
} as const;

const Component = z.object({
  text: text.required('Component', 500),
  required: z.boolean(),
});

const PathwayBadge = z.object({
  badgeId: z.string().trim().min(1).max(100),
  relation: z.enum(['prerequisite', 'related'], 'Choose prerequisite or related.'),
});

const CanvasAlignment = z.object({
  targetName: text.required('Alignment name', 300),
  targetUrl: httpUrl('Alignment URL'),
});

export const CanvasInput = z.object({
  name: text.required('Badge name', 200),
  description: text.optional(5000),
  audience: text.optional(5000),
  components: z.array(Component).max(30, 'At most 30 components.').default([]),
  pathways: text.optional(5000),
  pathwayBadges: z.array(PathwayBadge).max(50, 'At most 50 linked badges.').default([]),
  resources: text.optional(5000),
  alignments: z.array(CanvasAlignment).max(20, 'At most 20 alignments.').default([]),
  evidence: text.optional(5000),
  designId: z.string().trim().max(100).nullable().default(null),
});

export function canvasesService(ctx: ServiceContext, issuers: IssuersService) {
  const { repos } = ctx;

  function requireCanvas(canvasId: string, userId: string, atLeast: 'editor' | 'awarder') {
    const canvas = repos.canvases.findById(canvasId);
    if (!canvas) throw notFound('Canvas');
    const { issuer, role } = issuers.requireRole(canvas.issuerId, userId, atLeast);
    return { canvas, issuer, role };
  }

  /** Linked badges and the design must belong to the canvas's issuer, so a plan never points at someone else's work. */
  function validate(issuerId: string, raw: unknown): CanvasWrite {
    const input = parseInput(CanvasInput, raw);
    const errors: Record<string, string> = {};
    input.pathwayBadges.forEach((link, i) => {
      const badge = repos.badgeClasses.findById(link.badgeId);
      if (!badge || badge.issuerId !== issuerId || badge.deletedAt) errors[`pathwayBadges.${i}.badgeId`] = 'Choose one of this issuer’s badges.';
    });
    if (input.designId) {
      const design = repos.designs.findById(input.designId);
      if (!design || design.issuerId !== issuerId) errors.designId = 'Choose one of this issuer’s saved designs.';
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return input;
  }

  return {
    requireCanvas,
    listForIssuer(issuerId: string, userId: string, page: PageQuery) {
      issuers.requireRole(issuerId, userId, 'awarder');
      return repos.canvases.listForIssuer(issuerId, page);
    },
    create(issuerId: string, userId: string, raw: unknown): Canvas {
      issuers.requireRole(issuerId, userId, 'editor');
      const input = validate(issuerId, raw);
      const id = crypto.randomUUID();
      repos.canvases.insert({ id, issuerId, createdBy: userId, now: ctx.now().toISOString(), ...input });
      return repos.canvases.findById(id)!;
    },
    update(canvasId: string, userId: string, raw: unknown): Canvas {
      const { canvas } = requireCanvas(canvasId, userId, 'editor');
      repos.canvases.update(canvasId, validate(canvas.issuerId, raw), ctx.now().toISOString());
      return repos.canvases.findById(canvasId)!;
    },
    remove(canvasId: string, userId: string): void {
      requireCanvas(canvasId, userId, 'editor');
      repos.canvases.remove(canvasId);
    },
    /** The badge class form's starting values, for a member who may create badges on the canvas's issuer. */
    badgeFormValues(canvasId: string, issuerId: string, userId: string) {
      const { canvas } = requireCanvas(canvasId, userId, 'editor');
      if (canvas.issuerId !== issuerId) throw notFound('Canvas');
      const names = new Map(
        canvas.pathwayBadges.map((link) => [link.badgeId, repos.badgeClasses.findById(link.badgeId)?.name ?? 'A badge']),
      );
      const design = canvas.designId ? repos.designs.findById(canvas.designId) : null;
      return { ...canvasToBadgeValues(canvas, names, ctx.urls), designId: design?.id ?? '', imageCaption: design?.altText ?? '' };
    },
  };
}

/** Components become itemised criteria; pathways and evidence ideas follow them; alignments carry over as they are. */
export function canvasToBadgeValues(canvas: Canvas, badgeNames: ReadonlyMap<string, string>, urls: Pick<PublicUrls, 'badge'>) {
  const section = (title: string, lines: string[]) => (lines.length > 0 ? [`**${title}**`, '', ...lines, ''] : []);
  const required = canvas.components.filter((c) => c.required).map((c) => `- ${c.text}`);
  const optional = canvas.components.filter((c) => !c.required).map((c) => `- ${c.text}`);
  const link = (relation: 'prerequisite' | 'related') =>
    canvas.pathwayBadges
      .filter((p) => p.relation === relation)
      .map((p) => `- [${(badgeNames.get(p.badgeId) ?? 'A badge').replace(/[[\]]/g, '')}](${urls.badge(p.badgeId)})`);
  const criteria = [
    ...section('Required', required),
    ...section('Optional', optional),
    ...section('Earn these first', link('prerequisite')),
    ...section('Related badges', link('related')),
    ...(canvas.evidence ? ['**Evidence you could show**', '', canvas.evidence, ''] : []),
  ]
    .join('\n')
    .trim();
  return {
    name: canvas.name,
    description: canvas.description,
    criteriaNarrative: criteria,
    criteriaUrl: '',
    tags: '',
    expiresAfterDays: '',
    alignments: canvas.alignments.map((a) => ({ targetName: a.targetName, targetUrl: a.targetUrl })),
  };
}

export type CanvasesService = ReturnType<typeof canvasesService>;
