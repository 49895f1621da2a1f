// Nesting depth of untrusted JSON, measured before anything parses it. JSON.parse itself copes with deep input, but
// everything after it that walks the value recursively (zod, JSON.stringify, JSON-LD expansion, canonicalisation)
// overflows the stack on a megabyte of `[`: such input is refused first, in one linear pass.

/** Deepest nesting of arrays and objects accepted in any JSON Kiln reads from outside. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text (or its UTF-8 bytes) nests arrays and objects deeper than `limit`; brackets inside strings do not
 * count. Stops at the first level too deep, so it costs at most one pass. Works on bytes because every character it
 * looks at is ASCII, which never occurs inside a multi-byte UTF-8 sequence.
 */
export function jsonNestsDeeperThan(json: string | Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  const at = typeof json === 'string' ? (i: number) => json.charCodeAt(i) : (i: number) => json[i]!;
  const length = json.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = at(i);
    if (c === QUOTE) {
      for (i++; i < length; i++) {
        const s = at(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

