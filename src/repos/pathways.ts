import type { Db } from '../db/database.js';

export type PathwayRule = { type: 'all' } | { type: 'atLeast'; n: number };

export interface PathwayStep {
  badgeClassId: string;
  position: number;
  groupLabel: string;
}

export interface Pathway {
  id: string;
  issuerId: string;
  name: string;
  description: string;
  rule: PathwayRule;
  capstoneBadgeClassId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  steps: PathwayStep[];
}

export interface PathwayCompletion {
  id: string;
  pathwayId: string;
  recipientEmail: string;
  capstoneAssertionId: string | null;
  completedAt: string;
  flaggedAt: string | null;
  flagReason: string | null;
  resolvedAt: string | null;
}

interface PathwayRow {
  id: string;
  issuer_id: string;
  name: string;
  description: string;
  rule_type: 'all' | 'atLeast';
  rule_n: number | null;
  capstone_badge_class_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface CompletionRow {
  id: string;
  pathway_id: string;
  recipient_email: string;
  capstone_assertion_id: string | null;
  completed_at: string;
  flagged_at: string | null;
  flag_reason: string | null;
  resolved_at: string | null;
}

const toCompletion = (row: CompletionRow): PathwayCompletion => ({
  id: row.id,
  pathwayId: row.pathway_id,
  recipientEmail: row.recipient_email,
  capstoneAssertionId: row.capstone_assertion_id,
  completedAt: row.completed_at,
  flaggedAt: row.flagged_at,
  flagReason: row.flag_reason,
  resolvedAt: row.resolved_at,
});

/*
 * A step counts only when its badge's issuer agreed: the pathway's own issuer, or one that accepted an agreement
 * with it (issuer_agreements). Otherwise one issuer could list another's badges and learn who holds them.
 * Used with `s` = pathway_steps and `p` = pathways in scope.
 */
const countedStep = `EXISTS (SELECT 1 FROM badge_classes sb WHERE sb.id = s.badge_class_id AND (sb.issuer_id = p.issuer_id OR EXISTS (
  SELECT 1 FROM issuer_agreements g WHERE g.grantee_issuer_id = p.issuer_id AND g.granter_issuer_id = sb.issuer_id AND g.status = 'accepted')))`;

export function pathwaysRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO pathways (id, issuer_id, name, description, rule_type, rule_n, capstone_badge_class_id, created_by, created_at, updated_at)
     VALUES (@id, @issuerId, @name, @description, @ruleType, @ruleN, @capstoneBadgeClassId, @createdBy, @createdAt, @updatedAt)`,
  );
  const insertStep = db.prepare('INSERT INTO pathway_steps (pathway_id, badge_class_id, position, group_label) VALUES (?, ?, ?, ?)');
  const byId = db.prepare<[string], PathwayRow>('SELECT * FROM pathways WHERE id = ?');
  const steps = db.prepare<[string], { badge_class_id: string; position: number; group_label: string }>(
    'SELECT badge_class_id, position, group_label FROM pathway_steps WHERE pathway_id = ? ORDER BY position',
  );
  const forIssuer = db.prepare<[string], PathwayRow>('SELECT * FROM pathways WHERE issuer_id = ? ORDER BY created_at DESC, id');
  const containing = db.prepare<[string], PathwayRow>(
    'SELECT p.* FROM pathways p JOIN pathway_steps s ON s.pathway_id = p.id WHERE s.badge_class_id = ? ORDER BY p.name, p.id',
  );
  const forRecipient = db.prepare<[string], PathwayRow>(
    `SELECT DISTINCT p.* FROM pathways p JOIN pathway_steps s ON s.pathway_id = p.id
     JOIN assertions a ON a.badge_class_id = s.badge_class_id
     WHERE a.recipient_email = ? AND a.revoked_at IS NULL ORDER BY p.name, p.id`,
  );
  const withCapstone = db.prepare<[string], PathwayRow>('SELECT * FROM pathways WHERE capstone_badge_class_id = ? ORDER BY name, id');
  // What a learner holds now: unrevoked, unexpired awards to the same normalised email, of the steps that count.
  const heldBadges = db.prepare<[string, string, string], { badge_class_id: string; id: string }>(
    `SELECT a.badge_class_id, min(a.id) AS id FROM assertions a JOIN pathway_steps s ON s.badge_class_id = a.badge_class_id
     JOIN pathways p ON p.id = s.pathway_id
     WHERE s.pathway_id = ? AND a.recipient_email = ? AND a.revoked_at IS NULL AND (a.expires IS NULL OR a.expires > ?)
       AND ${countedStep}
     GROUP BY a.badge_class_id`,
  );
  // Everyone who holds at least one counted step now: the learners a new or newly agreed pathway is checked for.
  const holders = db.prepare<[string, string], { recipient_email: string }>(
    `SELECT DISTINCT a.recipient_email FROM assertions a JOIN pathway_steps s ON s.badge_class_id = a.badge_class_id
     JOIN pathways p ON p.id = s.pathway_id
     WHERE s.pathway_id = ? AND a.revoked_at IS NULL AND (a.expires IS NULL OR a.expires > ?) AND ${countedStep}
     ORDER BY a.recipient_email`,
  );
  const withStepsOf = db.prepare<[string, string], PathwayRow>(
    `SELECT DISTINCT p.* FROM pathways p JOIN pathway_steps s ON s.pathway_id = p.id JOIN badge_classes b ON b.id = s.badge_class_id
     WHERE p.issuer_id = ? AND b.issuer_id = ? ORDER BY p.name, p.id`,
  );
  const countedSteps = db.prepare<[string], { badge_class_id: string }>(
    `SELECT s.badge_class_id FROM pathway_steps s JOIN pathways p ON p.id = s.pathway_id WHERE s.pathway_id = ? AND ${countedStep}`,
  );
  const heldCapstone = db.prepare<[string, string, string, string], { id: string }>(
    `SELECT id FROM assertions WHERE badge_class_id = ? AND recipient_email = ? AND revoked_at IS NULL
       AND (expires IS NULL OR expires > ?) AND id <> ? ORDER BY created_at LIMIT 1`,
  );
  const insertCompletion = db.prepare(
    `INSERT INTO pathway_completions (id, pathway_id, recipient_email, capstone_assertion_id, completed_at)
     VALUES (@id, @pathwayId, @recipientEmail, @capstoneAssertionId, @completedAt) ON CONFLICT (pathway_id, recipient_email) DO NOTHING`,
  );
  const completion = db.prepare<[string, string], CompletionRow>(
    'SELECT * FROM pathway_completions WHERE pathway_id = ? AND recipient_email = ?',
  );
  const completionById = db.prepare<[string], CompletionRow>('SELECT * FROM pathway_completions WHERE id = ?');
  const completions = db.prepare<[string], CompletionRow>(
    'SELECT * FROM pathway_completions WHERE pathway_id = ? ORDER BY flagged_at IS NULL, completed_at DESC, id',
  );
  const flag = db.prepare(
    'UPDATE pathway_completions SET flagged_at = ?, flag_reason = ?, resolved_at = NULL WHERE id = ? AND (flagged_at IS NULL OR resolved_at IS NOT NULL)',
  );
  const resolve = db.prepare('UPDATE pathway_completions SET resolved_at = ? WHERE id = ? AND flagged_at IS NOT NULL AND resolved_at IS NULL');

  const withSteps = (row: PathwayRow): Pathway => ({
    id: row.id,
    issuerId: row.issuer_id,
    name: row.name,
    description: row.description,
    rule: row.rule_type === 'all' ? { type: 'all' } : { type: 'atLeast', n: row.rule_n ?? 1 },
    capstoneBadgeClassId: row.capstone_badge_class_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    steps: steps.all(row.id).map((s) => ({ badgeClassId: s.badge_class_id, position: s.position, groupLabel: s.group_label })),
  });

  return {
    insert(p: Pathway) {
      insert.run({ ...p, ruleType: p.rule.type, ruleN: p.rule.type === 'atLeast' ? p.rule.n : null });
      for (const s of p.steps) insertStep.run(p.id, s.badgeClassId, s.position, s.groupLabel);
    },
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? withSteps(row) : null;
    },
    listForIssuer: (issuerId: string) => forIssuer.all(issuerId).map(withSteps),
    containingBadge: (badgeClassId: string) => containing.all(badgeClassId).map(withSteps),
    /** Pathways with at least one badge this learner holds. */
    forRecipient: (email: string) => forRecipient.all(email).map(withSteps),
    withCapstone: (badgeClassId: string) => withCapstone.all(badgeClassId).map(withSteps),
    /** The pathway's badges this learner holds now, each with one of its award ids. */
    heldBadges: (pathwayId: string, email: string, now: string) =>
      new Map(heldBadges.all(pathwayId, email, now).map((r) => [r.badge_class_id, r.id] as const)),
    /** Every learner holding at least one of the pathway's counted steps now. */
    holders: (pathwayId: string, now: string) => holders.all(pathwayId, now).map((r) => r.recipient_email),
    /** The issuer's pathways with at least one step from `stepIssuerId`. */
    withStepsOf: (issuerId: string, stepIssuerId: string) => withStepsOf.all(issuerId, stepIssuerId).map(withSteps),
    /** The steps that count (their issuer agreed). */
    countedSteps: (pathwayId: string) => new Set(countedSteps.all(pathwayId).map((r) => r.badge_class_id)),
    heldCapstone: (badgeClassId: string, email: string, now: string, exceptId = '') => heldCapstone.get(badgeClassId, email, now, exceptId)?.id ?? null,
    /** False when the learner already completed this pathway: the capstone is awarded at most once. */
    insertCompletion: (c: Pick<PathwayCompletion, 'id' | 'pathwayId' | 'recipientEmail' | 'capstoneAssertionId' | 'completedAt'>) =>
      insertCompletion.run(c).changes > 0,
    completion: (pathwayId: string, email: string) => {
      const row = completion.get(pathwayId, email);
      return row ? toCompletion(row) : null;
    },
    completionById: (id: string) => {
      const row = completionById.get(id);
      return row ? toCompletion(row) : null;
    },
    completions: (pathwayId: string) => completions.all(pathwayId).map(toCompletion),
    flag: (id: string, reason: string, at: string) => flag.run(at, reason, id).changes > 0,
    resolve: (id: string, at: string) => resolve.run(at, id).changes > 0,
  };
}
