import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * `npm run figures`: SECURITY.md's measured figures, written from the suites' own output so they cannot go stale.
 * Every hardening suite prints `[figure] name: {json}` lines; this collects them (any name, seen before or not) and
 * rewrites the table between the figures markers in SECURITY.md. A figure that this run did not print keeps its
 * row and the date of the run that did, so running one suite updates only its own rows.
 *
 *   npm run figures                                   run every hardening suite, then write the table
 *   npm run figures -- test/hardening/accounts.test.ts   run only these suites, update their rows
 *   npm run figures -- --from saved-output.txt        read a saved `npm run test:hardening` output instead
 *   npm run figures -- --dry-run                      print the new table instead of writing it
 */

export const BEGIN = '<!-- figures:begin: written by `npm run figures` from the suites\' output; edits inside are overwritten -->';
export const END = '<!-- figures:end -->';

export interface Figure {
  name: string;
  suite: string;
  values: Record<string, unknown>;
}

export interface Row {
  name: string;
  suite: string;
  run: string;
  measured: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const FIGURE_LINE = /\[figure\] ([\w.@/-]+): (\{.*\})\s*$/;
const SUITE_LINE = /\b(?:stdout|stderr) \| (\S+\.test\.ts)\b/;

/**
 * Every figure line in a vitest output, with the suite that printed it (vitest heads console output with
 * `stdout | file > test`). Names printed more than once get `#2`, `#3` … so no line is lost.
 */
export function parseFigures(output: string): { figures: Figure[]; problems: string[] } {
  const figures: Figure[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let suite = '';
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(ANSI, '');
    const suiteMatch = SUITE_LINE.exec(line);
    if (suiteMatch) suite = path.basename(suiteMatch[1]!);
    const match = FIGURE_LINE.exec(line);
    if (!match) {
      if (line.includes('[figure] ')) problems.push(`not a figure line (want "[figure] name: {json}"): ${line.trim().slice(0, 120)}`);
      continue;
    }
    let values: unknown;
    try {
      values = JSON.parse(match[2]!);
    } catch {
      problems.push(`figure ${match[1]} is not valid JSON`);
      continue;
    }
    const count = (seen.get(match[1]!) ?? 0) + 1;
    seen.set(match[1]!, count);
    figures.push({ name: count === 1 ? match[1]! : `${match[1]} #${count}`, suite, values: values as Record<string, unknown> });
  }
  return { figures, problems };
}

const MAX_ENTRIES = 60;
const MAX_INLINE_ITEMS = 6;

function formatScalar(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Scalars with repeats folded: [401, 401, 401, 429] → ["401 ×3", "429"]. */
function runsOf(values: unknown[]): string[] {
  const runs: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    runs.push(j - i > 1 ? `${formatScalar(values[i])} ×${j - i}` : formatScalar(values[i]));
    i = j;
  }
  return runs;
}

/** `key: value` pairs of a figure, nested objects flattened with dots, long arrays counted. */
export function describeValues(values: Record<string, unknown>): string {
  const entries: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      const runs = value.every((v) => v === null || typeof v !== 'object') ? runsOf(value) : null;
      entries.push(runs && runs.length <= MAX_INLINE_ITEMS ? `${key}: [${runs.join(', ')}]` : `${key}: ${value.length} items`);
    } else if (value !== null && typeof value === 'object') {
      const inner = Object.entries(value as Record<string, unknown>);
      if (inner.length === 0) entries.push(`${key}: {}`);
      for (const [k, v] of inner) walk(v, key ? `${key}.${k}` : k);
    } else {
      entries.push(`${key}: ${formatScalar(value)}`);
    }
  };
  walk(values, '');
  const shown = entries.slice(0, MAX_ENTRIES);
  if (entries.length > MAX_ENTRIES) shown.push(`… ${entries.length - MAX_ENTRIES} more in the suite's output`);
  return cell(shown.join(' · '));
}

