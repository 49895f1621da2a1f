import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import fc from 'fast-check';
import { JSDOM } from 'jsdom';
import { BakeError } from '../../src/openbadges/bake-error.js';
import { bakeSvg, extractSvg } from '../../src/openbadges/svg.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const { DOMParser } = new JSDOM('').window;
const ID = 'https://kiln.example/assertions/1';
const SIMPLE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>';

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** What a namespace-aware XML parser (as verifiers use) finds in the baked SVG. */
function parseWithXmlParser(svg: string): { verify: string | null; text: string }[] {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
  return [...doc.getElementsByTagNameNS('http://openbadges.org', 'assertion')].map((el) => ({
    verify: el.getAttribute('verify'),
    text: el.textContent ?? '',
  }));
}

function expectBakeError(run: () => unknown, code: string): void {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(BakeError);
  expect((error as BakeError).code).toBe(code);
}

describe('extractSvg on other bakeries\' files', () => {
  it('reads the verify URL and CDATA JSON from the Mozilla bakery file', () => {
    expect(extractSvg(fixture('mozilla-bakery-baked.svg'))).toEqual({
      verify: 'http://example.org',
      json: '{"verify":{"url":"http://example.org"}}',
    });
  });

  it('reads a verify-only element with an empty CDATA body', () => {
    expect(extractSvg(fixture('mozilla-bakery-verify-only.svg'))).toEqual({ verify: 'http://example.org', json: null });
  });

  it('returns an invalid JSON body as the raw string for the caller to reject', () => {
    const badge = extractSvg(fixture('mozilla-bakery-bad-json.svg'));
    expect(badge?.json).toBe('{verify:{"url":"http://example.org"}}');
    expect(() => JSON.parse(badge!.json!)).toThrow(SyntaxError);
  });

  it('returns null for an unbaked SVG', () => {
    expect(extractSvg(fixture('mozilla-bakery-unbaked.svg'))).toBeNull();
  });

  it('reads the Python bakery file', () => {
    const badge = extractSvg(fixture('python-bakery-baked-1x.svg'))!;
    expect(badge.verify).toBe('https://example.org/assertion.json');
    expect(JSON.parse(badge.json!)).toMatchObject({ uid: 'abcdef12345', badge: 'https://example.org/badge.json' });
  });
});

