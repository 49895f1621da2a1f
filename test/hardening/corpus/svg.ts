import zlib from 'node:zlib';
import type { BadImage, Family } from './images.js';
import type { Random } from './random.js';

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const svg = (inner: string, attrs = 'width="64" height="64"') => `<svg ${NS} ${attrs}>${inner}</svg>`;

/** A well-formed SVG with the usual parts (prolog, defs, gradient, use, text), to be cut short. */
const RICH_SVG = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<!-- made by the kiln malformed corpus -->',
  `<svg ${NS} width="120" height="120" viewBox="0 0 120 120">`,
  '<title>Badge</title>',
  '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#facc15"/></linearGradient>',
  '<path id="star" d="M60 10 L72 45 L110 45 L79 67 L91 104 L60 82 L29 104 L41 67 L10 45 L48 45 Z"/></defs>',
  '<circle cx="60" cy="60" r="56" fill="url(#g)" stroke="#0f172a" stroke-width="4"/>',
  '<use href="#star" fill="#fff"/>',
  '<g transform="translate(60 112)"><rect x="-40" y="-10" width="80" height="14" rx="3" fill="#0f172a"/></g>',
  '<![CDATA[ not drawn ]]>',
  '</svg>',
].join('\n');

export function svgTruncations(random: Random): Buffer[] {
  const bytes = Buffer.from(RICH_SVG, 'utf8');
  const offsets = new Set<number>([1, 5, 20, 38, bytes.length - 1, bytes.length - 2, bytes.length - 6]);
  // Just inside and just after each tag.
  for (const m of RICH_SVG.matchAll(/<|>/g)) if (random.next() < 0.35) offsets.add(m.index! + (m[0] === '<' ? 1 : 0));
  while (offsets.size < 30) offsets.add(random.int(1, bytes.length));
  return [...offsets].filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b).map((o) => bytes.subarray(0, o));
}

/** n levels of ten `<use>` each: 10^n elements once expanded. */
function useFanOut(levels: number, width: number): string {
  let defs = '<rect id="l0" width="1" height="1"/>';
  for (let level = 1; level <= levels; level++) {
    defs += `<g id="l${level}">${Array.from({ length: width }, (_, i) => `<use href="#l${level - 1}" x="${i}"/>`).join('')}</g>`;
  }
  return svg(`<defs>${defs}</defs><use href="#l${levels}"/>`);
}

const LOL = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE svg [',
  '<!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
  ']>',
  svg('<text y="20">&lol9;</text>'),
].join('\n');

