import crypto from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvError, parse, type Options as CsvOptions } from 'csv-parse';
import { AppError, notFound } from '../errors.js';
import type { Assertion } from '../repos/assertions.js';
import type { AwardBatch } from '../repos/award-batches.js';
import { AwardValidationError, MAX_RECIPIENTS_PER_AWARD, type AssertionsService, type LineProblem } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import type { ServiceContext } from './context.js';
import { TenantSlots, TIME_BUDGETS, withTenantSlot, WORK_LIMITS } from './work-budget.js';

export const CSV_COLUMNS = ['email', 'name', 'narrative', 'evidence_url', 'evidence_narrative', 'issued_on', 'expires'] as const;
export const MAX_CSV_BYTES = 5 * 1024 * 1024;
const PENDING_HOURS = 24;
// The parser is fed this many characters at a time, yielding to the event loop in between: a 10,000-row file then
// never holds other requests up for more than a few milliseconds while it is read.
const PARSE_CHUNK_CHARS = 64 * 1024;
const importSlots = new TenantSlots('bulk import', WORK_LIMITS.bulkImports, 'You have other CSV imports under way. Please wait for them to finish.');

export interface CsvRecipient {
  line: number;
  email: string;
  name?: string;
  narrative?: string;
  evidence?: Array<{ url?: string; narrative?: string }>;
  issuedOn?: string;
  expires?: string;
}

/** A refused file, with every problem by line, so the preview can list them all. */
const csvProblems = (lines: LineProblem[], message = 'The CSV file has problems. Nothing was awarded.') =>
  new AwardValidationError(
    { csv: lines.slice(0, 50).map((l) => l.message).join('\n') + (lines.length > 50 ? `\n…and ${lines.length - 50} more.` : '') },
    lines,
    message,
  );

const notCsv = () =>
  new AppError(415, 'not_csv', 'This file is not a CSV text file. Save the spreadsheet as “CSV UTF-8” and upload that.', {
    csv: 'This file is not a CSV text file. Save the spreadsheet as “CSV UTF-8” and upload that.',
  });

/** Text from the upload: UTF-8 with or without BOM; binary files (NUL bytes, invalid UTF-8) are refused. */
export function decodeCsv(bytes: Buffer): string {
  if (bytes.length > MAX_CSV_BYTES) throw new AppError(413, 'too_large', 'The CSV file is too large: at most 5 MB.', { csv: 'The CSV file is too large: at most 5 MB.' });
  if (bytes.includes(0)) throw notCsv();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw notCsv();
  }
  return text.replace(/^\uFEFF/, '');
}

