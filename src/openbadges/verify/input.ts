// Step 1 of verification (openbadges-spec.md §5.1 DETECT_INPUT_TYPE, PROCESS_BAKED_RESOURCE): what was given, and what it carries.
import { BakeError } from '../bake-error.js';
import { extractCredentialPng, extractCredentialSvg } from '../ob3/bake.js';
import { extractPng, readPngChunks } from '../png.js';
import { extractSvg } from '../svg.js';
import { isHttpUrl } from './json.js';

export type BadgeText =
  | { kind: 'url'; url: string }
  | { kind: 'json'; text: string }
  | { kind: 'jws'; jws: string };

export type ImageFormat = 'png' | 'svg';

export type Unbaked =
  | { ok: true; format: ImageFormat; text: string; legacyTextChunk: boolean }
  | { ok: false; format: ImageFormat; reason: 'no_badge' | 'malformed'; detail: string };

export type DetectedInput =
  | { kind: 'image'; format: ImageFormat; bytes: Buffer }
  | { kind: 'text'; badge: BadgeText }
  | { kind: 'unknown'; detail: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// VC's JWS pattern, with base64url's own alphabet; padding tolerated.
const COMPACT_JWS = /^[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export const isCompactJws = (text: string) => COMPACT_JWS.test(text);

export function isPng(bytes: Buffer): boolean {
  return bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
}

/** SVG text starts with markup (after a BOM, XML declaration or comments) and names an <svg> root early on. */
export function looksLikeSvg(text: string): boolean {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  return start.startsWith('<') && /<svg[\s>/]/.test(start.slice(0, 4096));
}

/** Classifies an upload or pasted text: a baked image, or badge text (URL, JSON or compact JWS). */
export function detectInput(source: Buffer | string): DetectedInput {
  if (typeof source !== 'string' && isPng(source)) return { kind: 'image', format: 'png', bytes: source };
  const text = typeof source === 'string' ? source : decodeUtf8(source);
  if (text === null) return { kind: 'unknown', detail: 'binary data that is neither a PNG nor UTF-8 text' };
  if (looksLikeSvg(text)) return { kind: 'image', format: 'svg', bytes: Buffer.from(text, 'utf8') };
  const badge = classifyText(text);
  return badge ? { kind: 'text', badge } : { kind: 'unknown', detail: describeUnknownText(text) };
}

/** Badge text as baked into images or pasted: a hosted URL, assertion JSON, or a signed badge. */
export function classifyText(raw: string): BadgeText | null {
  const text = raw.replace(/^\uFEFF/, '').trim();
  if (text.startsWith('{')) return { kind: 'json', text };
  if (isHttpUrl(text) && !/\s/.test(text)) return { kind: 'url', url: text };
  if (isCompactJws(text)) return { kind: 'jws', jws: text };
  return null;
}

function describeUnknownText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty input';
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^https?:/i.test(trimmed)) {
    return `a URL with an unsupported scheme (${trimmed.split(':')[0]}:)`;
  }
  return `text that is not a URL, JSON or a compact JWS (starts ${JSON.stringify(trimmed.slice(0, 20))})`;
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Reads the badge baked into a PNG or SVG. Never throws: malformed images are reported, not raised. */
export function unbake(format: ImageFormat, bytes: Buffer): Unbaked {
  try {
    return format === 'png' ? unbakePng(bytes) : unbakeSvg(bytes);
  } catch (err) {
    if (err instanceof BakeError) return { ok: false, format, reason: 'malformed', detail: `${err.code}: ${err.message}` };
    throw err;
  }
}

// An image baked with an Open Badges 2.0 assertion is read as one; otherwise an Open Badges 3.0 credential
// (openbadges-spec.md §3.3: PNG keyword `openbadgecredential`, SVG <openbadges:credential>) is looked for.
function unbakePng(bytes: Buffer): Unbaked {
  const text = extractPng(bytes);
  if (text === null) {
    const credential = extractCredentialPng(bytes);
    if (credential !== null) return { ok: true, format: 'png', text: credential, legacyTextChunk: false };
    return { ok: false, format: 'png', reason: 'no_badge', detail: 'no iTXt or tEXt chunk with keyword "openbadges" or "openbadgecredential"' };
  }
  // Before Baking 1.0 (2013) the hosted URL went into a tEXt chunk; extractPng prefers iTXt, so tEXt means legacy.
  const legacyTextChunk = !readPngChunks(bytes).some((c) => c.type === 'iTXt' && c.data.toString('latin1', 0, 11) === 'openbadges\0');
  return { ok: true, format: 'png', text, legacyTextChunk };
}

function unbakeSvg(bytes: Buffer): Unbaked {
  const svg = decodeUtf8(bytes);
  if (svg === null) return { ok: false, format: 'svg', reason: 'malformed', detail: 'the SVG is not valid UTF-8' };
  const found = extractSvg(svg);
  if (!found || (found.json === null && found.verify === null)) {
    const credential = extractCredentialSvg(svg);
    if (credential !== null) return { ok: true, format: 'svg', text: credential, legacyTextChunk: false };
    return { ok: false, format: 'svg', reason: 'no_badge', detail: 'no <openbadges:assertion> or <openbadges:credential> element with data' };
  }
  // A body holds the hosted JSON; without one, `verify` holds the signed badge (or, in old bakes, the URL).
  return { ok: true, format: 'svg', text: found.json ?? found.verify ?? '', legacyTextChunk: false };
}
