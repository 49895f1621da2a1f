import { BakeError } from './bake-error.js';

export interface SvgBadge {
  /** The `verify` attribute: the hosted assertion URL or a signed badge (JWS). */
  verify: string | null;
  /** The element's text (usually assertion JSON from a CDATA section), trimmed; not parsed. */
  json: string | null;
}

/** Which badge element to bake or read: its qualified name and the namespace bound to its prefix on <svg>. */
export interface SvgBadgeFormat {
  element: string;
  namespace: string;
}

// Baking 2.0: the element's qualified name is literally `openbadges:assertion`
// (the Python bakery looks it up by that name), bound to this namespace on <svg>.
export const OB2_SVG: SvgBadgeFormat = { element: 'openbadges:assertion', namespace: 'http://openbadges.org' };
const PREFIX = 'openbadges';
const MAX_SVG_LENGTH = 10 * 1024 * 1024;

// Characters XML 1.0 does not allow anywhere in a document, even escaped.
const INVALID_XML_CHAR_SOURCE =
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]' +
  '|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const INVALID_XML_CHAR = new RegExp(INVALID_XML_CHAR_SOURCE);
const UNSAFE_IN_CDATA = new RegExp(`[<>&]|${INVALID_XML_CHAR_SOURCE}`, 'g');
const TAG_NAME = /[^\s/>]+/y;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;',
  '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

interface Tag {
  kind: 'start' | 'end';
  name: string;
  start: number;
  end: number;
  /** Text between the name and the closing `>` or `/>`. */
  attributes: string;
  selfClosing: boolean;
}

interface Content {
  kind: 'text' | 'cdata' | 'comment' | 'pi' | 'doctype';
  start: number;
  end: number;
  content: string;
}

type Token = Tag | Content;

/**
 * Returns `svg` with exactly one `<openbadges:assertion verify="…">` as the first
 * child of the root <svg>, holding `json` in a CDATA section; any earlier
 * openbadges:assertion elements are removed (the spec allows only one).
 * With `json` null the element is self-closing: a signed badge carries its JWS in `verify` alone.
 * `svg` is expected to be sanitised already; a DOCTYPE is refused outright.
 */
export function bakeSvg(svg: string, assertionId: string | null, json: string | null, format: SvgBadgeFormat = OB2_SVG): string {
  checkSize(svg);
  if (assertionId !== null && INVALID_XML_CHAR.test(assertionId)) {
    throw new BakeError('svg_invalid_char', 'The assertion id contains characters XML cannot represent.');
  }
  const root = findRoot(svg);
  const name = format.element;
  // 3.0 credentials with an embedded proof carry no `verify` attribute (openbadges-spec.md §3.3).
  const verify = assertionId === null ? '' : ` verify="${escapeAttribute(assertionId)}"`;
  const element = json === null ? `<${name}${verify}/>` : `<${name}${verify}>` + `<![CDATA[${makeCdataSafe(json)}]]></${name}>`;
  const nameEnd = root.start + '<svg'.length;
  const openTagEnd = root.selfClosing ? root.end - 2 : root.end - 1;
  const parts = [
    svg.slice(0, nameEnd),
    namespaceDeclarationFor(root, format.namespace),
    svg.slice(nameEnd, openTagEnd),
    '>',
    element,
  ];
  if (root.selfClosing) parts.push('</svg>');
  let cursor = root.end;
  for (const span of findBadgeElements(svg, root.end, name)) {
    parts.push(svg.slice(cursor, span.start));
    cursor = span.end;
  }
  parts.push(svg.slice(cursor));
  return parts.join('');
}

/**
 * Reads the first `openbadges:assertion` element: its `verify` attribute and its
 * text (CDATA verbatim, entities in plain text decoded). Returns null when the SVG
 * has none. The body is returned unparsed so callers can report bad JSON themselves.
 */
export function extractSvg(svg: string, format: SvgBadgeFormat = OB2_SVG): SvgBadge | null {
  checkSize(svg);
  const name = format.element;
  let pos = 0;
  for (let token = nextToken(svg, pos); token; token = nextToken(svg, pos)) {
    pos = token.end;
    if (token.kind !== 'start' || token.name !== name) continue;
    const verify = parseAttributes(token.attributes).get('verify');
    const body = token.selfClosing ? '' : readBody(svg, token, name).text.trim();
    return { verify: verify ?? null, json: body === '' ? null : body };
  }
  return null;
}

