// The SVG sanitiser: linear prechecks (size, declarations, well-formedness, element and depth limits) that run on the
// event loop in milliseconds, then DOMPurify on jsdom, which runs in a worker thread (sanitiser-pool.ts).
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';
import type { JSDOM } from 'jsdom';
import { createRequire } from 'node:module';
import { ImageError, MESSAGES } from './errors.js';
import { skipProlog } from './sniff.js';

const MAX_SVG_BYTES = 1024 * 1024;
const MAX_SVG_ELEMENTS = 5000;
const MAX_SVG_DEPTH = 128;
// Elements drawn once every <use>, pattern, marker, mask... reference is expanded.
const MAX_SVG_EXPANDED_ELEMENTS = 50_000;

const SVG_NS = 'http://www.w3.org/2000/svg';

interface Purifier {
  purify: DOMPurify;
  window: JSDOM['window'];
}

let purifier: Purifier | null = null;

/** One jsdom window for the process: creating one takes tens of milliseconds. */
function getPurifier(): Purifier {
  if (!purifier) {
    // jsdom (about 70 MB once loaded) is required here, in the sanitiser worker, not when the main thread imports the
    // prechecks from this module.
    const { JSDOM: Dom } = createRequire(import.meta.url)('jsdom') as typeof import('jsdom');
    const { window } = new Dom('');
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
export function precheckSvg(svg: string): void {
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
  // `[^()]` rather than `[^)]`: a run of unclosed `url(` then costs one scan, not one per `url(`.
  const cleaned = css.replace(/url\(([^()]*)\)/gi, (whole, inner: string) =>
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
  // `\d+(?:\.\d*)?`, not `\d+\.?\d*`: the latter splits a long run of digits every possible way (quadratic).
  return /^\s*\+?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*(?:px|pt|pc|mm|cm|in)?\s*$/i.test(value) && parseFloat(value) > 0;
}
