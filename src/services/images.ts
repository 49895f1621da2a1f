import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';
import { JSDOM } from 'jsdom';
import sharp from 'sharp';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export type ImageErrorCode =
  | 'image_unsupported'
  | 'image_too_large'
  | 'image_corrupt'
  | 'image_unsafe'
  | 'image_too_complex';

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  /** Technical detail for logs (e.g. sharp's message); never shown to users. */
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

type SniffedType = 'png' | 'jpeg' | 'webp' | 'svg';

const MAX_SIDE = 4096;
const MAX_INPUT_PIXELS = MAX_SIDE * MAX_SIDE;
const MAX_OUTPUT_SIDE = 1024;
// Vectors rasterise losslessly, so tiny viewBoxes are rendered at a useful size.
const MIN_SVG_OUTPUT_SIDE = 512;
const MAX_SVG_BYTES = 1024 * 1024;
const MAX_SVG_ELEMENTS = 5000;
const MAX_SVG_DEPTH = 128;
// Elements rendered once every <use>/pattern/marker/... reference is expanded.
const MAX_SVG_EXPANDED_ELEMENTS = 50_000;
const MAX_EMBEDDED_IMAGES = 32;
// Rendering runs in a child process that is killed at this deadline: libvips'
// own timeout is only checked between tiles, so one slow SVG filter or text
// run could otherwise block a libuv thread for tens of seconds.
const RENDER_DEADLINE_MS = 1500;
const MAX_CONCURRENT_RENDERS = 2;

const MESSAGES = {
  empty: 'The file is empty.',
  unsupported: 'This file is not a PNG, SVG, JPEG or WebP image.',
  tooManyBytes: 'The file is too large: at most 5 MB.',
  tooManyPixels: `The image is too large: at most ${MAX_SIDE} × ${MAX_SIDE} pixels.`,
  svgTooManyBytes: 'The SVG file is too large: at most 1 MB.',
  corrupt: 'The image file is damaged or incomplete.',
  doctype:
    'This SVG contains a document type declaration (DOCTYPE or ENTITY), which is not allowed. Please export it again as a plain SVG.',
  tooComplex:
    'This SVG is too complex to process (too many shapes or repeated references). Please simplify it or upload a PNG instead.',
  tooSlow: 'The image took too long to process. Please simplify it or upload a PNG instead.',
  svgNoSize:
    'This SVG has no size. Please give it a width and height (or a viewBox) and export it again.',
  svgNoRoot: 'This SVG file has no drawing in it.',
} as const;

export async function normaliseImage(
  bytes: Buffer,
  declaredType?: string,
): Promise<NormalisedImage> {
  checkByteSize(bytes);
  const type = sniffImageType(bytes);
  if (!type) {
    throw new ImageError(
      'image_unsupported',
      MESSAGES.unsupported,
      declaredType ? `declared type: ${declaredType}` : undefined,
    );
  }
  if (type === 'svg') {
    const svg = sanitiseSvg(bytes.toString('utf8'));
    await checkEmbeddedImages(svg);
    const png = await renderInSandbox(Buffer.from(svg, 'utf8'), 'svg');
    return { png, svg, ...pngSize(png) };
  }
  await checkRasterHeader(bytes, type);
  const png = await renderInSandbox(bytes, type);
  return { png, svg: null, ...pngSize(png) };
}

function checkByteSize(bytes: Buffer): void {
  if (bytes.length === 0) throw new ImageError('image_unsupported', MESSAGES.empty);
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw new ImageError('image_too_large', MESSAGES.tooManyBytes, `${bytes.length} bytes`);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The real type from magic bytes; the declared MIME type is never trusted. */
export function sniffImageType(bytes: Buffer): SniffedType | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return 'webp';
  }
  return looksLikeSvg(bytes) ? 'svg' : null;
}

