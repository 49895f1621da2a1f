// Every uploaded image goes through these stages, one module each under images/: sniff the real type (sniff.ts),
// check headers (raster-checks.ts), sanitise SVG in a worker thread (svg-sanitise.ts, sanitiser-pool.ts), and decode
// and re-encode in a child process (decoder.ts). One time budget covers them all, and each pool gives every account
// and client address only its share (work-budget.ts), so one tenant's uploads never starve another's.
import { Budget, TIME_BUDGETS } from './work-budget.js';
import { ImageError, MESSAGES } from './images/errors.js';
import { renderInSandbox } from './images/decoder.js';
import { checkEmbeddedImages, checkPngChunks, checkRasterHeader } from './images/raster-checks.js';
import { sanitiseInWorker } from './images/sanitiser-pool.js';
import { decodeSvgText, sniffImageType } from './images/sniff.js';
import { precheckSvg } from './images/svg-sanitise.js';

export { ImageError, type ImageErrorCode } from './images/errors.js';
export { checkPngChunks } from './images/raster-checks.js';
export { sanitiseSvg } from './images/svg-sanitise.js';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export interface NormalisedImage {
  png: Buffer;
  svg: string | null;
  width: number;
  height: number;
}

/**
 * Checks an upload and re-encodes it as a square PNG (transparent padding, at most
 * 1024 × 1024, rasters never enlarged). For SVG, also returns the sanitised source.
 */
export async function normaliseImage(bytes: Buffer, declaredType?: string): Promise<NormalisedImage> {
  // Hostile input must be refused within 2 s; waiting for a worker or decoder slot is charged too.
  const budget = new Budget(TIME_BUDGETS.image);
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

function checkByteSize(bytes: Buffer): void {
  if (bytes.length === 0) throw new ImageError('image_unsupported', MESSAGES.empty);
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw new ImageError('image_too_large', MESSAGES.tooManyBytes, `${bytes.length} bytes`);
  }
}

function pngSize(png: Buffer): { width: number; height: number } {
  // IHDR is always the first chunk: width at byte 16, height at byte 20.
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
