import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';
import { JSDOM } from 'jsdom';
import sharp, { type SharpOptions } from 'sharp';
import { BakeError } from '../openbadges/bake-error.js';
import { readPngChunks } from '../openbadges/png.js';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export type ImageErrorCode =
  | 'image_unsupported'
  | 'image_too_large'
  | 'image_corrupt'
  | 'image_unsafe'
  | 'image_too_complex';

/** A refused upload. `message` is for the person uploading; `detail` is for logs only. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
  readonly detail: string | undefined;

  constructor(code: ImageErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ImageError';
    this.code = code;
    this.detail = detail;
  }
}

export interface NormalisedImage {
  png: Buffer;
  svg: string | null;
  width: number;
  height: number;
}

type ImageType = 'png' | 'jpeg' | 'webp' | 'svg';

const MAX_SIDE = 4096;
const MAX_INPUT_PIXELS = MAX_SIDE * MAX_SIDE;
const MAX_OUTPUT_SIDE = 1024;
// Vectors rasterise losslessly, so a 24×24 viewBox is rendered at a useful size.
const MIN_SVG_OUTPUT_SIDE = 512;
const MAX_SVG_BYTES = 1024 * 1024;
const MAX_SVG_ELEMENTS = 5000;
const MAX_SVG_DEPTH = 128;
// Elements drawn once every <use>, pattern, marker, mask... reference is expanded.
const MAX_SVG_EXPANDED_ELEMENTS = 50_000;
const MAX_EMBEDDED_IMAGES = 32;
// Hostile input must be refused within 2 s. Decoding runs in a child process
// killed when the rest of that budget runs out: libvips checks its own timeout
// only between tiles, and one SVG filter or long text run can take 20 s+.
// Waiting for a free worker or render slot is charged too, so a burst of slow
// uploads is answered within the budget (some with "busy"), never queued for minutes.
// 1.5 s leaves room for stopping the decoder and answering on a loaded machine.
const TIME_BUDGET_MS = 1500;
// Starting node and sharp alone takes ~150 ms; less time than this left is hopeless.
const MIN_RENDER_MS = 300;
const MAX_CONCURRENT_RENDERS = 2;
const MAX_RENDER_OUTPUT_BYTES = 16 * 1024 * 1024;

const MESSAGES = {
  empty: 'The file is empty. Choose a PNG, SVG, JPEG or WebP image.',
  unsupported: 'This file is not a PNG, SVG, JPEG or WebP image.',
  tooManyBytes: 'The file is too large: at most 5 MB.',
  tooManyPixels: `The image is too large: at most ${MAX_SIDE} × ${MAX_SIDE} pixels.`,
  svgTooManyBytes: 'The SVG file is too large: at most 1 MB.',
  corrupt: 'The image file is damaged or incomplete.',
  svgEncoding: 'This SVG file is not saved as UTF-8 text. Please export it again.',
  doctype:
    'This SVG contains a DOCTYPE or ENTITY declaration, which is not allowed. Please export it again as a plain SVG.',
  tooComplex:
    'This SVG is too complex (too many shapes or repeated references). Please simplify it or upload a PNG instead.',
  tooSlow: 'The image took too long to process. Please simplify it or upload a PNG instead.',
  busy: 'Kiln is busy with other images just now. Please try again in a minute.',
  svgNoSize: 'This SVG has no size. Please give it a width and height (or a viewBox) and export it again.',
  svgNoDrawing: 'This SVG file has no drawing in it.',
  svgUnclean: 'This SVG could not be made safe to use. Please export it again as a plain SVG.',
} as const;

/**
 * Checks an upload and re-encodes it as a square PNG (transparent padding, at most
 * 1024 × 1024, rasters never enlarged). For SVG, also returns the sanitised source.
 */
export async function normaliseImage(bytes: Buffer, declaredType?: string): Promise<NormalisedImage> {
  const budget: Budget = { started: performance.now(), waitedMs: 0 };
  checkByteSize(bytes);
  const type = sniffImageType(bytes);
  if (!type) {
    const detail = declaredType ? `declared as ${declaredType}` : undefined;
    throw new ImageError('image_unsupported', MESSAGES.unsupported, detail);
  }
  if (type === 'svg') {
    const text = decodeSvgText(bytes);
    // Most hostile SVGs fail these linear checks in a few milliseconds, without waiting for a worker.
    precheckSvg(text);
    const svg = await sanitiseInWorker(text, budget);
    await checkEmbeddedImages(svg);
    const png = await renderInSandbox(Buffer.from(svg, 'utf8'), 'svg', budget);
    return { png, svg, ...pngSize(png) };
  }
  if (type === 'png') checkPngChunks(bytes);
  await checkRasterHeader(bytes, type);
  const png = await renderInSandbox(bytes, type, budget);
  return { png, svg: null, ...pngSize(png) };
}