function checkSize(svg: string): void {
  if (svg.length > MAX_SVG_LENGTH) {
    throw new BakeError('svg_too_large', `SVG is larger than ${MAX_SVG_LENGTH} characters.`);
  }
}

/** The root start tag, after an optional BOM, XML declaration, PIs and comments. */
function findRoot(svg: string): Tag {
  let pos = svg.startsWith('\uFEFF') ? 1 : 0;
  for (let token = nextToken(svg, pos); token; token = nextToken(svg, pos)) {
    pos = token.end;
    if (token.kind === 'comment' || token.kind === 'pi') continue;
    if (token.kind === 'text' && token.content.trim() === '') continue;
    // A DTD can define entities (billion laughs, external entities); sanitised SVG has none.
    if (token.kind === 'doctype') throw new BakeError('svg_doctype', 'SVG with a DOCTYPE is refused.');
    if (token.kind === 'start' && token.name === 'svg') return token;
    break;
  }
  throw new BakeError('svg_root', 'Not an SVG document: the root element must be <svg>.');
}

function namespaceDeclarationFor(root: Tag, namespace: string): string {
  const declared = parseAttributes(root.attributes).get(`xmlns:${PREFIX}`);
  if (declared === undefined) return ` xmlns:${PREFIX}="${namespace}"`;
  if (declared === namespace) return '';
  throw new BakeError('svg_namespace', 'The SVG binds the openbadges prefix to another namespace.');
}

/** Spans of every top-level openbadges:assertion element after `from`. */
function findBadgeElements(svg: string, from: number, name: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let pos = from;
  for (let token = nextToken(svg, pos); token; token = nextToken(svg, pos)) {
    pos = token.end;
    if (token.kind !== 'start' || token.name !== name) continue;
    if (!token.selfClosing) pos = readBody(svg, token, name).end;
    spans.push({ start: token.start, end: pos });
  }
  return spans;
}

/** Text content up to the matching end tag, like DOM textContent. */
function readBody(svg: string, open: Tag, name: string): { text: string; end: number } {
  let depth = 1;
  let text = '';
  let pos = open.end;
  for (let token = nextToken(svg, pos); token; token = nextToken(svg, pos)) {
    pos = token.end;
    if (token.kind === 'text') text += decodeEntities(token.content);
    else if (token.kind === 'cdata') text += token.content;
    else if (token.kind === 'start' && token.name === name && !token.selfClosing) depth += 1;
    else if (token.kind === 'end' && token.name === name && --depth === 0) {
      // XML 1.0 §2.11: parsers hand over every line break as \n.
      return { text: text.replace(/\r\n?/g, '\n'), end: pos };
    }
  }
  throw new BakeError('svg_malformed', `SVG is malformed: <${name}> is never closed.`);
}

/**
 * A small XML tokenizer: enough to tell elements from comments, CDATA and quoted
 * attribute values. Every step moves forward, so hostile input costs linear time.
 */
function nextToken(svg: string, pos: number): Token | null {
  if (pos >= svg.length) return null;
  if (svg[pos] !== '<') return readText(svg, pos, pos);
  if (svg.startsWith('<!--', pos)) return readDelimited(svg, pos, 'comment', '<!--', '-->');
  if (svg.startsWith('<![CDATA[', pos)) return readDelimited(svg, pos, 'cdata', '<![CDATA[', ']]>');
  if (svg.startsWith('<?', pos)) return readDelimited(svg, pos, 'pi', '<?', '?>');
  if (svg.startsWith('<!', pos)) return readDoctype(svg, pos);
  if (svg.startsWith('</', pos)) return readEndTag(svg, pos);
  if (/[A-Za-z_:\u0080-\uFFFF]/.test(svg[pos + 1] ?? '')) return readStartTag(svg, pos);
  // A stray '<' is not well-formed XML; read it as text rather than give up.
  return readText(svg, pos, pos + 1);
}

