import crypto from 'node:crypto';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import multer from 'multer';
import { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';
import { headlineOf, VERDICT_LABELS } from '../openbadges/verify/report.js';
import type { FetchResult, VerificationReport, VerificationResult } from '../openbadges/verify/types.js';
import { VERIFIER_ACCEPT, type LocalFetch } from '../services/safe-fetch.js';
import type { VerifierService, VerifyRequest } from '../services/verifier.js';
import { formContext } from './forms.js';
import { boundedJson } from './json-body.js';

export interface VerifyRoutesDeps {
  verifier: VerifierService;
  /** Checks per minute per client address on each POST endpoint; at least 30 (DESIGN.md). */
  limitPerMinute?: number;
}

/** Uploaded baked images: generous for photos, but bounded. */
export const VERIFY_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const MAX_TEXT_LENGTH = 2 * 1024 * 1024;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

/**
 * Public verification: the form and its result page (with a printable receipt), and the JSON API.
 * Mount before the bearer-token `/api/v1` router: verification needs no account.
 */
export function verifyRoutes(deps: VerifyRoutesDeps): express.Router {
  const router = express.Router();
  const limit = rateLimit({
    windowMs: 60_000,
    limit: Math.max(deps.limitPerMinute ?? 30, 1),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next: NextFunction) =>
      next(new AppError(429, 'rate_limited', 'Too many badge checks from your address. Please wait a minute and try again.')),
  });
  // The app parses /api bodies first (apiJsonBodies); this one serves a router mounted on its own.
  const json = boundedJson('5mb');
  const page = verifyPages(deps.verifier);

  router.get('/verify', page.form);
  router.post('/verify', limit, uploadedFile, page.verify);
  router.post('/api/v1/verify', limit, json, uploadedFile, page.api);
  return router;
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: VERIFY_MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: MAX_TEXT_LENGTH },
}).single('file');

/**
 * Parses a multipart `file` part, unless an earlier parser (the app's own multer) already read the body; a part it
 * kept in `req.files.file` is taken from there. A consumed body must never be parsed twice: busboy would wait forever.
 */
function uploadedFile(req: Request, res: Response, next: NextFunction): void {
  const parsedEarlier = (req.files as Record<string, Express.Multer.File[] | undefined> | undefined)?.file?.[0];
  if (parsedEarlier) req.file ??= parsedEarlier;
  if (req.file || req.body !== undefined || !req.is('multipart/form-data')) return next();
  upload(req, res, next);
}

const ApiBody = z
  .object({
    url: z.string().trim().max(4096).regex(/^https?:\/\//i, 'Give a web address starting with https:// or http://.').optional(),
    assertion: z.union([z.string().max(MAX_TEXT_LENGTH), z.record(z.string(), z.unknown())]).optional(),
    email: z.string().max(320).optional(),
  })
  .refine((b) => !(b.url !== undefined && b.assertion !== undefined), { message: 'Send either url or assertion, not both.', path: ['url'] });

function verifyPages(verifier: VerifierService) {
  return {
    form(req: Request, res: Response) {
      const url = typeof req.query.url === 'string' ? req.query.url.slice(0, 4096) : '';
      res.render('verify/form', { title: 'Check a badge', values: { badge: url, email: '' } });
    },

    async verify(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = { badge: field(body, 'badge'), email: field(body, 'email') };
      formContext(res, 'verify/form', { title: 'Check a badge' }, values);
      const email = checkedEmail(values.email, 'email');
      const input = pageInput(req.file, values.badge, field(body, 'label'));
      const result = await verifier.verify({ source: input.source, email });
      res.render('verify/result', resultView(result, input.label, email, field(body, 'view') === 'receipt'));
    },

    async api(req: Request, res: Response) {
      const request = apiInput(req);
      const { report } = await verifier.verify(request);
      res.json(report);
    },
  };
}

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

function checkedEmail(raw: string | undefined, name: string): string | null {
  const email = raw?.trim() ?? '';
  if (email === '') return null;
  if (!EMAIL.test(email)) throw new ValidationError({ [name]: 'Enter the email address as name@example.org, or leave it empty.' });
  return email;
}

interface PageInput {
  source: Buffer | string;
  /** What was checked, in words, for the receipt. */
  label: string;
}

function pageInput(file: Express.Multer.File | undefined, text: string, receiptLabel: string): PageInput {
  if (file && text.trim() !== '') throw new ValidationError({ badge: 'Upload a file or paste a badge, not both.' });
  if (file) return { source: file.buffer, label: describeFile(file) };
  if (text.trim() === '') throw new ValidationError({ badge: 'Upload the badge image, or paste its web address or its data.' });
  if (text.length > MAX_TEXT_LENGTH) throw new ValidationError({ badge: 'The pasted text is too long to be a badge.' });
  return { source: text, label: receiptLabel.slice(0, 500) || describeText(text) };
}

function describeFile(file: Express.Multer.File): string {
  const sha256 = crypto.createHash('sha256').update(file.buffer).digest('hex');
  const name = file.originalname.slice(0, 200) || 'an uploaded file';
  return `File ${name} (${file.size} bytes, SHA-256 ${sha256})`;
}

function describeText(text: string): string {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) return `Web address ${trimmed.slice(0, 500)}`;
  if (trimmed.startsWith('{')) return 'Badge data (JSON) pasted into the form';
  return 'Badge text pasted into the form';
}

