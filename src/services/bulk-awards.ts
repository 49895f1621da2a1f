import crypto from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { AppError, notFound } from '../errors.js';
import type { Assertion } from '../repos/assertions.js';
import type { AwardBatch } from '../repos/award-batches.js';
import { AwardValidationError, MAX_RECIPIENTS_PER_AWARD, type AssertionsService, type LineProblem } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import type { ServiceContext } from './context.js';

export const CSV_COLUMNS = ['email', 'name', 'narrative', 'evidence_url', 'evidence_narrative', 'issued_on', 'expires'] as const;
export const MAX_CSV_BYTES = 5 * 1024 * 1024;
const PENDING_HOURS = 24;

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
export function parseAwardCsv(text: string): CsvRecipient[] {
  if (text.trim() === '') throw csvProblems([{ line: 1, message: 'Line 1: the file is empty. The first line must name the columns, such as email,name.' }]);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      max_record_size: 100_000,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
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

  const tooMany: LineProblem[] = [];
  const recipients = rows.map(({ record, info }) => {
    const line = info.lines;
    if (record.length > columns.length && record.slice(columns.length).some((v) => v !== '')) {
      tooMany.push({ line, message: `Line ${line}: has ${record.length} values but the header names ${columns.length} columns.` });
    }
    const value = (name: (typeof CSV_COLUMNS)[number]) => {
      const i = columns.indexOf(name);
      return i >= 0 ? (record[i] ?? '') : '';
    };
    const evidenceUrl = value('evidence_url');
    const evidenceNarrative = value('evidence_narrative');
    return {
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
  });
  if (tooMany.length > 0) throw csvProblems(tooMany);
  return recipients;
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

  function recipientsOf(bytesOrText: Buffer | string): CsvRecipient[] {
    return parseAwardCsv(typeof bytesOrText === 'string' ? bytesOrText : decodeCsv(bytesOrText));
  }

  /** Awards every row in one transaction, and records the batch and its lines in the same one. */
  function awardAll(badgeId: string, userId: string, recipients: CsvRecipient[], batch: AwardBatch): Assertion[] {
    try {
      return assertions.award(badgeId, userId, { recipients }, {
        notify: batch.notify,
        within: (awards) => {
          if (batch.status === 'pending') {
            if (!repos.awardBatches.complete(batch.id, awards.length, ctx.now().toISOString())) {
              throw new AppError(409, 'already_awarded', 'This file has already been awarded.');
            }
          } else repos.awardBatches.insert({ ...batch, status: 'done', count: awards.length, completedAt: ctx.now().toISOString() });
          awards.forEach((a, i) => repos.awardBatches.addItem(batch.id, recipients[i]!.line, a.id));
        },
      });
    } catch (err) {
      return withLines(err);
    }
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
    preview(badgeId: string, userId: string, upload: { bytes: Buffer; filename: string | null }, notify: boolean) {
      const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
      const text = decodeCsv(upload.bytes);
      const recipients = recipientsOf(text);
      try {
        assertions.validateAward(badgeId, userId, { recipients });
      } catch (err) {
        withLines(err);
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
      };
      db.transaction(() => {
        repos.awardBatches.prunePending(new Date(now.getTime() - PENDING_HOURS * 3_600_000).toISOString());
        repos.awardBatches.insert(batch);
      })();
      return { batch, recipients: recipients.slice(0, 20), count: recipients.length };
    },

    /** Step 2: award the kept file; a second confirm finds it done and awards nothing again. */
    confirm(badgeId: string, batchId: string, userId: string): AwardBatch {
      badgeClasses.requireBadge(badgeId, userId, 'awarder');
      const batch = repos.awardBatches.findById(batchId);
      if (!batch || batch.badgeClassId !== badgeId) throw notFound('Upload');
      if (batch.status === 'done') return batch;
      awardAll(badgeId, userId, recipientsOf(batch.csv!), batch);
      return repos.awardBatches.findById(batchId)!;
    },

    /** The API: parse, check and award in one call. */
    awardCsv(badgeId: string, userId: string, body: Buffer | string, notify: boolean) {
      const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
      const recipients = recipientsOf(body);
      const batch: AwardBatch = {
        id: crypto.randomUUID(),
        badgeClassId: badge.id,
        createdBy: userId,
        source: 'api',
        filename: null,
        status: 'done',
        csv: null,
        notify,
        count: recipients.length,
        createdAt: ctx.now().toISOString(),
        completedAt: null,
      };
      awardAll(badgeId, userId, recipients, batch);
      return repos.awardBatches.findById(batch.id)!;
    },

    requireBatch(badgeId: string, batchId: string, userId: string) {
      const { badge, issuer } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
      const batch = repos.awardBatches.findById(batchId);
      if (!batch || batch.badgeClassId !== badgeId) throw notFound('Upload');
      return { batch, badge, issuer };
    },

    resultLines,

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
