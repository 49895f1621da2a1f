// The first stage: what an upload really is, from its bytes; and the SVG prolog every later stage skips.
import { ImageError, MESSAGES } from './errors.js';

export type ImageType = 'png' | 'jpeg' | 'webp' | 'svg';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The real type from magic bytes; a declared MIME type is never trusted. */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  // Only the start matters, and it keeps sniffing 5 MB of noise cheap.
  const head = stripBom(bytes.subarray(0, 4096).toString('utf8'));
  const body = skipProlog(head);
  if (/^\s*<\?xml[\s?]/.test(head) || /^<svg[\s>/]/.test(body) || /^<!DOCTYPE\s+svg[\s>[]/i.test(body)) return 'svg';
  return null;
}

export function decodeSvgText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImageError('image_unsupported', MESSAGES.svgEncoding);
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// The SVG 1.0/1.1 DOCTYPE that Illustrator and older tools write: a public id and
// no internal subset, so it declares no entities. It is dropped, never fetched.
const PLAIN_SVG_DOCTYPE =
  /^<!DOCTYPE\s+svg\s+PUBLIC\s+"-\/\/W3C\/\/DTD SVG [\d.]+(?: [A-Za-z]+)?\/\/EN"(?:\s+"[^"<>[\]]*")?\s*>/;

/** Skips BOM, whitespace, XML declaration, comments and a plain SVG DOCTYPE. */
export function skipProlog(text: string): string {
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