/** An upload's time budget; `waitedMs` is the part spent queueing behind other uploads. */
interface Budget {
  started: number;
  waitedMs: number;
}

function remainingBudget(budget: Budget): number {
  const left = TIME_BUDGET_MS - (performance.now() - budget.started);
  if (left < MIN_RENDER_MS) {
    const busy = budget.waitedMs > TIME_BUDGET_MS / 2;
    throw new ImageError('image_too_complex', busy ? MESSAGES.busy : MESSAGES.tooSlow, `only ${Math.round(left)} ms left, ${Math.round(budget.waitedMs)} ms spent waiting`);
  }
  return left;
}

/** Waits for `slot`, charging the time to the budget. */
async function waitFor(slot: Promise<void>, budget: Budget): Promise<void> {
  const from = performance.now();
  await slot;
  budget.waitedMs += performance.now() - from;
}

function checkByteSize(bytes: Buffer): void {
  if (bytes.length === 0) throw new ImageError('image_unsupported', MESSAGES.empty);
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw new ImageError('image_too_large', MESSAGES.tooManyBytes, `${bytes.length} bytes`);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The real type from magic bytes; a declared MIME type is never trusted. */
function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  // Only the start matters, and it keeps sniffing 5 MB of noise cheap.
  const head = stripBom(bytes.subarray(0, 4096).toString('utf8'));
  const body = skipProlog(head);
  if (/^\s*<\?xml[\s?]/.test(head) || /^<svg[\s>/]/.test(body) || /^<!DOCTYPE\s+svg[\s>[]/i.test(body)) return 'svg';
  return null;
}

function decodeSvgText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImageError('image_unsupported', MESSAGES.svgEncoding);
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// The SVG 1.0/1.1 DOCTYPE that Illustrator and older tools write: a public id and
// no internal subset, so it declares no entities. It is dropped, never fetched.
const PLAIN_SVG_DOCTYPE =
  /^<!DOCTYPE\s+svg\s+PUBLIC\s+"-\/\/W3C\/\/DTD SVG [\d.]+(?: [A-Za-z]+)?\/\/EN"(?:\s+"[^"<>[\]]*")?\s*>/;

/** Skips BOM, whitespace, XML declaration, comments and a plain SVG DOCTYPE. */
function skipProlog(text: string): string {
  let rest = stripBom(text);
  for (;;) {
    const before = rest;
    rest = rest.trimStart();
    if (rest.startsWith('<?xml')) {
      const end = rest.indexOf('?>');
      rest = end < 0 ? '' : rest.slice(end + 2);
    } else if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      rest = end < 0 ? '' : rest.slice(end + 3);
    } else {
      const doctype = PLAIN_SVG_DOCTYPE.exec(rest);
      if (doctype) rest = rest.slice(doctype[0].length);
    }
    if (rest === before) return rest;
  }
}