/** Text safe inside one Markdown table cell (no column breaks, no line breaks, no live HTML). */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** The rows already in the generated table, so figures this run did not print keep theirs. */
export function readRows(section: string): Row[] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name = '', suite = '', run = '', measured = ''] = splitRow(line);
      return { name: name.replace(/^`|`$/g, ''), suite: suite.replace(/^`|`$/g, ''), run, measured };
    });
}

export function renderSection(rows: Row[], machine: string): string {
  const sorted = [...rows].sort((a, b) => a.suite.localeCompare(b.suite) || a.name.localeCompare(b.name, 'en', { numeric: true }));
  return [
    BEGIN,
    '',
    machine,
    '',
    '| figure | suite | run | measured |',
    '| --- | --- | --- | --- |',
    ...sorted.map((r) => `| \`${r.name}\` | ${r.suite ? `\`${r.suite}\`` : ''} | ${r.run} | ${r.measured} |`),
    '',
    END,
  ].join('\n');
}

/** SECURITY.md with its figures section rewritten: these figures replace their rows, other rows stay. */
export function rewriteDocument(document: string, figures: Figure[], run: string, machine: string): string {
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`SECURITY.md has no figures section: add the two marker lines\n${BEGIN}\n${END}`);
  const rows = new Map(readRows(document.slice(begin, end)).map((r) => [r.name, r]));
  for (const f of figures) rows.set(f.name, { name: f.name, suite: f.suite, run, measured: describeValues(f.values) });
  return document.slice(0, begin) + renderSection([...rows.values()], machine) + document.slice(end + END.length);
}

/** The machine the suites ran on; a saved output does not say, so then only the file is named. */
function describeRun(run: string, source: string, here: boolean): string {
  if (!here) return `Last written ${run} from ${source}; the machine that ran it is not recorded.`;
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
  return `Last written ${run} from ${source} on ${cpus.length} vCPUs (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()}, load average ${load} at the end of the run.`;
}

function runSuites(files: string[], cwd: string): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(cwd, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.hardening.config.ts', ...files], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stream.write(chunk);
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ output, code }));
  });
}

async function main(argv: string[]) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dryRun = argv.includes('--dry-run');
  const fromAt = argv.indexOf('--from');
  const from = fromAt >= 0 ? argv[fromAt + 1] : undefined;
  if (fromAt >= 0 && !from) throw new Error('--from needs a file name');
  const files = argv.filter((a, i) => !a.startsWith('--') && (fromAt < 0 || i !== fromAt + 1));

  let output: string;
  let run: string;
  let source: string;
  if (from) {
    output = fs.readFileSync(from, 'utf8');
    run = fs.statSync(from).mtime.toISOString().slice(0, 10);
    source = `the saved output ${path.basename(from)}`;
  } else {
    const result = await runSuites(files, root);
    // Figures from a failing run describe a product that did not pass: they are not published.
    if (result.code !== 0) throw new Error(`the hardening suites failed (exit ${result.code}); SECURITY.md is unchanged`);
    output = result.output;
    run = new Date().toISOString().slice(0, 10);
    source = files.length ? `a run of ${files.map((f) => path.basename(f)).join(', ')}` : 'a run of every hardening suite';
  }
  const { figures, problems } = parseFigures(output);
  for (const p of problems) process.stderr.write(`figures: ${p}\n`);
  if (figures.length === 0) throw new Error('no [figure] lines found; SECURITY.md is unchanged');
  const file = path.join(root, 'SECURITY.md');
  const updated = rewriteDocument(fs.readFileSync(file, 'utf8'), figures, run, describeRun(run, source, !from));
  if (dryRun) process.stdout.write(`${updated.slice(updated.indexOf(BEGIN), updated.indexOf(END) + END.length)}\n`);
  else fs.writeFileSync(file, updated);
  process.stderr.write(`figures: ${figures.length} figures (${figures.map((f) => f.name).join(', ')})${dryRun ? '' : ' written to SECURITY.md'}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`figures: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
