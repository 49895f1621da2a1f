import createDOMPurify from 'dompurify';
import { JSDOM } from 'jsdom';
import sharp from 'sharp';

export class ImageError extends Error {
  constructor(
    readonly code: 'image_unsupported' | 'image_too_large' | 'image_corrupt' | 'image_unsafe',
    message: string,
  ) {
    super(message);
  }
}

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const MAX_INPUT_PIXELS = 4096 * 4096;
const MAX_SVG_CHARS = 1024 * 1024;
const MAX_OUTPUT = 1024;

type Kind = 'png' | 'jpeg' | 'webp' | 'svg';

/** The real type from the bytes; the declared type is never trusted. */
function sniff(bytes: Buffer): Kind | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  const head = bytes.subarray(0, 2048).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(svg|!DOCTYPE)/i.test(head)) return 'svg';
  return null;
}

let purify: ReturnType<typeof createDOMPurify> | null = null;
function purifier() {
  purify ??= createDOMPurify(new JSDOM('').window as unknown as Parameters<typeof createDOMPurify>[0]);
  return purify;
}

/**
 * Allowlist sanitising (DOMPurify's SVG profile): no script, no event handlers, no foreignObject, no external
 * references. Entity declarations are refused before parsing (billion laughs, external entities).
 */
export function sanitiseSvg(svg: string): string {
  if (svg.length > MAX_SVG_CHARS) throw new ImageError('image_too_large', 'The SVG file is too large: at most 1 MB.');
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) {
    throw new ImageError('image_unsafe', 'This SVG declares a DOCTYPE or entities, which Kiln does not accept. Export it again as plain SVG.');
  }
  const elements = (svg.match(/<[a-zA-Z]/g) ?? []).length;
  const uses = (svg.match(/<use[\s>/]/gi) ?? []).length;
  if (elements > 5000 || uses > 100) throw new ImageError('image_too_large', 'This SVG is too complex: at most 5,000 elements and 100 <use> references.');
  const dom = purifier();
  dom.removeAllHooks();
  dom.addHook('afterSanitizeAttributes', (node) => {
    for (const name of ['href', 'xlink:href']) {
      const value = node.getAttribute(name);
      if (value === null) continue;
      const local = value.startsWith('#');
      const inlineRaster = node.nodeName.toLowerCase() === 'image' && /^data:image\/(png|jpeg|webp);base64,/i.test(value);
      if (!local && !inlineRaster) node.removeAttribute(name);
    }
    const style = node.getAttribute('style');
    if (style && /url\s*\(|@import|expression/i.test(style)) node.removeAttribute('style');
  });
  const clean = dom.sanitize(svg, {
    USE_PROFILES: { svg: true, svgFilters: true },
    FORBID_TAGS: ['foreignObject', 'script', 'style'],
    WHOLE_DOCUMENT: false,
  });
  const start = clean.indexOf('<svg');
  if (start < 0) throw new ImageError('image_unsupported', 'This SVG has no drawing Kiln can use.');
  let result = clean.slice(start);
  if (!/^<svg[^>]*\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(result)) {
    result = result.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
  }
  if (!/^<svg[^>]*\s(viewBox|width)=/.test(result)) {
    throw new ImageError('image_unsupported', 'This SVG has no size: give the root element a viewBox or width and height.');
  }
  return result;
}

/** Any accepted upload becomes a square PNG (and, for SVG, a sanitised SVG kept beside it). */
export async function normaliseImage(
  bytes: Buffer,
  _declaredType?: string,
): Promise<{ png: Buffer; svg: string | null; width: number; height: number }> {
  if (bytes.length === 0) throw new ImageError('image_unsupported', 'The file is empty. Choose a PNG, SVG, JPEG or WebP image.');
  if (bytes.length > MAX_UPLOAD_BYTES) throw new ImageError('image_too_large', 'The file is too large: at most 5 MB.');
  const kind = sniff(bytes);
  if (!kind) throw new ImageError('image_unsupported', 'This file is not a PNG, SVG, JPEG or WebP image.');
  const svg = kind === 'svg' ? sanitiseSvg(bytes.toString('utf8').replace(/^\uFEFF/, '')) : null;
  const input = svg === null ? bytes : Buffer.from(svg);
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const };
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, options).metadata();
  } catch {
    throw new ImageError('image_corrupt', 'The image file is damaged or incomplete.');
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > MAX_INPUT_PIXELS || width === 0 || height === 0) {
    throw new ImageError('image_too_large', 'The image is too large: at most 4096 × 4096 pixels.');
  }
  const side = Math.min(Math.max(width, height), MAX_OUTPUT);
  try {
    const png = await sharp(input, options)
      .resize(side, side, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 }, withoutEnlargement: false })
      .png()
      .toBuffer();
    return { png, svg, width: side, height: side };
  } catch (err) {
    const message = String((err as Error).message);
    if (/pixel limit/i.test(message)) throw new ImageError('image_too_large', 'The image is too large: at most 4096 × 4096 pixels.');
    throw new ImageError('image_corrupt', 'The image file is damaged or incomplete.');
  }
}