function sharpInputOptions(): SharpOptions {
  return { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' };
}

async function checkRasterHeader(bytes: Buffer, type: ImageType): Promise<void> {
  // metadata() parses only the header, so a lying 20000 × 20000 header is refused
  // here in a millisecond, without decoding or allocating any pixels.
  const meta = await sharp(bytes, sharpInputOptions())
    .metadata()
    .catch((err: unknown) => {
      throw mapSharpError(err);
    });
  if (meta.format !== type) {
    throw new ImageError('image_corrupt', MESSAGES.corrupt, `sniffed ${type}, sharp read ${meta.format}`);
  }
  checkDimensions(meta.width, meta.height);
}

/**
 * libspng skips ancillary chunks whose CRC fails and stops reading after the image data, so a PNG damaged there, or
 * cut short before IEND, still decodes. Every chunk's bounds and CRC are checked first: a damaged file is refused whole.
 */
export function checkPngChunks(bytes: Buffer): void {
  try {
    readPngChunks(bytes);
  } catch (err) {
    if (err instanceof BakeError) throw new ImageError('image_corrupt', MESSAGES.corrupt, err.message);
    throw err;
  }
}

function checkDimensions(width: number | undefined, height: number | undefined): void {
  if (!width || !height) throw new ImageError('image_corrupt', MESSAGES.corrupt, 'no dimensions');
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${width} × ${height}`);
  }
}

/** sharp/libvips messages are technical; keep them only as `detail`. */
function mapSharpError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(detail)) return new ImageError('image_too_large', MESSAGES.tooManyPixels, detail);
  if (/referenced elements/i.test(detail)) return new ImageError('image_too_complex', MESSAGES.tooComplex, detail);
  return new ImageError('image_corrupt', MESSAGES.corrupt, detail);
}

function pngSize(png: Buffer): { width: number; height: number } {
  // IHDR is always the first chunk: width at byte 16, height at byte 20.
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// librsvg decodes images embedded in an SVG itself, so they get the same header
// checks as uploads: a few hundred bytes of base64 PNG can claim 100000² pixels.
async function checkEmbeddedImages(svg: string): Promise<void> {
  const embedded = [...svg.matchAll(/data:image\/(?:png|jpeg|webp);base64,([A-Za-z0-9+/=\s]*)/gi)];
  if (embedded.length > MAX_EMBEDDED_IMAGES) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `${embedded.length} embedded images`);
  }
  let pixels = 0;
  for (const match of embedded) {
    const bytes = Buffer.from(match[1] ?? '', 'base64');
    const type = sniffImageType(bytes);
    if (type === null || type === 'svg') {
      throw new ImageError('image_corrupt', MESSAGES.corrupt, 'embedded image is not PNG, JPEG or WebP');
    }
    if (type === 'png') checkPngChunks(bytes);
    const meta = await sharp(bytes, sharpInputOptions())
      .metadata()
      .catch((err: unknown) => {
        throw mapSharpError(err);
      });
    checkDimensions(meta.width, meta.height);
    pixels += (meta.width ?? 0) * (meta.height ?? 0);
  }
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${pixels} embedded pixels`);
  }
}

// Runs as `node -e` (CommonJS). Only the libvips loader for the sniffed type is
// unblocked; dimensions are re-checked; the square PNG goes to stdout, or a JSON
// { stage, message } to stderr with exit code 3.
const SANDBOX_SOURCE = String.raw`
const sharp = require(process.argv[1]);
const p = JSON.parse(process.argv[2]);
sharp.cache(false);
sharp.concurrency(1);
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: [p.loader] });
const fail = (stage, message) => {
  process.stderr.write(JSON.stringify({ stage, message: String(message) }));
  process.exitCode = 3;
};
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const input = Buffer.concat(chunks);
  const base = { limitInputPixels: p.maxPixels, failOn: 'error', autoOrient: true };
  let stage = 'metadata';
  try {
    const meta = await sharp(input, base).metadata();
    const w = (meta.autoOrient && meta.autoOrient.width) || meta.width;
    const h = (meta.autoOrient && meta.autoOrient.height) || meta.height;
    if (!w || !h) return fail('metadata', 'no dimensions');
    if (w > p.maxSide || h > p.maxSide) return fail('limits', w + ' x ' + h);
    const long = Math.max(w, h);
    const side = p.isSvg ? Math.min(p.maxOutput, Math.max(long, p.minSvgOutput)) : Math.min(p.maxOutput, long);
    const options = p.isSvg ? { ...base, density: (72 * side) / long } : base;
    stage = 'render';
    const png = await sharp(input, options)
      .resize(side, side, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png()
      .toBuffer();
    process.stdout.write(png);
  } catch (err) {
    fail(stage, err && err.message ? err.message : err);
  }
});
`;

const LOADERS: Record<ImageType, string> = {
  png: 'VipsForeignLoadPngBuffer',
  jpeg: 'VipsForeignLoadJpegBuffer',
  webp: 'VipsForeignLoadWebpBuffer',
  svg: 'VipsForeignLoadSvgBuffer',
};

const sharpEntry = createRequire(import.meta.url).resolve('sharp');

let activeRenders = 0;
const waitingRenders: Array<() => void> = [];

async function renderInSandbox(input: Buffer, type: ImageType, budget: Budget): Promise<Buffer> {
  await waitFor(acquireRenderSlot(), budget);
  try {
    return await runSandbox(input, type, remainingBudget(budget));
  } finally {
    releaseRenderSlot();
  }
}