/** Comma or semicolon (spreadsheets in many European locales save with `;`): whichever the header row uses more. */
export function detectDelimiter(text: string): ',' | ';' {
  const header = text.slice(0, text.search(/\r?\n|$/));
  const outsideQuotes = header.replace(/"[^"]*"/g, '');
  const count = (c: string) => outsideQuotes.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/**
 * Parses the CSV into recipients with their line numbers (as a spreadsheet numbers them: the header is line 1).
 * Problems with the file's shape are reported by line; the values themselves are checked by the award service.
 */
export async function parseAwardCsv(text: string): Promise<CsvRecipient[]> {
  const file = await readAwardCsv(text);
  const tooMany = file.rows.flatMap((r) => (r.problem ? [{ line: r.line, message: r.problem }] : []));
  if (tooMany.length > 0) throw csvProblems(tooMany);
  return file.rows.map((r) => r.recipient);
}

/** A CSV file as read: the uploader's header cells, and per line its values, recipient and any shape problem. */
export interface AwardCsv {
  header: string[];
  rows: Array<{ line: number; record: string[]; recipient: CsvRecipient; problem: string | null }>;
}

/** Problems with the file as a whole (unreadable, bad header, no rows, too many) are thrown; a line's own are kept. */
export async function readAwardCsv(text: string): Promise<AwardCsv> {
  if (text.trim() === '') throw csvProblems([{ line: 1, message: 'Line 1: the file is empty. The first line must name the columns, such as email,name.' }]);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = await parseInChunks(text, {
      delimiter: detectDelimiter(text),
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      max_record_size: 100_000,
    });
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines ?? 1;
      throw csvProblems([{ line, message: `Line ${line}: ${describeCsvError(err)}` }]);
    }
    throw err;
  }
  const [head, ...rows] = records;
  const columns = head!.record.map((c) => c.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const headerProblems: LineProblem[] = [];
  columns.forEach((c, i) => {
    // `error` is the column Kiln adds to the lines it hands back to fix: such a file can be uploaded again as it is.
    if (c === 'error') return;
    if (!(CSV_COLUMNS as readonly string[]).includes(c)) {
      headerProblems.push({ line: 1, message: `Line 1: column ${i + 1} “${c.slice(0, 40)}” is not one of ${CSV_COLUMNS.join(', ')}.` });
    } else if (columns.indexOf(c) !== i) headerProblems.push({ line: 1, message: `Line 1: the column “${c}” appears twice.` });
  });
  if (!columns.includes('email')) headerProblems.unshift({ line: 1, message: 'Line 1: the first line must name the columns and include “email”.' });
  if (headerProblems.length > 0) throw csvProblems(headerProblems);
  if (rows.length === 0) throw csvProblems([{ line: 2, message: 'Line 2: there are no recipients after the header line.' }]);
  if (rows.length > MAX_RECIPIENTS_PER_AWARD) {
    throw csvProblems([{ line: MAX_RECIPIENTS_PER_AWARD + 2, message: `Line ${MAX_RECIPIENTS_PER_AWARD + 2}: at most ${MAX_RECIPIENTS_PER_AWARD} recipients per file.` }]);
  }

  const parsed = rows.map(({ record, info }) => {
    const line = info.lines;
    const problem =
      record.length > columns.length && record.slice(columns.length).some((v) => v !== '')
        ? `Line ${line}: has ${record.length} values but the header names ${columns.length} columns.`
        : null;
    const value = (name: (typeof CSV_COLUMNS)[number]) => {
      const i = columns.indexOf(name);
      return i >= 0 ? (record[i] ?? '') : '';
    };
    const evidenceUrl = value('evidence_url');
    const evidenceNarrative = value('evidence_narrative');
    const recipient: CsvRecipient = {
      line,
      email: value('email'),
      ...(value('name') ? { name: value('name') } : {}),
      ...(value('narrative') ? { narrative: value('narrative') } : {}),
      ...(evidenceUrl || evidenceNarrative
        ? { evidence: [{ ...(evidenceUrl ? { url: evidenceUrl } : {}), ...(evidenceNarrative ? { narrative: evidenceNarrative } : {}) }] }
        : {}),
      ...(value('issued_on') ? { issuedOn: value('issued_on') } : {}),
      ...(value('expires') ? { expires: value('expires') } : {}),
    };
    return { line, record, recipient, problem };
  });
  return { header: head!.record, rows: parsed };
}

/** csv-parse's stream, fed in chunks with a turn of the event loop between them. */
async function parseInChunks(text: string, options: CsvOptions): Promise<Array<{ record: string[]; info: { lines: number } }>> {
  const parser = parse(options);
  const records: Array<{ record: string[]; info: { lines: number } }> = [];
  let failure: Error | null = null;
  // Settles either way, so a failure found mid-file is never an unhandled rejection while chunks are still fed.
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (err) => {
      failure ??= err;
      resolve();
    });
  });
  parser.on('readable', () => {
    for (let r = parser.read(); r !== null; r = parser.read()) records.push(r as (typeof records)[number]);
  });
  for (let from = 0; from < text.length && !failure; ) {
    let to = Math.min(from + PARSE_CHUNK_CHARS, text.length);
    // Never split a surrogate pair: each chunk is encoded to UTF-8 on its own.
    if (to < text.length && /[\uD800-\uDBFF]/.test(text[to - 1]!)) to--;
    parser.write(text.slice(from, to));
    from = to;
    await nextTurn();
  }
  if (!failure) parser.end();
  await ended;
  if (failure) throw failure;
  return records;
}

function describeCsvError(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value is never closed (a " is missing).';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return 'a quote mark " is in the wrong place. Put values with quotes inside double quotes and double the inner ones ("").';
    case 'CSV_MAX_RECORD_SIZE':
      return 'a value is too long.';
    default:
      return 'this line cannot be read as CSV.';
  }
}

/** Every line's problem, also those the award service found, in line order. */
const withLines = (err: unknown): never => {
  if (err instanceof AwardValidationError) {
    const lines = [...err.lines].sort((a, b) => a.line - b.line);
    const other = Object.entries(err.fields)
      .filter(([k]) => k !== 'recipients')
      .map(([, m]) => ({ line: 0, message: m }));
    throw csvProblems([...other, ...lines]);
  }
  throw err;
};

/** The lines to award and the refused ones, each with every problem it has (partial mode). */
export interface SplitCsv {
  good: CsvRecipient[];
  rejected: Array<{ line: number; record: string[]; message: string }>;
}