function looksLikeSvg(bytes: Buffer): boolean {
  let text: string;
  try {
    // Only look at the start: enough for any sane prolog, cheap on 5 MB of noise.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 4096));
  } catch (err) {
    // A multi-byte character cut at the 4096 boundary is fine; anything else is binary.
    if (bytes.length <= 4096 || !isUtf8Prefix(bytes.subarray(0, 4096))) return false;
    text = bytes.subarray(0, 4096).toString('utf8');
  }
  const rest = skipProlog(text);
  return /^<svg[\s>/]/i.test(rest) || (rest === '' && /^\s*<\?xml/.test(stripBom(text)));
}

function isUtf8Prefix(bytes: Buffer): boolean {
  for (let cut = 1; cut <= 3; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut));
      return true;
    } catch {
      // try a shorter prefix
    }
  }
  return false;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// The usual SVG 1.0/1.1 DOCTYPE written by Illustrator and friends: public id
// only, no internal subset, so it can declare no entities. It is stripped, never fetched.
const PLAIN_SVG_DOCTYPE =
  /^<!DOCTYPE\s+svg\s+PUBLIC\s+"-\/\/W3C\/\/DTD SVG [0-9.]+(?: [A-Za-z]+)?\/\/EN"(?:\s+"[^"<>[\]]*")?\s*>/;

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

async function checkRasterHeader(bytes: Buffer, type: SniffedType): Promise<void> {
  let meta: sharp.Metadata;
  try {
    // metadata() only parses the header, so a lying 20000×20000 header is refused
    // here without decoding (or allocating) any pixels.
    meta = await sharp(bytes, sharpInputOptions()).metadata();
  } catch (err) {
    throw mapSharpError(err);
  }
  if (meta.format !== type) {
    throw new ImageError('image_corrupt', MESSAGES.corrupt, `sniffed ${type}, sharp saw ${meta.format}`);
  }
  checkDimensions(meta.width, meta.height);
}

function sharpInputOptions(): sharp.SharpOptions {
  return { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' };
}

function checkDimensions(width: number | undefined, height: number | undefined): void {
  if (!width || !height) throw new ImageError('image_corrupt', MESSAGES.corrupt, 'no dimensions');
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${width}×${height}`);
  }
}

function mapSharpError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(detail)) {
    return new ImageError('image_too_large', MESSAGES.tooManyPixels, detail);
  }
  if (/referenced elements|too many (elements|references)/i.test(detail)) {
    return new ImageError('image_too_complex', MESSAGES.tooComplex, detail);
  }
  return new ImageError('image_corrupt', MESSAGES.corrupt, detail);
}

function pngSize(png: Buffer): { width: number; height: number } {
  // IHDR is always the first chunk: width at byte 16, height at byte 20.
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// Images embedded in an SVG are decoded by librsvg, so they get the same
// header checks as uploads: a tiny base64 PNG can claim 100000×100000 pixels.
async function checkEmbeddedImages(svg: string): Promise<void> {
  const embedded = [...svg.matchAll(/data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/=\s]*)/gi)];
  if (embedded.length > MAX_EMBEDDED_IMAGES) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `${embedded.length} embedded images`);
  }
  let pixels = 0;
  for (const match of embedded) {
    const bytes = Buffer.from(match[2] ?? '', 'base64');
    const type = sniffImageType(bytes);
    if (type === null || type === 'svg') {
      throw new ImageError('image_corrupt', MESSAGES.corrupt, 'embedded image is not a raster image');
    }
    const meta = await sharp(bytes, sharpInputOptions()).metadata().catch((err: unknown) => {
      throw mapSharpError(err);
    });
    checkDimensions(meta.width, meta.height);
    pixels += (meta.width ?? 0) * (meta.height ?? 0);
  }
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${pixels} embedded pixels`);
  }
}

// ---------------------------------------------------------------------------
// Rendering sandbox

// Runs in a fresh `node` process (CommonJS, no TypeScript). It can only use the
// one libvips loader it was started for, re-checks the dimensions, and writes
// the square PNG to stdout or a JSON failure to stderr.
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
    if (w > p.maxSide || h > p.maxSide) return fail('limits', w + 'x' + h);
    const long = Math.max(w, h);
    const side = p.isSvg
      ? Math.min(p.maxOutput, Math.max(long, p.minSvgOutput))
      : Math.min(p.maxOutput, long);
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