// A few child processes at a time: each may hold up to ~100 MB of pixels.
function acquireRenderSlot(): Promise<void> {
  if (activeRenders < MAX_CONCURRENT_RENDERS) {
    activeRenders++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waitingRenders.push(resolve));
}

function releaseRenderSlot(): void {
  const next = waitingRenders.shift();
  if (next) next();
  else activeRenders--;
}

// jsdom needs about 0.2 ms per element, more for long attributes: an SVG within the limits can take a second or
// more to sanitise. That runs in worker threads, never on the event loop. An upload whose budget runs out is answered
// at once while its worker finishes (the limits bound that work); only a worker still busy after
// SANITISER_HARD_LIMIT_MS is stopped and replaced, since starting one costs about a second.
const SANITISER_WORKERS = 2;
const SANITISER_MEMORY_MB = 256;
const SANITISER_HARD_LIMIT_MS = 15_000;

let sanitisersStarted = false;
let activeSanitisers = 0;
const waitingSanitisers: Array<() => void> = [];
const spareSanitisers: Array<Promise<Worker>> = [];

/**
 * Starts the SVG sanitiser's workers (about a second each) ahead of the first SVG upload; the server calls this at
 * start. Otherwise they start on first use. All start together, so a burst of uploads never waits for one.
 */
export function startImageWorkers(): void {
  if (sanitisersStarted) return;
  sanitisersStarted = true;
  for (let i = 0; i < SANITISER_WORKERS; i++) spareSanitisers.push(startQuietly());
}

/** `sanitiseSvg` in a worker thread, answered within what is left of the budget. */
async function sanitiseInWorker(svg: string, budget: Budget): Promise<string> {
  startImageWorkers();
  if (activeSanitisers < SANITISER_WORKERS) activeSanitisers++;
  else await waitFor(new Promise<void>((resolve) => waitingSanitisers.push(resolve)), budget);
  let job: Promise<SanitiserAnswer>;
  let deadlineMs: number;
  try {
    // A worker's start (once after boot, or after one was stopped) is Kiln's cost, not the upload's.
    const startFrom = performance.now();
    const worker = await (spareSanitisers.pop() ?? startSanitiser()).catch((err: unknown) => {
      spareSanitisers.push(startQuietly());
      throw err;
    });
    budget.started += performance.now() - startFrom;
    try {
      deadlineMs = remainingBudget(budget);
    } catch (err) {
      spareSanitisers.push(Promise.resolve(worker));
      throw err;
    }
    job = askSanitiser(worker, svg);
    // The slot is this worker: it is free again when the worker answers, whenever that is.
    job.then(
      () => spareSanitisers.push(Promise.resolve(worker)),
      () => {
        void worker.terminate();
        spareSanitisers.push(startQuietly());
      },
    ).finally(releaseSanitiser);
  } catch (err) {
    releaseSanitiser();
    throw err;
  }
  const answer = await withDeadline(job, deadlineMs);
  if (answer.ok) return answer.svg;
  if (answer.code) throw new ImageError(answer.code, answer.message ?? MESSAGES.svgUnclean, answer.detail);
  throw new Error(`SVG sanitiser failed: ${answer.unexpected ?? 'no answer'}`);
}

function releaseSanitiser(): void {
  const next = waitingSanitisers.shift();
  if (next) next();
  else activeSanitisers--;
}

function withDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ImageError('image_too_complex', MESSAGES.tooSlow, `sanitising took over ${Math.round(deadlineMs)} ms`)),
      deadlineMs,
    );
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

interface SanitiserAnswer {
  ok: boolean;
  svg: string;
  code?: ImageErrorCode;
  message?: string;
  detail?: string;
  unexpected?: string;
}

/** A worker starting in the background: whoever takes it from the spares sees a failure to start. */
function startQuietly(): Promise<Worker> {
  const starting = startSanitiser();
  starting.catch(() => {});
  return starting;
}

