import crypto from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import { forbidden, ValidationError } from '../errors.js';
import type { AlignmentFramework } from '../repos/alignment-frameworks.js';
import type { ServiceContext } from './context.js';
import { httpUrl, parseInput, text } from './validation.js';

export const MAX_TARGETS = 2000;

export const FrameworkInput = z.object({
  name: text.required('Name', 300),
  url: httpUrl('Framework URL'),
  csv: z.string().max(2_000_000, 'The CSV is larger than 2 MB.'),
});

const TargetRow = z.object({
  code: text.optional(100),
  name: text.required('name', 300),
  url: httpUrl('url'),
  description: text.optional(2000),
});

/**
 * Pure: reads a framework's targets from CSV with a header row naming `name` and `url` (required) and `code`,
 * `description` (optional), in any order. Every bad line is named; nothing is loaded unless every line is good.
 */
export function parseTargetsCsv(csv: string): Array<z.infer<typeof TargetRow>> {
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (err) {
    if (err instanceof CsvError) throw new ValidationError({ csv: `The CSV could not be read: ${err.message}` });
    throw err;
  }
  const [head, ...rows] = records;
  const columns = (head ?? []).map((c) => c.trim().toLowerCase());
  if (!columns.includes('name') || !columns.includes('url')) {
    throw new ValidationError({ csv: 'The first line must name the columns, including name and url (and optionally code and description).' });
  }
  if (rows.length === 0) throw new ValidationError({ csv: 'The CSV has no targets below its header line.' });
  if (rows.length > MAX_TARGETS) throw new ValidationError({ csv: `At most ${MAX_TARGETS} targets in one framework.` });
  const problems: string[] = [];
  const targets = rows.flatMap((row, index) => {
    const value = Object.fromEntries(columns.map((c, i) => [c, row[i] ?? '']));
    const parsed = TargetRow.safeParse(value);
    if (parsed.success) return [parsed.data];
    problems.push(`Line ${index + 2}: ${parsed.error.issues.map((i) => i.message).join(' ')}`);
    return [];
  });
  if (problems.length > 0) {
    throw new ValidationError({ csv: problems.slice(0, 20).join('\n') + (problems.length > 20 ? `\n…and ${problems.length - 20} more.` : '') });
  }
  return targets;
}

export function alignmentFrameworksService(ctx: ServiceContext) {
  const { repos, db } = ctx;

  function requireAdmin(userId: string) {
    if (!repos.users.findById(userId)?.isAdmin) throw forbidden('Only a site administrator can do that.');
  }

  return {
    list: () => repos.alignmentFrameworks.list(),
    /** Every target of every framework, for the badge class form's picker. */
    choices: () => repos.alignmentFrameworks.choices(),

    load(userId: string, raw: unknown): AlignmentFramework {
      requireAdmin(userId);
      const input = parseInput(FrameworkInput, raw);
      const targets = parseTargetsCsv(input.csv);
      const id = crypto.randomUUID();
      db.transaction(() =>
        repos.alignmentFrameworks.insert(
          { id, name: input.name, url: input.url, createdAt: ctx.now().toISOString() },
          targets.map((t, i) => ({ id: crypto.randomUUID(), position: i + 1, ...t })),
        ),
      )();
      return repos.alignmentFrameworks.list().find((f) => f.id === id)!;
    },

    remove(userId: string, frameworkId: string): void {
      requireAdmin(userId);
      repos.alignmentFrameworks.remove(frameworkId);
    },
  };
}

export type AlignmentFrameworksService = ReturnType<typeof alignmentFrameworksService>;