function apiInput(req: Request): VerifyRequest {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (req.file) return { source: req.file.buffer, email: checkedEmail(field(body, 'email'), 'email') };
  if (req.is('multipart/form-data')) throw new ValidationError({ file: 'Send the badge image in a multipart part named "file".' });
  const parsed = ApiBody.safeParse(body);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'body', i.message]));
    throw new ValidationError(fields);
  }
  const { url, assertion, email } = parsed.data;
  const source = url ?? (typeof assertion === 'string' ? assertion : assertion === undefined ? undefined : JSON.stringify(assertion));
  if (source === undefined) {
    throw new ValidationError({ url: 'Send the badge: JSON {"url": …} or {"assertion": …}, or a multipart "file" part.' });
  }
  return { source, email: checkedEmail(email, 'email') };
}

// ---- View model ----

const OUTCOME_LABELS = { pass: 'Passed', warning: 'Warning', fail: 'Failed' } as const;
const VERDICT_BANNERS: Record<VerificationReport['verdict'], string> = {
  valid: 'valid',
  expired: 'expired',
  'not-yet-valid': 'expired',
  revoked: 'revoked',
  invalid: 'revoked',
  unverifiable: 'expired',
};
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC' });
const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

function formatDate(value: string | null, format = DATE): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : format.format(new Date(time));
}

function resultView(result: VerificationResult, label: string, email: string | null, receipt: boolean) {
  const { report } = result;
  return {
    title: receipt ? 'Badge verification receipt' : `Badge check: ${VERDICT_LABELS[report.verdict]}`,
    receipt,
    report,
    headline: headlineOf(report),
    verdictLabel: VERDICT_LABELS[report.verdict],
    banner: VERDICT_BANNERS[report.verdict],
    badgeImage: result.badgeImage,
    issuedOn: formatDate(report.summary.assertion.issuedOn),
    expires: formatDate(report.summary.assertion.expires),
    checkedAt: formatDate(report.checkedAt, DATE_TIME),
    checks: report.checks.map((c) => ({ ...c, label: OUTCOME_LABELS[c.outcome] })),
    label,
    email,
    // The receipt re-checks exactly the badge data that was found, so it is fresh and never taken on trust.
    recheck: result.badgeText && result.badgeText.length <= 100_000 ? result.badgeText : null,
    // Link only to web addresses: badge data may name any scheme.
    safeUrl: (value: string | null) => (value && /^https?:\/\//i.test(value) ? value : null),
  };
}

// ---- Our own documents, answered in-process ----

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The verifier's `local` hook: URLs under our own PUBLIC_URL are answered by the app itself (`Kiln.handle`),
 * with a GET that never touches the network, so our badges verify even when PUBLIC_URL is not reachable
 * from here (development, split-horizon DNS) and private addresses stay refused.
 */
export function inProcessFetch(publicUrl: string, handle: RequestListener): LocalFetch {
  const base = new URL(publicUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  return async (url) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return null;
    }
    if (target.origin !== base.origin) return null;
    if (basePath && target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) return null;
    // A reverse proxy strips the PUBLIC_URL path prefix before requests reach the app.
    const path = `${target.pathname.slice(basePath.length) || '/'}${target.search}`;
    const answer = await dispatch(handle, path, base.host);
    return { ...answer, url: target.href };
  };
}

/** Runs one GET through the request listener with an unconnected socket, collecting what it writes. */
function dispatch(handle: RequestListener, path: string, host: string): Promise<Omit<FetchResult, 'url'>> {
  return new Promise((resolve, reject) => {
    const req = new http.IncomingMessage(new net.Socket());
    req.method = 'GET';
    req.url = path;
    req.httpVersion = '1.1';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = { host, accept: VERIFIER_ACCEPT };
    req.rawHeaders = ['Host', host, 'Accept', VERIFIER_ACCEPT];
    req.push(null);

    const res = new http.ServerResponse(req);
    const chunks: Buffer[] = [];
    let headWritten = false;
    const collect = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    Object.assign(res, {
      writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
        this.statusCode = status;
        const headers = rest.find((r): r is OutgoingHttpHeaders => typeof r === 'object' && r !== null && !Array.isArray(r));
        for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) this.setHeader(name, value);
        headWritten = true;
        return this;
      },
      write(chunk: unknown, encoding?: unknown, callback?: unknown) {
        collect(chunk, encoding);
        for (const cb of [encoding, callback]) if (typeof cb === 'function') (cb as () => void)();
        return true;
      },
      end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
        // Through writeHead, so on-headers hooks of the middleware run as they would on a socket.
        if (!headWritten) this.writeHead(this.statusCode);
        collect(chunk, encoding);
        for (const cb of [chunk, encoding, callback]) if (typeof cb === 'function') (cb as () => void)();
        const type = String(this.getHeader('content-type') ?? '');
        resolve({ status: this.statusCode, contentType: type.split(';')[0]!.trim().toLowerCase(), body: Buffer.concat(chunks) });
        this.emit('finish');
        return this;
      },
    });
    try {
      handle(req, res);
    } catch (err) {
      reject(err);
    }
  });
}