function startSanitiser(): Promise<Worker> {
  // Kiln runs its TypeScript through tsx; a worker starts bare (no inherited loaders), so it registers tsx itself.
  const entry = new URL('./svg-worker.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(source, { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: SANITISER_MEMORY_MB } });
  // An idle worker never keeps the process alive (tests, SIGTERM), and its failure is never an uncaught error.
  worker.unref();
  worker.on('error', () => {});
  return new Promise((resolve, reject) => {
    const failed = (err: unknown) => reject(err instanceof Error ? err : new Error(`SVG sanitiser did not start: ${String(err)}`));
    worker.once('message', (message: unknown) => {
      worker.off('error', failed);
      worker.off('exit', failed);
      if (message === 'ready') resolve(worker);
      else failed(message);
    });
    worker.once('error', failed);
    worker.once('exit', failed);
  });
}

/** The worker's answer; rejects when the worker dies (out of memory: too complex) or overruns the hard limit. */
function askSanitiser(worker: Worker, svg: string): Promise<SanitiserAnswer> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      fn();
    };
    const onMessage = (answer: SanitiserAnswer) => settle(() => resolve(answer));
    const onError = (err: Error) =>
      settle(() => reject(new ImageError('image_too_complex', MESSAGES.tooComplex, `sanitiser failed: ${err.message}`)));
    const onExit = (code: number) =>
      settle(() => reject(new ImageError('image_too_complex', MESSAGES.tooComplex, `sanitiser exited with ${code}`)));
    const timer = setTimeout(
      () => settle(() => reject(new ImageError('image_too_complex', MESSAGES.tooSlow, `sanitiser still busy after ${SANITISER_HARD_LIMIT_MS} ms`))),
      SANITISER_HARD_LIMIT_MS,
    );
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage(svg);
  });
}

function runSandbox(input: Buffer, type: ImageType, deadlineMs: number): Promise<Buffer> {
  const params = {
    loader: LOADERS[type],
    isSvg: type === 'svg',
    maxPixels: MAX_INPUT_PIXELS,
    maxSide: MAX_SIDE,
    maxOutput: MAX_OUTPUT_SIDE,
    minSvgOutput: MIN_SVG_OUTPUT_SIDE,
  };
  // Loaders such as tsx in NODE_OPTIONS would only slow the child down.
  const { NODE_OPTIONS: _unused, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SANDBOX_SOURCE, sharpEntry, JSON.stringify(params)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    // Rendering is background work: on a busy machine the server's own thread gets the CPU first.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Not permitted here (some containers): the render simply runs at normal priority.
      }
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let errText = '';
    let failure: ImageError | null = null;
    const stop = (reason: ImageError) => {
      failure ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(new ImageError('image_too_complex', MESSAGES.tooSlow, `killed after ${Math.round(deadlineMs)} ms`)),
      deadlineMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_RENDER_OUTPUT_BYTES) stop(new ImageError('image_corrupt', MESSAGES.corrupt, 'output too large'));
      else out.push(chunk);
    });
    // The report is the last line; librsvg and GLib may write warnings before it, so only the tail is kept.
    child.stderr.on('data', (chunk: Buffer) => {
      errText = (errText + chunk.toString('utf8')).slice(-8192);
    });
    // If the child dies before reading its input, 'close' reports why.
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (code === 0) resolve(checkRenderOutput(Buffer.concat(out)));
      else reject(sandboxFailure(errText, code, signal));
    });
    child.stdin.end(input);
  });
}

function checkRenderOutput(png: Buffer): Buffer {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new Error('Image sandbox exited without writing a PNG');
  }
  return png;
}

