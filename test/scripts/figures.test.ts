import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, describeValues, parseFigures, readRows, rewriteDocument } from '../../scripts/figures.js';

// What vitest prints around a suite's console output, colours included.
const output = [
  '\u001b[90mstdout\u001b[2m | test/hardening/accounts.test.ts\u001b[2m > \u001b[22maccounts > gives … the same time',
  '\u001b[22m\u001b[39m[figure] login-timing: {"trials":50,"knownMedianMs":18.18,"unknownMedianMs":17.46,"differenceMs":0.72}',
  '',
  'stdout | test/hardening/parsers.test.ts > parsers > times each parser',
  '[figure] parser-timings: {"markup":{"bytes":1048576,"ms":41.5},"json":{"bytes":2097152,"ms":12}}',
  '[figure] single-use-races: {"secret":"invitation","concurrent":20,"used":1}',
  '[figure] single-use-races: {"secret":"sign-in link","concurrent":20,"used":1}',
  '[figure] broken: {not json}',
  '[figure] no colon here',
].join('\n');

describe('npm run figures', () => {
  it('collects every figure line, names it has never seen included, with its suite, through colour codes and repeats', () => {
    const { figures, problems } = parseFigures(output);
    expect(figures.map((f) => [f.name, f.suite])).toEqual([
      ['login-timing', 'accounts.test.ts'],
      ['parser-timings', 'parsers.test.ts'],
      ['single-use-races', 'parsers.test.ts'],
      ['single-use-races #2', 'parsers.test.ts'],
    ]);
    expect(figures[0]!.values).toEqual({ trials: 50, knownMedianMs: 18.18, unknownMedianMs: 17.46, differenceMs: 0.72 });
    expect(problems).toHaveLength(2);
  });

  it('describes values as key: value pairs, nested keys dotted, repeats folded, long arrays counted, and safe inside a table cell', () => {
    expect(describeValues({ routes: 1785, ratio: 0.5, nested: { a: { b: true } }, few: [1, 2], statuses: [...Array(10).fill(401), 429], many: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], pipe: 'a|b <i>' })).toBe(
      'routes: 1,785 · ratio: 0.5 · nested.a.b: true · few: [1, 2] · statuses: [401 ×10, 429] · many: 7 items · pipe: a\\|b &lt;i&gt;',
    );
  });

  it('rewrites only the marked section: new figures added, old ones replaced, figures not in this run kept with their date', () => {
    const before = [
      '# Security',
      'hand-written text | stays',
      BEGIN,
      'old machine line',
      '| figure | suite | run | measured |',
      '| --- | --- | --- | --- |',
      '| `login-timing` | `accounts.test.ts` | 2026-11-27 | trials: 10 |',
      '| `crash-safety` | `crash-safety.test.ts` | 2026-11-27 | kills: 22 · note: a\\|b |',
      END,
      'after',
    ].join('\n');
    const { figures } = parseFigures(output);
    const after = rewriteDocument(before, figures, '2026-12-03', 'machine line');
    expect(after.startsWith('# Security\nhand-written text | stays\n')).toBe(true);
    expect(after.endsWith(`${END}\nafter`)).toBe(true);
    const rows = readRows(after.slice(after.indexOf(BEGIN), after.indexOf(END)));
    expect(rows.map((r) => [r.name, r.run])).toEqual([
      ['login-timing', '2026-12-03'],
      ['crash-safety', '2026-11-27'],
      ['parser-timings', '2026-12-03'],
      ['single-use-races', '2026-12-03'],
      ['single-use-races #2', '2026-12-03'],
    ]);
    expect(rows[0]!.measured).toBe('trials: 50 · knownMedianMs: 18.18 · unknownMedianMs: 17.46 · differenceMs: 0.72');
    expect(rows[1]!.measured).toBe('kills: 22 · note: a\\|b');
    expect(after).toContain('machine line');
    expect(after).not.toContain('old machine line');
    // Idempotent: the same run written twice gives the same document.
    expect(rewriteDocument(after, figures, '2026-12-03', 'machine line')).toBe(after);
  });

  it('refuses a document without the markers', () => {
    expect(() => rewriteDocument('# no markers', [], '2026-12-03', '')).toThrow(/no figures section/);
  });

  it('rewrites SECURITY.md from a saved output with --from, as the CLI', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-figures-'));
    const saved = path.join(dir, 'hardening.txt');
    fs.writeFileSync(saved, output);
    const root = path.resolve(import.meta.dirname, '../..');
    const { stdout, stderr } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['scripts/figures.ts', '--from', saved, '--dry-run'], { cwd: root });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(stdout.startsWith(BEGIN)).toBe(true);
    expect(stdout).toContain('| `parser-timings` | `parsers.test.ts` |');
    expect(stdout).toContain('markup.bytes: 1,048,576 · markup.ms: 41.5');
    expect(stderr).toContain('4 figures');
  });
});
