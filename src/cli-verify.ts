import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { isPng, looksLikeSvg, unbake } from './openbadges/verify/input.js';
import { headlineOf, VERDICT_LABELS } from './openbadges/verify/report.js';
import type { VerificationReport } from './openbadges/verify/types.js';
import type { LocalFetch } from './services/safe-fetch.js';
import { verifierService } from './services/verifier.js';

// `npm run kiln -- unbake <file>` and `npm run kiln -- verify <file-or-url> [--email E] [--json]`.
// stdout carries the result only; diagnostics go to stderr. Both return the exit code.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

const UNBAKE_USAGE = 'Usage: npm run kiln -- unbake <badge.png|badge.svg>';
const VERIFY_USAGE = 'Usage: npm run kiln -- verify <badge file or URL> [--email E] [--json]';

/** Prints the badge data baked into a PNG or SVG: 0 when found, 1 when there is none, 2 on bad usage. */
export async function runUnbake(args: string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseCli(args, {}, UNBAKE_USAGE, io);
  if (!parsed) return 2;
  const bytes = readInputFile(parsed.file, io);
  if (!bytes) return 2;
  const format = isPng(bytes) ? 'png' : looksLikeSvg(bytes.toString('utf8', 0, 8192)) ? 'svg' : null;
  if (!format) {
    io.stderr(`${parsed.file} is neither a PNG nor an SVG image.\n`);
    return 1;
  }
  const result = unbake(format, bytes);
  if (!result.ok) {
    io.stderr(result.reason === 'no_badge' ? `${parsed.file} carries no badge data.\n` : `${parsed.file} is damaged: ${result.detail}\n`);
    return 1;
  }
  if (result.legacyTextChunk) io.stderr('Note: legacy (pre-2013) tEXt bake.\n');
  io.stdout(`${result.text}\n`);
  return 0;
}

/** Verifies a badge file or URL and prints the report: 0 when valid, 1 otherwise, 2 on bad usage. */
export async function runVerify(args: string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseCli(args, { email: { type: 'string' }, json: { type: 'boolean' } }, VERIFY_USAGE, io);
  if (!parsed) return 2;
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`${err.message}\n`);
    return 2;
  }
  const isUrl = /^https?:\/\//i.test(parsed.file);
  const source = isUrl ? parsed.file : readInputFile(parsed.file, io);
  if (!source) return 2;
  const own = ownDocuments(config);
  try {
    const verifier = verifierService({ allowPrivateNetworks: config.allowPrivateNetworks, local: own.local });
    const email = typeof parsed.values.email === 'string' ? parsed.values.email : null;
    const { report } = await verifier.verify({ source, email });
    io.stdout(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.verdict === 'valid' ? 0 : 1;
  } finally {
    await own.close();
  }
}

function parseCli(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
  usage: string,
  io: CliIo,
): { file: string; values: Record<string, unknown> } | null {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
    if (positionals.length === 1) return { file: positionals[0]!, values };
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
  }
  io.stderr(`${usage}\n`);
  return null;
}

function readInputFile(file: string, io: CliIo): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    io.stderr(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return null;
  }
}

/**
 * Our own badges are answered by the app built on this DATA_DIR, in-process, as the server does; opened only
 * when a URL under PUBLIC_URL is actually needed, so verifying other issuers' badges never touches the database.
 */
function ownDocuments(config: Config): { local: LocalFetch; close(): Promise<void> } {
  const dbFile = path.join(config.dataDir, 'kiln.db');
  let opened: Promise<{ local: LocalFetch; close(): void }> | null = null;
  const open = async () => {
    const [{ createApp }, { migrate, openDatabase }, { loadOrCreateSecrets }, { inProcessFetch }] = await Promise.all([
      import('./app.js'),
      import('./db/database.js'),
      import('./secrets.js'),
      import('./web/verify.js'),
    ]);
    const db = openDatabase(dbFile);
    migrate(db);
    const kiln = createApp({ db, config, sessionSecret: loadOrCreateSecrets(config.dataDir).sessionSecret });
    return { local: inProcessFetch(config.publicUrl, kiln.handle), close: () => db.close() };
  };
  return {
    async local(url) {
      if (!url.startsWith(`${config.publicUrl}/`) || !fs.existsSync(dbFile)) return null;
      opened ??= open();
      return (await opened).local(url);
    },
    async close() {
      const own = await opened?.catch(() => null);
      own?.close();
    },
  };
}

const MARKS = { pass: 'PASS', warning: 'WARN', fail: 'FAIL' } as const;

/** The report as plain text for a terminal. */
export function formatReport(report: VerificationReport): string {
  const { badge, issuer, assertion, recipientChecked } = report.summary;
  const lines = [
    `${VERDICT_LABELS[report.verdict].toUpperCase()} (${report.verdict})`,
    headlineOf(report),
    '',
    `Badge:      ${badge.name ?? 'unknown'}${badge.id ? ` <${badge.id}>` : ''}`,
    `Issuer:     ${issuer.name ?? 'unknown'}${issuer.url ? ` <${issuer.url}>` : ''}`,
    `Record:     ${assertion.id ?? 'unknown'}`,
    `Issued on:  ${assertion.issuedOn ?? 'unknown'}`,
    `Expires:    ${assertion.expires ?? (assertion.issuedOn ? 'never' : 'unknown')}`,
    `Recipient:  ${recipientChecked ? 'checked' : 'not checked'}`,
    `Checked at: ${report.checkedAt}`,
    '',
    'Checks:',
    ...report.checks.flatMap((c) => [`  ${MARKS[c.outcome]}  ${c.id}: ${c.message}`, ...(c.detail ? [`        ${c.detail}`] : [])]),
  ];
  return `${lines.join('\n')}\n`;
}