function sandboxFailure(stderr: string, code: number | null, signal: NodeJS.Signals | null): Error {
  let report: { stage?: string; message?: string } | null = null;
  try {
    report = JSON.parse(stderr.trimEnd().split('\n').pop() ?? '') as { stage?: string; message?: string };
  } catch {
    // Not our report: the child crashed in native code, or could not start at all.
  }
  if (report?.stage === 'limits') return new ImageError('image_too_large', MESSAGES.tooManyPixels, report.message);
  if (report) return mapSharpError(new Error(report.message));
  if (signal) return new ImageError('image_corrupt', MESSAGES.corrupt, `decoder died: ${signal}`);
  // Exit code 1 with free text is Node itself failing (e.g. sharp not loadable): a server fault.
  return new Error(`Image sandbox failed (exit ${code}): ${stderr.slice(0, 500)}`);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

interface Purifier {
  purify: DOMPurify;
  window: JSDOM['window'];
}

let purifier: Purifier | null = null;

/** One jsdom window for the process: creating one takes tens of milliseconds. */
function getPurifier(): Purifier {
  if (!purifier) {
    const { window } = new JSDOM('');
    const purify = createDOMPurify(window as unknown as WindowLike);
    purify.addHook('uponSanitizeAttribute', (node, event) => {
      const value = cleanAttribute(node, event.attrName, event.attrValue);
      if (value === null) event.keepAttr = false;
      else event.attrValue = value;
    });
    purify.addHook('uponSanitizeElement', (node, event) => {
      if (event.tagName === 'style' && node.textContent) node.textContent = cleanCss(node.textContent);
    });
    purifier = { purify, window };
  }
  return purifier;
}

/**
 * A standalone, script-free SVG document (starting with `<svg`, with the SVG
 * namespace and a size), safe to serve as is; throws ImageError otherwise.
 * Only same-document references (`#id`) and embedded PNG/JPEG/WebP survive.
 */
export function sanitiseSvg(svg: string): string {
  checkSvgText(svg);
  const markup = removeHtmlContexts(skipProlog(svg));
  const { purify, window } = getPurifier();
  let fragment: DocumentFragment;
  try {
    fragment = purify.sanitize(markup, {
      USE_PROFILES: { svg: true, svgFilters: true },
      // DOMPurify drops <use> outright; it is common in exported art and safe once
      // its href is limited to #fragments and its fan-out is bounded (below).
      ADD_TAGS: ['use'],
      RETURN_DOM_FRAGMENT: true,
    });
  } catch (err) {
    // DOMPurify throws a TypeError on trees it cannot clean safely.
    throw new ImageError('image_unsafe', MESSAGES.svgUnclean, err instanceof Error ? err.message : String(err));
  }
  const root = findSvgRoot(fragment);
  checkSvgStructure(root);
  checkSvgSize(root);
  // XML (not HTML) serialisation: no `&nbsp;`, `<` escaped in attributes, xmlns kept.
  return new window.XMLSerializer().serializeToString(root);
}

/** The cheap checks of sanitiseSvg (size, declarations, well-formedness, element and depth limits). */
function precheckSvg(svg: string): void {
  checkSvgText(svg);
  removeHtmlContexts(skipProlog(svg));
}

function checkSvgText(svg: string): void {
  if (Buffer.byteLength(svg, 'utf8') > MAX_SVG_BYTES) {
    throw new ImageError('image_too_large', MESSAGES.svgTooManyBytes);
  }
  // Any markup declaration can define entities (billion laughs, external
  // entities): refuse before a parser sees it. Comments and CDATA are fine.
  if (/<!ENTITY/i.test(svg) || /<!(?!--|\[CDATA\[)/.test(skipProlog(svg))) {
    throw new ImageError('image_unsafe', MESSAGES.doctype);
  }
}

// SVG elements whose content the HTML parser reads as HTML, where `<x/>` does not
// close and tags like <b> trigger error recovery: their markup is cut out before
// parsing (it never renders in SVG anyway), so parse depth equals XML depth.
const HTML_CONTENT_PARENTS = new Set(['foreignobject']);
const HTML_TEXT_PARENTS = new Set(['desc', 'title']);
// Tags that make the HTML parser leave SVG ("breakout"); meaningless inside SVG.
const HTML_BREAKOUT_TAGS = new Set(
  ('b big blockquote body br center code dd div dl dt em embed font h1 h2 h3 h4 h5 h6 head hr i img li ' +
    'listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var').split(' '),
);

const XML_TOKEN =
  /<!--(?!-?>)(?:[^-]|-(?!-))*-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[^>]*\?>|<\/([^\s/>]+)\s*>|<([^\s/>!?<]+)(?:\s+[^\s=/>"'<]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(\/?)>/y;

/**
 * Checks that the SVG is well-formed XML within the element and depth limits, and
 * returns it without the subtrees the HTML parser would treat as HTML. jsdom's
 * parsers take time proportional to elements × depth, so this runs first, in one pass.
 */
function removeHtmlContexts(svg: string): string {
  const stack: string[] = [];
  const kept: string[] = [];
  let keptFrom = 0;
  let cutAtDepth = -1;
  let elements = 0;
  let pos = 0;
  const notWellFormed = (why: string) =>
    new ImageError('image_corrupt', MESSAGES.corrupt, `SVG is not well-formed XML: ${why} at ${pos}`);
  for (;;) {
    const lt = svg.indexOf('<', pos);
    const text = svg.slice(pos, lt < 0 ? undefined : lt);
    if (stack.length === 0 && text.trim() !== '') throw notWellFormed('text outside the root');
    if (lt < 0) break;
    XML_TOKEN.lastIndex = pos = lt;
    const token = XML_TOKEN.exec(svg);
    if (!token) throw notWellFormed('unreadable markup');
    const end = lt + token[0].length;
    const [, closing, opening, selfClosing] = token;
    if (opening !== undefined) {
      if (stack.length === 0 && (elements > 0 || opening !== 'svg')) throw notWellFormed('not a single <svg> root');
      if (++elements > MAX_SVG_ELEMENTS) throw new ImageError('image_too_complex', MESSAGES.tooComplex, `over ${MAX_SVG_ELEMENTS} elements`);
      const name = opening.toLowerCase();
      const parent = stack[stack.length - 1]?.toLowerCase() ?? '';
      const cut = HTML_CONTENT_PARENTS.has(name) || HTML_BREAKOUT_TAGS.has(name) || HTML_TEXT_PARENTS.has(parent);
      if (cut && cutAtDepth < 0) {
        kept.push(svg.slice(keptFrom, lt));
        cutAtDepth = stack.length;
      }
      if (selfClosing) {
        if (cutAtDepth === stack.length) {
          cutAtDepth = -1;
          keptFrom = end;
        }
      } else {
        stack.push(opening);
        if (stack.length > MAX_SVG_DEPTH) throw new ImageError('image_too_complex', MESSAGES.tooComplex, 'nested too deeply');
      }
    } else if (closing !== undefined) {
      if (stack.pop() !== closing) throw notWellFormed(`unexpected </${closing}>`);
      if (cutAtDepth === stack.length) {
        cutAtDepth = -1;
        keptFrom = end;
      }
    } else if (stack.length === 0 && !token[0].startsWith('<!--')) {
      // Outside SVG the HTML parser ends CDATA and PIs at the first `>`, not where XML does.
      throw notWellFormed('markup outside the root');
    }
    pos = end;
  }
  if (stack.length > 0 || elements === 0) throw notWellFormed('unclosed elements');
  kept.push(svg.slice(keptFrom));
  return kept.join('');
}

/** jsdom's live `children` collection costs O(n) per index, so walk siblings instead. */
function childElements(parent: Element | DocumentFragment): Element[] {
  const found: Element[] = [];
  for (let el = parent.firstElementChild; el; el = el.nextElementSibling) found.push(el);
  return found;
}

function findSvgRoot(fragment: DocumentFragment): Element {
  const root = childElements(fragment).find((el) => el.namespaceURI === SVG_NS && el.localName === 'svg');
  if (!root) throw new ImageError('image_unsupported', MESSAGES.svgNoDrawing);
  return root;
}

/** The attribute value to keep (possibly cleaned), or null to drop it. */
function cleanAttribute(node: Element, name: string, value: string): string | null {
  const lname = name.toLowerCase();
  if (lname.startsWith('on')) return null;
  // Control characters and whitespace can split a scheme: "java\tscript:".
  const compact = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  if (/(?:java|vb)script:|data:(?:text|application)/.test(compact)) return null;
  if (lname === 'href' || lname === 'xlink:href') return isAllowedHref(node, value) ? value : null;
  if (lname === 'style') return cleanCss(value);
  return onlyFragmentUrls(value) ? value : null;
}

function isAllowedHref(node: Element, value: string): boolean {
  const href = value.trim();
  if (/^#[^\s#]+$/.test(href)) return true;
  return node.localName === 'image' && /^data:image\/(?:png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/i.test(href);
}

function onlyFragmentUrls(value: string): boolean {
  for (const match of value.matchAll(/url\(\s*['"]?([^'")]*)/gi)) {
    if (!(match[1] ?? '').trim().startsWith('#')) return false;
  }
  return true;
}

/**
 * Keeps presentation CSS but nothing that fetches or executes. CSS escapes can
 * spell `url(` or `@import` in disguise, so any backslash drops the whole style.
 */
function cleanCss(css: string): string {
  if (/\\|@import|@font-face|image-set|expression\s*\(|javascript:|behavior\s*:|-moz-binding/i.test(css)) return '';
  const cleaned = css.replace(/url\(([^)]*)\)/gi, (whole, inner: string) =>
    inner.trim().replace(/^['"]\s*/, '').startsWith('#') ? whole : 'none',
  );
  // An unclosed `url(` at the end is still a URL to a browser.
  return /url\((?!\s*['"]?\s*#)/i.test(cleaned) ? '' : cleaned;
}

function checkSvgStructure(root: Element): void {
  const ids = new Map<string, Element>();
  const stack: Array<[Element, number]> = [[root, 1]];
  let count = 0;
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [el, depth] = item;
    count++;
    if (count > MAX_SVG_ELEMENTS || depth > MAX_SVG_DEPTH) {
      throw new ImageError('image_too_complex', MESSAGES.tooComplex, `${count} elements, depth ${depth}`);
    }
    const id = el.getAttribute('id');
    if (id && !ids.has(id)) ids.set(id, el);
    for (const child of childElements(el)) stack.push([child, depth + 1]);
  }
  const cost = expandedCost(root, ids, new Map(), new Set(), 0);
  if (cost > MAX_SVG_EXPANDED_ELEMENTS) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `about ${cost} elements once references are expanded`);
  }
}

// Referencing a gradient does not draw its elements again.
const PAINT_ONLY = new Set(['lineargradient', 'radialgradient', 'stop']);

/**
 * How many elements the renderer draws once references are expanded, so `<use>`
 * fan-out bombs (10 uses of 10 uses of ...) are refused before rendering.
 */
function expandedCost(
  el: Element,
  ids: Map<string, Element>,
  memo: Map<Element, number>,
  visiting: Set<Element>,
  depth: number,
): number {
  const known = memo.get(el);
  if (known !== undefined) return known;
  if (visiting.has(el) || depth > 2 * MAX_SVG_DEPTH) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, 'reference cycle or very long chain');
  }
  visiting.add(el);
  let cost = 1;
  for (const child of childElements(el)) {
    cost += expandedCost(child, ids, memo, visiting, depth + 1);
  }
  for (const { target, perVertex } of references(el, ids)) {
    if (cost > MAX_SVG_EXPANDED_ELEMENTS) break;
    if (PAINT_ONLY.has(target.localName.toLowerCase())) continue;
    const times = perVertex ? vertexEstimate(el) : 1;
    cost += times * expandedCost(target, ids, memo, visiting, depth + 1);
  }
  visiting.delete(el);
  memo.set(el, cost);
  return cost;
}

function references(el: Element, ids: Map<string, Element>): Array<{ target: Element; perVertex: boolean }> {
  const found: Array<{ target: Element; perVertex: boolean }> = [];
  for (const name of el.getAttributeNames()) {
    const value = (el.getAttribute(name) ?? '').trim();
    if ((name === 'href' || name === 'xlink:href') && value.startsWith('#')) {
      const target = ids.get(value.slice(1));
      if (target) found.push({ target, perVertex: false });
    }
    // Markers are drawn at every vertex of the path that references them.
    const perVertex = name.startsWith('marker') || (name === 'style' && /marker/i.test(value));
    for (const match of value.matchAll(/url\(\s*['"]?\s*#([^'")\s]+)/gi)) {
      const target = ids.get(match[1] ?? '');
      if (target) found.push({ target, perVertex });
    }
  }
  return found;
}

function vertexEstimate(el: Element): number {
  const geometry = `${el.getAttribute('d') ?? ''} ${el.getAttribute('points') ?? ''}`;
  const numbers = geometry.match(/[\d.]+/g)?.length ?? 0;
  return Math.max(2, Math.ceil(numbers / 2));
}

function checkSvgSize(root: Element): void {
  const viewBox = root.getAttribute('viewBox');
  if (viewBox !== null) {
    const [, , width = 0, height = 0] = viewBox.trim().split(/[\s,]+/).map(Number);
    if (width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height)) return;
    throw new ImageError('image_unsupported', MESSAGES.svgNoSize, `unusable viewBox "${viewBox}"`);
  }
  if (isAbsoluteLength(root.getAttribute('width')) && isAbsoluteLength(root.getAttribute('height'))) return;
  throw new ImageError('image_unsupported', MESSAGES.svgNoSize, 'no viewBox and no absolute width/height');
}

function isAbsoluteLength(value: string | null): boolean {
  if (value === null) return false;
  return /^\s*\+?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*(?:px|pt|pc|mm|cm|in)?\s*$/i.test(value) && parseFloat(value) > 0;
}