function readText(svg: string, start: number, searchFrom: number): Content {
  const next = svg.indexOf('<', searchFrom);
  const end = next === -1 ? svg.length : next;
  return { kind: 'text', start, end, content: svg.slice(start, end) };
}

function readDelimited(
  svg: string, start: number, kind: Content['kind'], open: string, close: string,
): Content {
  const closeAt = svg.indexOf(close, start + open.length);
  if (closeAt === -1) throw unterminated(kind, start);
  return { kind, start, end: closeAt + close.length, content: svg.slice(start + open.length, closeAt) };
}

function readDoctype(svg: string, start: number): Content {
  // An internal subset [ … ] may itself contain '>'.
  const gt = svg.indexOf('>', start);
  const bracket = gt === -1 ? -1 : svg.slice(start, gt).indexOf('[');
  const subsetEnd = bracket === -1 ? start : svg.indexOf(']', start + bracket);
  const end = subsetEnd === -1 ? -1 : svg.indexOf('>', subsetEnd);
  if (gt === -1 || end === -1) throw unterminated('declaration', start);
  return { kind: 'doctype', start, end: end + 1, content: svg.slice(start, end + 1) };
}

function readEndTag(svg: string, start: number): Tag {
  const gt = svg.indexOf('>', start);
  if (gt === -1) throw unterminated('end tag', start);
  const name = svg.slice(start + 2, gt).trim();
  return { kind: 'end', name, start, end: gt + 1, attributes: '', selfClosing: false };
}

function readStartTag(svg: string, start: number): Tag {
  TAG_NAME.lastIndex = start + 1;
  const name = TAG_NAME.exec(svg)?.[0] ?? '';
  for (let i = start + 1 + name.length; i < svg.length; i++) {
    const c = svg[i];
    if (c === '"' || c === "'") {
      i = svg.indexOf(c, i + 1);
      if (i === -1) break;
    } else if (c === '<') {
      throw new BakeError('svg_malformed', `SVG is malformed: '<' inside the tag at ${start}.`);
    } else if (c === '>') {
      const selfClosing = svg[i - 1] === '/';
      const attributes = svg.slice(start + 1 + name.length, selfClosing ? i - 1 : i);
      return { kind: 'start', name, start, end: i + 1, attributes, selfClosing };
    }
  }
  throw unterminated('start tag', start);
}

function unterminated(what: string, start: number): BakeError {
  return new BakeError('svg_malformed', `SVG is malformed: unterminated ${what} at ${start}.`);
}

/**
 * Attribute values with entities decoded and whitespace normalised as XML parsers do. A hand-written scan, since
 * a regex over `name = "value"` pairs backtracks quadratically on a long run without `=` (2 s for 40 KB).
 */
function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const length = text.length;
  const skipSpace = (i: number) => {
    while (i < length && isXmlSpace(text.charCodeAt(i))) i++;
    return i;
  };
  let i = skipSpace(0);
  while (i < length) {
    const nameStart = i;
    while (i < length && !isXmlSpace(text.charCodeAt(i)) && text[i] !== '=') i++;
    const name = text.slice(nameStart, i);
    i = skipSpace(i);
    if (text[i] !== '=') continue;
    i = skipSpace(i + 1);
    const quote = text[i];
    if (quote !== '"' && quote !== "'") continue;
    const close = text.indexOf(quote, i + 1);
    if (close === -1) break;
    const raw = text.slice(i + 1, close);
    if (name !== '' && !attributes.has(name)) attributes.set(name, decodeEntities(raw.replace(/\r\n|[\r\n\t]/g, ' ')));
    i = skipSpace(close + 1);
  }
  return attributes;
}

/** XML's whitespace: space, tab, CR and LF. */
const isXmlSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, ref: string) => {
    if (!ref.startsWith('#')) return NAMED_ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : whole;
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

/**
 * `<`, `>` and `&` can only occur inside JSON strings, where `\u003c` etc. mean the
 * same thing; escaping them means no badge text can close the CDATA section or add
 * markup. Characters XML forbids (NUL, lone surrogates, U+FFFE/F) are escaped likewise.
 */
function makeCdataSafe(json: string): string {
  return json.replace(UNSAFE_IN_CDATA, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