describe('extractSvg', () => {
  it('reads attributes in linear time: a 1 MB attribute name took minutes with the old pair regex', () => {
    const hostile = `<svg><openbadges:assertion ${'a'.repeat(1 << 20)} verify="${ID}"/></svg>`;
    const started = performance.now();
    expect(extractSvg(hostile)).toEqual({ verify: ID, json: null });
    // 2.3 s for 40 KB before (quadratic); tens of milliseconds now. The bound only has to tell the two apart.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('reads attributes with spaces around = and skips names without values', () => {
    const svg = `<svg><openbadges:assertion  checked  verify = '${ID}' x=y /></svg>`;
    expect(extractSvg(svg)?.verify).toBe(ID);
  });

  it('reads single-quoted attributes and decodes entities in attributes and plain text', () => {
    const svg = `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify='https://x.example/a?b=1&amp;c=&#x32;&#51;'>&lt;&gt;&amp;&quot;&apos;&#233;&#x1F600;</openbadges:assertion></svg>`;
    const badge = extractSvg(svg)!;
    expect(badge.verify).toBe('https://x.example/a?b=1&c=23');
    expect(badge.json).toBe('<>&"\'é😀');
  });

  it('reads a self-closing element carrying only a signature', () => {
    const svg = '<svg><openbadges:assertion verify="eyJ.eyJ.sig"/></svg>';
    expect(extractSvg(svg)).toEqual({ verify: 'eyJ.eyJ.sig', json: null });
  });

  it('takes the first element and ignores look-alikes in comments, CDATA and other names', () => {
    const svg = [
      '<svg><!-- <openbadges:assertion verify="comment"/> -->',
      '<style><![CDATA[ <openbadges:assertion verify="cdata"/> ]]></style>',
      '<openbadges:assertionX verify="other-name"/><ob:assertion verify="other-prefix"/>',
      '<text title="<openbadges:assertion verify=&quot;attr&quot;/>">hi</text>',
      '<openbadges:assertion verify="first"/><openbadges:assertion verify="second"/></svg>',
    ].join('');
    expect(extractSvg(svg)?.verify).toBe('first');
  });

  it('leaves unknown and out-of-range entities as they are', () => {
    const svg = '<svg><openbadges:assertion>&nbsp;&#0;&#x110000;&#xD800;</openbadges:assertion></svg>';
    expect(extractSvg(svg)?.json).toBe('&nbsp;&#0;&#x110000;&#xD800;');
  });

  it('refuses input over 10 MB', () => {
    expectBakeError(() => extractSvg(' '.repeat(10 * 1024 * 1024 + 1)), 'svg_too_large');
  });

  it('refuses an element that is never closed', () => {
    expectBakeError(() => extractSvg('<svg><openbadges:assertion verify="x">{}'), 'svg_malformed');
  });

  it('returns a result or throws BakeError, quickly, for arbitrary input', () => {
    const piece = fc.constantFrom(
      '<', '>', '/>', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!DOCTYPE x [', ']>', '"', "'", '=', ' ',
      '<openbadges:assertion', '</openbadges:assertion>', ' verify=', '&amp;', '&#x41;', '&#99999999999;', 'a', '<svg',
    );
    const input = fc.oneof(fc.string({ unit: 'binary' }), fc.array(piece, { maxLength: 40 }).map((p) => p.join('')));
    fc.assert(fc.property(input, (svg) => {
      const started = performance.now();
      try {
        extractSvg(svg);
      } catch (error) {
        if (!(error instanceof BakeError)) throw error;
      }
      expect(performance.now() - started).toBeLessThan(50);
    }), { numRuns: 2000 });
  });
});

