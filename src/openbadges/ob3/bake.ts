// Baked 3.0 credentials (openbadges-spec.md §3.3): the credential JSON with its embedded proof, in a PNG iTXt chunk
// with keyword `openbadgecredential`, or in an SVG <openbadges:credential> without `verify`. Pure.
import { bakePng, extractPng } from '../png.js';
import { bakeSvg, extractSvg, type SvgBadgeFormat } from '../svg.js';

export const OB3_PNG_KEYWORD = 'openbadgecredential';
export const OB3_SVG: SvgBadgeFormat = { element: 'openbadges:credential', namespace: 'https://purl.imsglobal.org/ob/v3p0' };

/** `json` is the credential exactly as hosted, so the baked copy and the hosted one are the same bytes. */
export function bakeCredentialPng(png: Buffer, json: string): Buffer {
  return bakePng(png, json, OB3_PNG_KEYWORD);
}

/** The baked credential text (JSON or a compact JWS), or null when the PNG carries none. */
export function extractCredentialPng(png: Buffer): string | null {
  return extractPng(png, OB3_PNG_KEYWORD);
}

export function bakeCredentialSvg(svg: string, json: string): string {
  return bakeSvg(svg, null, json, OB3_SVG);
}

/** The credential JSON from the body, or the compact JWS from `verify`; null when the SVG carries none. */
export function extractCredentialSvg(svg: string): string | null {
  const found = extractSvg(svg, OB3_SVG);
  return found ? (found.json ?? found.verify) : null;
}
