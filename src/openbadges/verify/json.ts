// Small readers for untrusted Open Badges JSON. Every value may be anything, so nothing here assumes a shape.
import { jsonNestsDeeperThan } from '../../json-depth.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const OB_VOCAB = 'https://w3id.org/openbadges#';
const MAX_DEPTH = 64;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Parses JSON text; undefined when it is not JSON or nests deeper than MAX_JSON_DEPTH. A leading BOM is tolerated. */
export function parseJson(text: string): Json | undefined {
  if (jsonNestsDeeperThan(text)) return undefined;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as Json;
  } catch {
    return undefined;
  }
}

/** JSON-LD: `"p": ["x"]` means `"p": "x"`; an absent property is an empty list. */
export function valuesOf(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The single value of a property, or undefined when absent; `many` is true when there are several. */
export function single(value: Json | undefined): { value: Json | undefined; many: boolean } {
  const values = valuesOf(value);
  return { value: values[0], many: values.length > 1 };
}

/** `@id`-typed properties take an IRI string or an embedded object carrying `id`. */
export function idOf(value: Json | undefined): string | null {
  const first = single(value).value;
  if (typeof first === 'string') return first;
  if (isObject(first) && typeof first.id === 'string') return first.id;
  return null;
}

/** Whether a node's `type` includes one of `names`, as a term or as the full Open Badges IRI. */
export function hasType(node: JsonObject, ...names: string[]): boolean {
  return valuesOf(node.type).some((t) => typeof t === 'string' && names.some((n) => t === n || t === OB_VOCAB + n));
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

// VC accepts http(s) URLs, blank node ids and RFC 4122 urn:uuid (versions 1-5) as IRIs.
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isIri = (value: unknown): value is string =>
  isHttpUrl(value) || (typeof value === 'string' && (URN_UUID.test(value) || /^_:\S+$/.test(value)));

/** The URL's authority (host plus any non-default port), as the hosted-verification rule compares it. */
export function authorityOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/** JSON with object keys sorted, so two copies can be compared whatever their key order. Throws past MAX_DEPTH. */
export function canonicalJson(value: Json | undefined, depth = 0): string {
  if (depth > MAX_DEPTH) throw new RangeError('JSON nested too deeply');
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k], depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Top-level properties whose values differ between two documents. */
export function differingProperties(a: JsonObject, b: JsonObject): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => {
    try {
      return canonicalJson(a[k]) !== canonicalJson(b[k]);
    } catch {
      return true;
    }
  });
}

/** A short, safe rendering of an untrusted value for `detail`. */
export function describeValue(value: Json | undefined): string {
  if (value === undefined) return 'absent';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

// Open Badges DateTime (openbadges-spec.md §1.10): date, time and a zone; Z, ±hh, ±hhmm or ±hh:mm.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

/** Parses an Open Badges DateTime; null for date-only, zone-less, numeric or impossible values. */
export function parseDateTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return null;
  const [, local = '', zone = ''] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  const time = Date.parse(local + offset);
  return Number.isNaN(time) ? null : new Date(time);
}