/** The refused lines as the uploader wrote them, plus an `error` column: fix them and upload this file again. */
export function rejectedCsv(header: string[], rejected: SplitCsv['rejected']): string {
  const rows = rejected.map((r) => [...header.map((_, i) => r.record[i] ?? ''), r.message]);
  return [[...header, 'error'], ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export interface BulkResultLine {
  line: number;
  email: string;
  name: string | null;
  assertionId: string;
  awardUrl: string;
  bakedPngUrl: string;
}

export function bulkAwardsService(ctx: ServiceContext, badgeClasses: BadgeClassesService, assertions: AssertionsService) {
  const { repos, db, urls } = ctx;

  function recipientsOf(bytesOrText: Buffer | string): Promise<CsvRecipient[]> {
    return parseAwardCsv(typeof bytesOrText === 'string' ? bytesOrText : decodeCsv(bytesOrText));
  }

  /**
   * Partial mode: the lines that would award, and the others with their problems. Problems of the whole file or
   * award (a bad header, an archived badge) still refuse everything; so does a file without one good line.
   */
  async function splitGoodLines(badgeId: string, userId: string, text: string): Promise<SplitCsv & { header: string[] }> {
    const file = await readAwardCsv(text);
    const problems = new Map<number, string[]>();
    const add = (line: number, message: string) => problems.set(line, [...(problems.get(line) ?? []), message]);
    for (const row of file.rows) if (row.problem) add(row.line, row.problem);
    const candidates = file.rows.filter((r) => !r.problem).map((r) => r.recipient);
    try {
      if (candidates.length > 0) await assertions.validateAwardInTurns(badgeId, userId, { recipients: candidates });
    } catch (err) {
      if (!(err instanceof AwardValidationError) || Object.keys(err.fields).some((k) => k !== 'recipients')) withLines(err);
      for (const p of (err as AwardValidationError).lines) add(p.line, p.message);
    }
    const good = candidates.filter((r) => !problems.has(r.line));
    const rejected = file.rows
      .filter((r) => problems.has(r.line))
      .map((r) => ({ line: r.line, record: r.record, message: problems.get(r.line)!.join(' ') }));
    if (good.length === 0) {
      throw csvProblems(rejected.map((r) => ({ line: r.line, message: r.message })), 'No line of the CSV file can be awarded. Nothing was awarded.');
    }
    return { header: file.header, good, rejected };
  }

  /** Awards every row in one transaction, and records the batch and its lines in the same one. */
  async function awardAll(
    badgeId: string,
    userId: string,
    recipients: CsvRecipient[],
    batch: AwardBatch,
    rejected: { csv: string | null; count: number } = { csv: null, count: 0 },
  ): Promise<Assertion[]> {
    try {
      return await assertions.awardInTurns(badgeId, userId, { recipients }, {
        notify: batch.notify,
        within: (awards) => {
          if (batch.status === 'pending') {
            if (!repos.awardBatches.complete(batch.id, awards.length, ctx.now().toISOString(), rejected)) {
              throw new AppError(409, 'already_awarded', 'This file has already been awarded.');
            }
          } else {
            const completedAt = ctx.now().toISOString();
            repos.awardBatches.insert({ ...batch, status: 'done', count: awards.length, completedAt, rejectedCsv: rejected.csv, rejectedCount: rejected.count });
          }
          awards.forEach((a, i) => repos.awardBatches.addItem(batch.id, recipients[i]!.line, a.id));
        },
      });
    } catch (err) {
      return withLines(err);
    }
  }

  /** Awards a file's text for a batch: every line or none, or (partial) the good lines with the bad ones kept as CSV. */
  async function awardText(badgeId: string, userId: string, text: string, batch: AwardBatch): Promise<LineProblem[]> {
    if (!batch.partial) {
      await awardAll(badgeId, userId, await recipientsOf(text), batch);
    } else {
      const split = await splitGoodLines(badgeId, userId, text);
      const rejected = split.rejected.length > 0 ? { csv: rejectedCsv(split.header, split.rejected), count: split.rejected.length } : { csv: null, count: 0 };
      await awardAll(badgeId, userId, split.good, batch, rejected);
      return split.rejected.map((r) => ({ line: r.line, message: r.message }));
    }
    return [];
  }

  /** Step 1 of the form: check every row and keep the file until it is confirmed. Writes nothing else. */
  async function previewFile(badgeId: string, userId: string, upload: { bytes: Buffer; filename: string | null }, notify: boolean, partial: boolean) {
    const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
    const text = decodeCsv(upload.bytes);
    let recipients: CsvRecipient[];
    let rejected: SplitCsv['rejected'] = [];
    if (partial) ({ good: recipients, rejected } = await splitGoodLines(badgeId, userId, text));
    else {
      recipients = await recipientsOf(text);
      try {
        await assertions.validateAwardInTurns(badgeId, userId, { recipients });
      } catch (err) {
        withLines(err);
      }
    }
    const now = ctx.now();
    const batch: AwardBatch = {
      id: crypto.randomUUID(),
      badgeClassId: badge.id,
      createdBy: userId,
      source: 'form',
      filename: upload.filename?.slice(0, 200) ?? null,
      status: 'pending',
      csv: text,
      notify,
      count: recipients.length,
      createdAt: now.toISOString(),
      completedAt: null,
      partial,
    };
    db.transaction(() => {
      repos.awardBatches.prunePending(new Date(now.getTime() - PENDING_HOURS * 3_600_000).toISOString());
      repos.awardBatches.insert(batch);
    })();
    return {
      batch,
      recipients: recipients.slice(0, 20),
      count: recipients.length,
      rejected: rejected.slice(0, 50).map((r) => ({ line: r.line, message: r.message })),
      rejectedCount: rejected.length,
    };
  }

  function resultLines(batchId: string): BulkResultLine[] {
    return repos.awardBatches.lines(batchId).map((l) => ({
      line: l.line,
      email: l.recipientEmail,
      name: l.recipientName,
      assertionId: l.assertionId,
      awardUrl: urls.assertion(l.assertionId),
      bakedPngUrl: urls.bakedPng(l.assertionId),
    }));
  }

  return {
    /** Step 1 of the form: check every row and keep the file until it is confirmed. Writes nothing else. */
    preview(badgeId: string, userId: string, upload: { bytes: Buffer; filename: string | null }, notify: boolean, partial = false) {
      return withTenantSlot(importSlots, TIME_BUDGETS.bulkImport, () => previewFile(badgeId, userId, upload, notify, partial));
    },

    /** Step 2: award the kept file; a second confirm finds it done and awards nothing again. */
    confirm(badgeId: string, batchId: string, userId: string): Promise<AwardBatch> {
      return withTenantSlot(importSlots, TIME_BUDGETS.bulkImport, async () => {
        badgeClasses.requireBadge(badgeId, userId, 'awarder');
        const batch = repos.awardBatches.findById(batchId);
        if (!batch || batch.badgeClassId !== badgeId) throw notFound('Upload');
        if (batch.status === 'done') return batch;
        await awardText(badgeId, userId, batch.csv!, batch);
        return repos.awardBatches.findById(batchId)!;
      });
    },

    /** The API: parse, check and award in one call. */
    awardCsv(badgeId: string, userId: string, body: Buffer | string, notify: boolean, partial = false) {
      return withTenantSlot(importSlots, TIME_BUDGETS.bulkImport, async () => {
        const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
        const text = typeof body === 'string' ? body : decodeCsv(body);
        const batch: AwardBatch = {
          id: crypto.randomUUID(),
          badgeClassId: badge.id,
          createdBy: userId,
          source: 'api',
          filename: null,
          status: 'done',
          csv: null,
          notify,
          count: 0,
          createdAt: ctx.now().toISOString(),
          completedAt: null,
          partial,
        };
        const rejectedLines = await awardText(badgeId, userId, text, batch);
        // The award transaction was one long step: other requests get a turn before the caller reads the lines back.
        await nextTurn();
        return { ...repos.awardBatches.findById(batch.id)!, rejectedLines };
      });
    },

    requireBatch(badgeId: string, batchId: string, userId: string) {
      const { badge, issuer } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
      const batch = repos.awardBatches.findById(batchId);
      if (!batch || batch.badgeClassId !== badgeId) throw notFound('Upload');
      return { batch, badge, issuer };
    },

    resultLines,

    /** A file to start from: every column, with two example lines (awarding needs the preview's confirmation). */
    templateCsv(): string {
      const example = [
        ['sam@example.org', 'Sam Lee', 'Presented the group story', 'https://example.org/stories/sam', '', '', ''],
        ['ana@example.org', 'Ana Costa', '', '', '', '', ''],
      ];
      return [[...CSV_COLUMNS], ...example].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    },

    /** The downloadable result: one row per award, in the uploaded order. */
    resultCsv(batchId: string): string {
      const rows = resultLines(batchId).map((l) => [String(l.line), l.email, l.name ?? '', l.assertionId, l.awardUrl, l.bakedPngUrl]);
      return [['line', 'email', 'name', 'assertion_id', 'award_url', 'baked_png_url'], ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    },
  };
}

/** Quotes when needed, and defuses spreadsheet formulas (=, +, -, @ at the start of a cell). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export type BulkAwardsService = ReturnType<typeof bulkAwardsService>;