const LOADERS: Record<SniffedType, string> = {
  png: 'VipsForeignLoadPngBuffer',
  jpeg: 'VipsForeignLoadJpegBuffer',
  webp: 'VipsForeignLoadWebpBuffer',
  svg: 'VipsForeignLoadSvgBuffer',
};

const MAX_SANDBOX_OUTPUT = 16 * 1024 * 1024;
const sharpEntry = createRequire(import.meta.url).resolve('sharp');

let activeRenders = 0;
const renderQueue: Array<() => void> = [];

async function renderInSandbox(input: Buffer, type: SniffedType): Promise<Buffer> {
  await acquireRenderSlot();
  try {
    return await runSandbox(input, type);
  } finally {
    releaseRenderSlot();
  }
}

function acquireRenderSlot(): Promise<void> {
  if (activeRenders < MAX_CONCURRENT_RENDERS) {
    activeRenders++;
    return Promise.resolve();
  }
  return new Promise((resolve) => renderQueue.push(resolve));
}

function releaseRenderSlot(): void {
  const next = renderQueue.shift();
  if (next) next();
  else activeRenders--;
}

function runSandbox(input: Buffer, type: SniffedType): Promise<Buffer> {
  const params = {
    loader: LOADERS[type],
    isSvg: type === 'svg',
    maxPixels: MAX_INPUT_PIXELS,
    maxSide: MAX_SIDE,
    maxOutput: MAX_OUTPUT_SIDE,
    minSvgOutput: MIN_SVG_OUTPUT_SIDE,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SANDBOX_SOURCE, sharpEntry, JSON.stringify(params)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let errText = '';
    let timedOut = false;
    let overflow = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RENDER_DEADLINE_MS);

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_SANDBOX_OUTPUT) {
        overflow = true;
        child.kill('SIGKILL');
      } else {
        out.push(chunk);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errText.length < 4096) errText += chunk.toString('utf8');
    });
    // The child may die before reading all of stdin; that is reported via 'close'.
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new ImageError('image_too_complex', MESSAGES.tooSlow, `render exceeded ${RENDER_DEADLINE_MS} ms`));
      } else if (overflow) {
        reject(new ImageError('image_corrupt', MESSAGES.corrupt, 'sandbox output too large'));
      } else if (code === 0) {
        resolve(checkSandboxOutput(Buffer.concat(out)));
      } else {
        reject(sandboxFailure(errText, code, signal));
      }
    });
    child.stdin.end(input);
  });
}

function checkSandboxOutput(png: Buffer): Buffer {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new Error('image sandbox produced no PNG');
  }
  return png;
}

function sandboxFailure(stderr: string, code: number | null, signal: NodeJS.Signals | null): Error {
  let report: { stage?: string; message?: string } | null = null;
  try {
    report = JSON.parse(stderr) as { stage?: string; message?: string };
  } catch {
    // not our JSON: the child crashed (e.g. a native fault) or could not start
  }
  if (!report) {
    if (signal || code !== 1) {
      return new ImageError('image_corrupt', MESSAGES.corrupt, `sandbox died: ${signal ?? code}`);
    }
    return new Error(`image sandbox failed: ${stderr.slice(0, 500)}`);
  }
  if (report.stage === 'limits') {
    return new ImageError('image_too_large', MESSAGES.tooManyPixels, report.message);
  }
  return mapSharpError(new Error(report.message ?? 'unknown sandbox failure'));
}

// ---------------------------------------------------------------------------
// SVG sanitising

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

let purifier: { purify: DOMPurify; window: JSDOM['window'] } | null = null;

/** One jsdom window for the process: creating one costs tens of milliseconds. */
function getPurifier(): { purify: DOMPurify; window: JSDOM['window'] } {
  if (!purifier) {
    const { window } = new JSDOM('');
    const purify = createDOMPurify(window as unknown as WindowLike);
    purify.addHook('uponSanitizeAttribute', (node, data) => {
      const value = cleanAttribute(node, data.attrName, data.attrValue);
      if (value === null) data.keepAttr = false;
      else data.attrValue = value;
    });
    purify.addHook('uponSanitizeElement', (node, data) => {
      if (data.tagName === 'style' && node.textContent) node.textContent = cleanCss(node.textContent);
    });
    purifier = { purify, window };
  }
  return purifier;
}