describe('bakeSvg', () => {
  it('round-trips the assertion id and JSON', () => {
    const json = JSON.stringify({ id: ID, name: 'Baking ✓' });
    expect(extractSvg(bakeSvg(SIMPLE, ID, json))).toEqual({ verify: ID, json });
  });

  it('declares the namespace on <svg> and inserts the element as its first child', () => {
    const baked = bakeSvg(SIMPLE, ID, '{}');
    expect(baked).toBe(
      '<svg xmlns:openbadges="http://openbadges.org" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">' +
        `<openbadges:assertion verify="${ID}"><![CDATA[{}]]></openbadges:assertion>` +
        '<rect width="8" height="8"/></svg>',
    );
    expect(parseWithXmlParser(baked)).toEqual([{ verify: ID, text: '{}' }]);
  });

  it('keeps the XML declaration and comments before the root', () => {
    const svg = `\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n${SIMPLE}`;
    const baked = bakeSvg(svg, ID, '{}');
    expect(baked.startsWith('\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns:openbadges=')).toBe(true);
  });

  it('leaves exactly one element when re-baking another bakery\'s file or baking twice', () => {
    for (const name of ['mozilla-bakery-baked.svg', 'python-bakery-baked-1x.svg', 'mozilla-bakery-unbaked.svg']) {
      const twice = bakeSvg(bakeSvg(fixture(name), 'https://a.example/1', '{"n":1}'), ID, '{"n":2}');
      expect(count(twice, '<openbadges:assertion')).toBe(1);
      expect(count(twice, 'xmlns:openbadges=')).toBe(1);
      expect(extractSvg(twice)).toEqual({ verify: ID, json: '{"n":2}' });
      expect(parseWithXmlParser(twice)).toHaveLength(1);
    }
  });

  it('removes self-closing and nested existing elements', () => {
    const svg = '<svg><g><openbadges:assertion verify=\'old\'/></g><openbadges:assertion>a<openbadges:assertion>b</openbadges:assertion></openbadges:assertion></svg>';
    const baked = bakeSvg(svg, ID, '{}');
    expect(baked).toBe(`<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="${ID}"><![CDATA[{}]]></openbadges:assertion><g></g></svg>`);
  });

  it('bakes into a self-closing root', () => {
    const baked = bakeSvg('<svg xmlns="http://www.w3.org/2000/svg"/>', ID, '{}');
    expect(parseWithXmlParser(baked)).toEqual([{ verify: ID, text: '{}' }]);
  });

  it('escapes the verify attribute', () => {
    const id = `https://x.example/?a=1&b="2"&c='3'<>\ttab`;
    const baked = bakeSvg(SIMPLE, id, '{}');
    expect(extractSvg(baked)?.verify).toBe(id);
    expect(parseWithXmlParser(baked)[0]?.verify).toBe(id);
  });

  it('keeps hostile badge text inert and round-trips it', () => {
    const original = {
      id: ID,
      name: ']]></openbadges:assertion><script>alert(1)</script><openbadges:assertion verify="evil">',
      description: `"quotes" 'single' \u0000 NUL \uFFFF 🎉 ${'x'.repeat(10_000)} ]]> <![CDATA[ &amp;`,
      lone: '\uD800',
    };
    const baked = bakeSvg(SIMPLE, ID, JSON.stringify(original));
    expect(count(baked, '<openbadges:assertion')).toBe(1);
    expect(baked).not.toContain('<script');
    expect(JSON.parse(extractSvg(baked)!.json!)).toEqual(original);
    const [parsed] = parseWithXmlParser(baked);
    expect(JSON.parse(parsed!.text)).toEqual(original);
  });

  it('round-trips arbitrary JSON documents with arbitrary strings', () => {
    const document = fc.jsonValue({ stringUnit: 'binary' });
    fc.assert(fc.property(document, fc.webUrl(), (value, id) => {
      const json = JSON.stringify(value);
      const baked = bakeSvg(SIMPLE, id, json);
      expect(count(baked, '<openbadges:assertion')).toBe(1);
      const badge = extractSvg(baked)!;
      expect(badge.verify).toBe(id);
      expect(JSON.parse(badge.json!)).toEqual(JSON.parse(json));
    }));
  });

  it('produces XML that a strict parser reads the same way', () => {
    const document = fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }));
    fc.assert(fc.property(document, (value) => {
      const json = JSON.stringify(value);
      const parsed = parseWithXmlParser(bakeSvg(SIMPLE, ID, json));
      expect(parsed).toHaveLength(1);
      expect(JSON.parse(parsed[0]!.text)).toEqual(JSON.parse(json));
    }), { numRuns: 200 });
  });

  it('refuses a DOCTYPE', () => {
    expectBakeError(() => bakeSvg(`<!DOCTYPE svg [<!ENTITY x "y">]>${SIMPLE}`, ID, '{}'), 'svg_doctype');
  });

  it('refuses documents whose root is not <svg>', () => {
    expectBakeError(() => bakeSvg('<html><svg></svg></html>', ID, '{}'), 'svg_root');
    expectBakeError(() => bakeSvg('text<svg></svg>', ID, '{}'), 'svg_root');
    expectBakeError(() => bakeSvg('', ID, '{}'), 'svg_root');
  });

  it('refuses an openbadges prefix bound to another namespace', () => {
    expectBakeError(() => bakeSvg('<svg xmlns:openbadges="urn:other"></svg>', ID, '{}'), 'svg_namespace');
  });

  it('refuses an assertion id that XML cannot carry', () => {
    expectBakeError(() => bakeSvg(SIMPLE, 'https://x.example/\u0000', '{}'), 'svg_invalid_char');
  });

  it('refuses input over 10 MB', () => {
    expectBakeError(() => bakeSvg(SIMPLE + ' '.repeat(10 * 1024 * 1024), ID, '{}'), 'svg_too_large');
  });
});