/** A tiny PNG whose header claims 100000 × 100000, base64 for a data: URL inside an SVG. */
function embeddedBombPng(): string {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

function nested(depth: number): string {
  return svg(`${'<g>'.repeat(depth)}<rect width="1" height="1"/>${'</g>'.repeat(depth)}`);
}

/** Full-canvas blurs: cheap to send, slow to render, so only the render time limit stops them. */
function slowFilters(count: number, side: number): string {
  const filters = Array.from({ length: count }, (_, i) => `<filter id="f${i}" x="0" y="0" width="1" height="1"><feGaussianBlur stdDeviation="${200 + i}"/><feMorphology radius="40"/></filter>`).join('');
  const layers = Array.from({ length: count }, (_, i) => `<rect width="${side}" height="${side}" fill="#${(i * 97 % 4096).toString(16).padStart(3, '0')}" filter="url(#f${i})"/>`).join('');
  return svg(`<defs>${filters}</defs>${layers}`, `width="${side}" height="${side}"`);
}

/** SVGs that must be refused whole: entities, fan-out, broken structure, bad encodings, impossible sizes, endless renders. */
export function hostileSvgTexts(): BadImage[] {
  const items: Array<[string, Family, string | Buffer, boolean?]> = [
    ['SVG billion laughs', 'svg-entities', LOL],
    ['SVG quadratic blow-up (one 30 KB entity used 3000 times)', 'svg-entities', `<!DOCTYPE svg [<!ENTITY a "${'a'.repeat(30_000)}">]>${svg(`<text>${'&a;'.repeat(3000)}</text>`)}`],
    ['SVG external entity (file:///etc/passwd)', 'svg-entities', `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${svg('<text y="20">&xxe;</text>')}`],
    ['SVG external entity (http to loopback)', 'svg-entities', `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>${svg('<text>&xxe;</text>')}`],
    ['SVG parameter entity', 'svg-entities', `<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>${svg('<rect width="1" height="1"/>')}`],
    ['SVG external DTD by SYSTEM id', 'svg-entities', `<!DOCTYPE svg SYSTEM "http://127.0.0.1:9/svg.dtd">${svg('<rect width="1" height="1"/>')}`],
    ['SVG ELEMENT declaration', 'svg-entities', `<!DOCTYPE svg [<!ELEMENT svg ANY>]>${svg('<rect width="1" height="1"/>')}`],
    ['SVG entity declared inside the root', 'svg-entities', svg('<!ENTITY x "y"><rect width="1" height="1"/>')],
    ['SVG <use> fan-out 10^6 (6 levels of 10)', 'svg-fan-out', useFanOut(6, 10)],
    ['SVG <use> fan-out 10^5 (5 levels of 10)', 'svg-fan-out', useFanOut(5, 10)],
    ['SVG <use> fan-out 400^2', 'svg-fan-out', useFanOut(2, 400)],
    ['SVG <use> referring to itself', 'svg-fan-out', svg('<use id="u" href="#u"/>')],
    ['SVG <use> cycle a → b → a', 'svg-fan-out', svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>')],
    ['SVG pattern filling itself', 'svg-fan-out', svg('<defs><pattern id="p" width="4" height="4"><rect width="4" height="4" fill="url(#p)"/></pattern></defs><rect width="64" height="64" fill="url(#p)"/>')],
    [
      'SVG marker drawn at 20000 vertices, 100 uses each',
      'svg-fan-out',
      svg(
        `<defs><g id="dot">${'<circle r="1"/>'.repeat(10)}</g><marker id="m" markerWidth="2" markerHeight="2">${'<use href="#dot"/>'.repeat(10)}</marker></defs>` +
          `<path marker-mid="url(#m)" d="M0 0 ${Array.from({ length: 20_000 }, (_, i) => `L${i % 64} ${(i * 7) % 64}`).join(' ')}"/>`,
      ),
    ],
    ['SVG nested 10000 deep', 'svg-structure', nested(10_000)],
    ['SVG nested 129 deep', 'svg-structure', nested(129)],
    ['SVG with 6000 elements', 'svg-structure', svg('<rect width="1" height="1"/>'.repeat(6000))],
    ['SVG with a 1.5 MB attribute value', 'svg-structure', svg(`<rect width="1" height="1" data-x="${'A'.repeat(1_500_000)}"/>`)],
    ['SVG with a 4.9 MB path', 'svg-structure', svg(`<path d="M0 0${' l1 1'.repeat(980_000)}"/>`)],
    ['SVG never closed', 'svg-structure', `<svg ${NS} width="64" height="64"><g><rect width="1" height="1"/>`],
    ['SVG with mismatched tags', 'svg-structure', svg('<g><rect width="1" height="1"></g></rect>')],
    ['SVG with text outside the root', 'svg-structure', `${svg('<rect width="1" height="1"/>')}trailing text`],
    ['SVG with two roots', 'svg-structure', svg('<rect width="1" height="1"/>') + svg('<rect width="2" height="2"/>')],
    ['SVG start tag never ended', 'svg-structure', `<svg ${NS} width="64" height="64"><rect width="1"`],
    ['SVG with unquoted attributes', 'svg-structure', `<svg ${NS} width=64 height=64><rect width=1 height=1/></svg>`],
    ['SVG with < inside an attribute', 'svg-structure', svg('<rect width="1" height="1" class="<script>"/>')],
    ['SVG with CDATA outside the root', 'svg-structure', `<![CDATA[x]]>${svg('<rect width="1" height="1"/>')}`],
    ['SVG with only a comment', 'svg-structure', '<?xml version="1.0"?><!-- <svg> -->'],
    ['SVG root that is svg:html', 'svg-structure', `<svg:html xmlns:svg="http://www.w3.org/2000/svg"><svg:rect/></svg:html>`],
    ['SVG with no size at all', 'svg-size', `<svg ${NS}><rect width="10" height="10"/></svg>`],
    ['SVG with viewBox 0 0 0 0', 'svg-size', svg('<rect width="1" height="1"/>', 'viewBox="0 0 0 0"')],
    ['SVG with negative width', 'svg-size', svg('<rect width="1" height="1"/>', 'width="-64" height="64"')],
    ['SVG with width in percent only', 'svg-size', svg('<rect width="1" height="1"/>', 'width="100%" height="100%"')],
    // Well-formed and within the element limit, so they are refused only after the (slow) DOM sanitising.
    ['SVG with 4,990 elements and a viewBox of zero size', 'svg-size', svg('<rect width="1" height="1" fill="#123456" stroke="#654321"/>'.repeat(4990), 'viewBox="0 0 0 0"'), true],
    ['SVG with a 1 MB path and no size', 'svg-size', `<svg ${NS}><path d="M0 0${' l1 1'.repeat(199_000)}"/></svg>`, true],
    ['SVG claiming 100000 × 100000', 'pixel-bomb', svg('<rect width="1" height="1"/>', 'width="100000" height="100000"')],
    ['SVG claiming 5000 × 10', 'pixel-bomb', svg('<rect width="1" height="1"/>', 'width="5000" height="10"')],
    ['SVG with viewBox 1e9 and no width', 'pixel-bomb', svg('<rect width="1" height="1"/>', 'viewBox="0 0 1000000000 1000000000"')],
    ['SVG claiming 1e7 mm', 'pixel-bomb', svg('<rect width="1" height="1"/>', 'width="10000000mm" height="10mm"')],
    ['SVG embedding a PNG claiming 100000 × 100000', 'pixel-bomb', svg(`<image width="64" height="64" href="data:image/png;base64,${embeddedBombPng()}"/>`)],
    ['SVG embedding 40 images', 'svg-structure', svg(`<image width="1" height="1" href="data:image/png;base64,${embeddedBombPng()}"/>`.repeat(40))],
    ['SVG embedding noise as a PNG', 'svg-structure', svg('<image width="8" height="8" href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"/>')],
    ['SVG with 40 full-canvas blurs at 4096', 'svg-slow', slowFilters(40, 4096), true],
    ['SVG with 12 full-canvas blurs at 4000', 'svg-slow', slowFilters(12, 4000), true],
    ['SVG in Latin-1 (é as 0xE9)', 'svg-encoding', Buffer.from(svg('<title>Café</title><rect width="1" height="1"/>'), 'latin1')],
    ['SVG in UTF-16LE with BOM', 'svg-encoding', Buffer.from(`\ufeff${svg('<rect width="1" height="1"/>')}`, 'utf16le')],
    ['SVG in UTF-16BE with BOM', 'svg-encoding', Buffer.from(`\ufeff${svg('<rect width="1" height="1"/>')}`, 'utf16le').swap16()],
    ['SVG with an overlong UTF-8 "/"', 'svg-encoding', Buffer.concat([Buffer.from(svg('<title>'), 'utf8').subarray(0, -6), Buffer.from('<title>a\xc0\xaf</title></svg>', 'latin1')])],
    ['SVG with an encoded surrogate', 'svg-encoding', Buffer.concat([Buffer.from(`<svg ${NS} width="8" height="8"><title>`, 'utf8'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('</title></svg>')])],
    ['SVG with a lone continuation byte', 'svg-encoding', Buffer.concat([Buffer.from(`<svg ${NS} width="8" height="8"><desc>`, 'utf8'), Buffer.from([0x80]), Buffer.from('</desc></svg>')])],
    ['SVG with 0xFF bytes', 'svg-encoding', Buffer.concat([Buffer.from(`<svg ${NS} width="8" height="8">`, 'utf8'), Buffer.from([0xff, 0xfe, 0xff]), Buffer.from('</svg>')])],
    ['SVG cut inside a UTF-8 sequence', 'svg-encoding', Buffer.from(svg('<title>badge ✓</title>')).subarray(0, svg('<title>badge ✓').length + 1)],
  ];
  return items.map(([name, family, text, expensive]) => ({
    name,
    family,
    bytes: typeof text === 'string' ? Buffer.from(text, 'utf8') : text,
    type: 'image/svg+xml',
    ...(expensive ? { expensive: true } : {}),
  }));
}

/**
 * Well-formed SVGs with active or external parts. Kiln's contract (DESIGN.md: "sanitised", an allowlist) is to strip
 * those parts and keep the drawing, so they are checked apart from the corpus: refused, or stored without them.
 */
export function sanitisableSvgs(): Array<{ name: string; svg: string }> {
  const rect = '<rect width="64" height="64" fill="#1d4ed8"/>';
  return [
    { name: 'script element', svg: svg(`${rect}<script>alert(document.domain)</script>`) },
    { name: 'script with CDATA and xlink', svg: svg(`${rect}<script xlink:href="https://evil.example/x.js"><![CDATA[alert(1)]]></script>`) },
    { name: 'foreignObject with HTML and a script', svg: svg(`${rect}<foreignObject width="64" height="64"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><img src="x" onerror="alert(1)"/></div></foreignObject>`) },
    { name: 'event handlers', svg: svg(`<rect width="64" height="64" onclick="alert(1)" onmouseover="alert(2)" fill="#1d4ed8"/>`, 'width="64" height="64" onload="alert(3)"') },
    { name: 'javascript: link', svg: svg(`<a href="javascript:alert(1)">${rect}</a><a xlink:href="java\tscript:alert(2)"><circle r="4"/></a>`) },
    { name: 'animate setting href to javascript:', svg: svg(`<a href="#x">${rect}<animate attributeName="href" to="javascript:alert(1)"/><set attributeName="href" to="javascript:alert(2)"/></a>`) },
    { name: 'external image over http', svg: svg(`${rect}<image href="http://127.0.0.1:9/track.png" width="10" height="10"/>`) },
    { name: 'external image from file:', svg: svg(`${rect}<image xlink:href="file:///etc/passwd" width="10" height="10"/>`) },
    { name: 'CSS @import and external url()', svg: svg(`<style>@import url(http://127.0.0.1:9/x.css); rect { fill: url(http://127.0.0.1:9/p.svg#x) }</style>${rect}`) },
    { name: 'XInclude', svg: svg(`${rect}<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>`) },
    { name: 'plain SVG 1.1 DOCTYPE naming an external DTD', svg: `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://127.0.0.1:9/svg11.dtd">${svg(rect)}` },
    { name: 'huge but harmless attribute', svg: svg(`<rect width="64" height="64" fill="#1d4ed8" data-note="${'x'.repeat(200_000)}"/>`) },
  ];
}