/**
 * Returns a standalone, script-free SVG document (starting with `<svg`), or throws
 * ImageError. Only same-document references (`#id`) and embedded PNG/JPEG/WebP
 * data survive, so the SVG is safe to serve directly and cheap to render.
 */
export function sanitiseSvg(svg: string): string {
  checkSvgText(svg);
  const { purify, window } = getPurifier();
  const fragment = purify.sanitize(skipProlog(svg), {
    USE_PROFILES: { svg: true, svgFilters: true },
    RETURN_DOM_FRAGMENT: true,
  });
  const root = findSvgRoot(fragment);
  checkSvgStructure(root);
  checkSvgSize(root);
  return new window.XMLSerializer().serializeToString(root);
}

function checkSvgText(svg: string): void {
  if (Buffer.byteLength(svg, 'utf8') > MAX_SVG_BYTES) {
    throw new ImageError('image_too_large', MESSAGES.svgTooManyBytes);
  }
  // Any markup declaration other than the plain SVG DOCTYPE can define entities
  // (billion laughs, external entities); refuse before any parser sees it.
  if (/<!(?!--|\[CDATA\[)/i.test(skipProlog(svg)) || /<!ENTITY/i.test(svg)) {
    throw new ImageError('image_unsafe', MESSAGES.doctype);
  }
  // Bound parser work before parsing; the exact count is re-checked on the tree.
  const tags = svg.match(/<[A-Za-z]/g)?.length ?? 0;
  if (tags > MAX_SVG_ELEMENTS) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `${tags} tags`);
  }
}

function findSvgRoot(fragment: DocumentFragment): Element {
  for (const child of Array.from(fragment.children)) {
    if (child.namespaceURI === SVG_NS && child.localName === 'svg') return child;
  }
  throw new ImageError('image_unsupported', MESSAGES.svgNoRoot);
}

function cleanAttribute(node: Element, name: string, value: string): string | null {
  const lname = name.toLowerCase();
  if (lname.startsWith('on')) return null;
  // Entities and control characters can hide a scheme: "java&#9;script:".
  const compact = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  if (/(java|vb)script:|data:text|data:application/.test(compact)) return null;
  if (lname === 'href' || lname === 'xlink:href') return isAllowedHref(node, value) ? value : null;
  if (lname === 'style') return cleanCss(value);
  if (/url\(/i.test(value) && !onlyFragmentUrls(value)) return null;
  return value;
}

function isAllowedHref(node: Element, value: string): boolean {
  const href = value.trim();
  if (/^#[^\s#]+$/.test(href)) return true;
  return (
    node.localName === 'image' &&
    /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/i.test(href)
  );
}

function onlyFragmentUrls(value: string): boolean {
  for (const match of value.matchAll(/url\(\s*(['"]?)([^'")]*)/gi)) {
    if (!(match[2] ?? '').trim().startsWith('#')) return false;
  }
  return true;
}

/**
 * Keeps presentation CSS but nothing that can fetch or execute: CSS escapes could
 * disguise `url(`/`@import`, so any backslash drops the whole style.
 */
function cleanCss(css: string): string {
  if (/\\|@import|@font-face|image-set|expression\s*\(|javascript:|behavior\s*:|-moz-binding/i.test(css)) {
    return '';
  }
  return css.replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (whole, _quote: string, target: string) =>
    target.trim().startsWith('#') ? whole : 'none',
  ).replace(/url\(/gi, (m) => m).replace(/url\((?!\s*['"]?\s*#)/gi, 'none(');
}

interface SvgIndex {
  ids: Map<string, Element>;
}

function checkSvgStructure(root: Element): void {
  const ids = new Map<string, Element>();
  let count = 0;
  const stack: Array<[Element, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!;
    count++;
    if (count > MAX_SVG_ELEMENTS || depth > MAX_SVG_DEPTH) {
      throw new ImageError('image_too_complex', MESSAGES.tooComplex, `elements ${count}, depth ${depth}`);
    }
    const id = el.getAttribute('id');
    if (id && !ids.has(id)) ids.set(id, el);
    for (const child of Array.from(el.children)) stack.push([child, depth + 1]);
  }
  const cost = expandedCost(root, { ids }, new Map(), new Set(), 0);
  if (cost > MAX_SVG_EXPANDED_ELEMENTS) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `expanded cost ${cost}`);
  }
}

const GRADIENTS = new Set(['lineargradient', 'radialgradient', 'stop']);
const MARKER_PROPS = /marker(-start|-mid|-end)?\s*[:=]/i;

/**
 * Elements the renderer would draw once every reference is expanded, so
 * `<use>` fan-out bombs (10 uses of 10 uses of ...) are refused before rendering.
 */
function expandedCost(
  el: Element,
  index: SvgIndex,
  memo: Map<Element, number>,
  visiting: Set<Element>,
  depth: number,
): number {
  const known = memo.get(el);
  if (known !== undefined) return known;
  if (visiting.has(el) || depth > 2 * MAX_SVG_DEPTH) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, 'reference cycle or chain');
  }
  visiting.add(el);
  let cost = 1;
  for (const child of Array.from(el.children)) {
    cost += expandedCost(child, index, memo, visiting, depth + 1);
  }
  for (const { target, viaMarker } of references(el, index)) {
    if (GRADIENTS.has(target.localName.toLowerCase())) continue;
    const times = viaMarker ? vertexEstimate(el) : 1;
    cost += times * expandedCost(target, index, memo, visiting, depth + 1);
    if (cost > MAX_SVG_EXPANDED_ELEMENTS) break;
  }
  visiting.delete(el);
  memo.set(el, cost);
  return cost;
}

function references(el: Element, index: SvgIndex): Array<{ target: Element; viaMarker: boolean }> {
  const found: Array<{ target: Element; viaMarker: boolean }> = [];
  for (const attr of Array.from(el.attributes)) {
    const viaMarker = attr.name.startsWith('marker') || (attr.name === 'style' && MARKER_PROPS.test(attr.value));
    if (attr.localName === 'href') {
      const target = index.ids.get(attr.value.trim().slice(1));
      if (attr.value.trim().startsWith('#') && target) found.push({ target, viaMarker: false });
    }
    for (const match of attr.value.matchAll(/url\(\s*['"]?\s*#([^'")\s]+)/gi)) {
      const target = index.ids.get(match[1] ?? '');
      if (target) found.push({ target, viaMarker });
    }
  }
  return found;
}

/** Markers are drawn at every vertex; count the numbers in the geometry. */
function vertexEstimate(el: Element): number {
  const geometry = `${el.getAttribute('d') ?? ''} ${el.getAttribute('points') ?? ''}`;
  const numbers = geometry.match(/-?[\d.]+(?:e-?\d+)?/gi)?.length ?? 0;
  return Math.max(2, Math.ceil(numbers / 2));
}

function checkSvgSize(root: Element): void {
  const viewBox = root.getAttribute('viewBox');
  if (viewBox !== null) {
    const parts = viewBox.trim().split(/[\s,]+/).map(Number);
    if (parts.length === 4 && parts.every(Number.isFinite) && parts[2]! > 0 && parts[3]! > 0) return;
    throw new ImageError('image_unsupported', MESSAGES.svgNoSize, `bad viewBox "${viewBox}"`);
  }
  if (isAbsoluteLength(root.getAttribute('width')) && isAbsoluteLength(root.getAttribute('height'))) return;
  throw new ImageError('image_unsupported', MESSAGES.svgNoSize);
}

function isAbsoluteLength(value: string | null): boolean {
  return value !== null && /^\s*\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*(px|pt|pc|mm|cm|in|em|ex)?\s*$/i.test(value) && parseFloat(value) > 0;
}

export const __testing = { XLINK_NS };
