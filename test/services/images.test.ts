import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageError, MAX_UPLOAD_BYTES, normaliseImage, sanitiseSvg } from '../../src/services/images.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const HOSTILE_BUDGET_MS = 2000;

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 4, background: { r: 200, g: 60, b: 20, alpha: 1 } } });
}

/** Random pixels compress badly, so the IDAT is big enough to cut in half. */
function noisyPng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 4), { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
}

/** A valid PNG whose IHDR (with a correct CRC) claims other dimensions. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(8, 8).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29);
  return png;
}

function chunkOffset(png: Buffer, type: string): { start: number; length: number } {
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === type) return { start: at + 8, length };
    at += length + 12;
  }
  throw new Error(`no ${type} chunk`);
}

function svgDoc(inner: string, attrs = 'width="100" height="100"'): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${attrs}>${inner}</svg>`;
}

async function refusal(work: () => unknown): Promise<{ error: ImageError; ms: number }> {
  const start = performance.now();
  try {
    await work();
  } catch (error) {
    const ms = performance.now() - start;
    expect(error).toBeInstanceOf(ImageError);
    return { error: error as ImageError, ms };
  }
  throw new Error('expected an ImageError');
}

async function expectSquarePng(result: { png: Buffer; width: number; height: number }, side: number) {
  expect(result.width).toBe(side);
  expect(result.height).toBe(side);
  const meta = await sharp(result.png).metadata();
  expect(meta.format).toBe('png');
  expect([meta.width, meta.height]).toEqual([side, side]);
}

describe('normaliseImage: accepted uploads', () => {
  it.each([
    ['PNG', () => solid(300, 200).png().toBuffer()],
    ['JPEG', () => solid(300, 200).jpeg().toBuffer()],
    ['WebP', () => solid(300, 200).webp().toBuffer()],
  ])('re-encodes a %s as a square PNG padded with transparency', async (_name, make) => {
    const result = await normaliseImage(await make());
    expect(result.svg).toBeNull();
    await expectSquarePng(result, 300);
    const { data, info } = await sharp(result.png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[3]).toBe(0); // top-left corner is padding
    expect(data[(150 * 300 + 150) * 4 + 3]).toBe(255); // centre is the image
  });

  it('shrinks large images to 1024 and never enlarges small ones', async () => {
    await expectSquarePng(await normaliseImage(await solid(2000, 1000).png().toBuffer()), 1024);
    await expectSquarePng(await normaliseImage(await solid(40, 20).png().toBuffer()), 40);
  });

  it('trusts the bytes, not the declared type', async () => {
    const png = await solid(30, 30).png().toBuffer();
    await expectSquarePng(await normaliseImage(png, 'image/jpeg'), 30);
    const { error } = await refusal(() => normaliseImage(Buffer.from('GIF89a not really'), 'image/png'));
    expect(error.code).toBe('image_unsupported');
  });

  it('renders an SVG and keeps its sanitised source', async () => {
    const source = svgDoc('<circle cx="50" cy="50" r="40" fill="#0a7"/>', 'width="200" height="100"');
    const result = await normaliseImage(Buffer.from(source), 'image/svg+xml');
    await expectSquarePng(result, 512);
    expect(result.svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(result.svg).toContain('<circle');
  });

  it('accepts an SVG with BOM, XML declaration, comments, the plain SVG 1.1 DOCTYPE and only a viewBox', async () => {
    const source =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: Adobe Illustrator -->\n' +
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="12"/></svg>';
    const result = await normaliseImage(Buffer.from(source));
    await expectSquarePng(result, 512);
    expect(result.svg).toContain('viewBox="0 0 24 24"');
    expect(result.svg).not.toMatch(/DOCTYPE|<\?xml|<!--/);
  });

  it('renders the real-world mozilla-bakery SVG fixture', async () => {
    const result = await normaliseImage(fs.readFileSync(path.join(fixtures, 'mozilla-bakery-unbaked.svg')));
    await expectSquarePng(result, 512);
  });
});

describe('normaliseImage: refused uploads', () => {
  it.each([
    ['empty input', Buffer.alloc(0)],
    ['plain text', Buffer.from('Certificate of attendance\nAda Lovelace\n')],
    ['random bytes', randomBytes(4096)],
    ['HTML', Buffer.from('<!doctype html><html><body><svg></svg></body></html>')],
  ])('refuses %s as image_unsupported', async (_name, bytes) => {
    const { error, ms } = await refusal(() => normaliseImage(bytes));
    expect(error.code).toBe('image_unsupported');
    expect(error.message).toMatch(/empty|not a PNG, SVG, JPEG or WebP image/);
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses input over MAX_UPLOAD_BYTES without looking at it', async () => {
    const bytes = Buffer.concat([await solid(8, 8).png().toBuffer(), Buffer.alloc(MAX_UPLOAD_BYTES)]);
    const { error } = await refusal(() => normaliseImage(bytes));
    expect(error.code).toBe('image_too_large');
    expect(error.message).toBe('The file is too large: at most 5 MB.');
  });

  it('refuses a PNG whose header claims 20000 × 20000 quickly, before decoding', async () => {
    const { error, ms } = await refusal(async () => normaliseImage(await pngClaiming(20000, 20000)));
    expect(error.code).toBe('image_too_large');
    expect(error.message).toBe('The image is too large: at most 4096 × 4096 pixels.');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses a side over 4096 even when the pixel count is under the limit', async () => {
    const { error } = await refusal(async () => normaliseImage(await pngClaiming(5000, 100)));
    expect(error.code).toBe('image_too_large');
  });

  it('refuses a PNG truncated in the middle of IDAT as image_corrupt', async () => {
    const png = await noisyPng(256);
    const idat = chunkOffset(png, 'IDAT');
    const truncated = png.subarray(0, idat.start + Math.floor(idat.length / 2));
    const { error, ms } = await refusal(() => normaliseImage(truncated));
    expect(error.code).toBe('image_corrupt');
    expect(error.message).toBe('The image file is damaged or incomplete.');
    expect(error.detail).toMatch(/libpng|read error|truncated/i); // the technical text is kept for logs only
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses truncated JPEG and WebP as image_corrupt', async () => {
    const jpeg = await sharp(randomBytes(128 * 128 * 3), { raw: { width: 128, height: 128, channels: 3 } })
      .jpeg()
      .toBuffer();
    const webp = await sharp(randomBytes(128 * 128 * 3), { raw: { width: 128, height: 128, channels: 3 } })
      .webp()
      .toBuffer();
    for (const bytes of [jpeg, webp]) {
      const { error } = await refusal(() => normaliseImage(bytes.subarray(0, bytes.length >> 1)));
      expect(error.code).toBe('image_corrupt');
    }
  });

  it('never shows sharp or libvips wording to the user', async () => {
    const { error } = await refusal(() => normaliseImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2])));
    expect(error.code).toBe('image_corrupt');
    expect(error.message).not.toMatch(/vips|sharp|buffer/i);
  });
});

describe('sanitiseSvg', () => {
  const hostile = svgDoc(
    '<script>alert(1)</script>' +
      '<a href="javascript:alert(2)"><rect width="50" height="50" fill="red"/></a>' +
      '<a xlink:href="jav&#x09;ascript:alert(3)"><rect x="50" width="50" height="50"/></a>' +
      '<foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(4)"/></div></foreignObject>' +
      '<circle cx="50" cy="75" r="20" onclick="alert(5)" fill="blue"/>',
    'width="100" height="100" onload="alert(6)"',
  );

  it('removes script, event handlers, javascript: links and foreignObject', () => {
    const clean = sanitiseSvg(hostile);
    expect(clean).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(clean).not.toMatch(/<script|foreignObject|onload|onclick|onerror|javascript|alert|<img|<div/i);
    expect(clean).toContain('<circle');
  });

  it('still renders the sanitised hostile SVG', async () => {
    const start = performance.now();
    const result = await normaliseImage(Buffer.from(hostile));
    expect(performance.now() - start).toBeLessThan(HOSTILE_BUDGET_MS);
    expect(result.svg).not.toMatch(/script|foreignObject|onload/i);
    await expectSquarePng(result, 512);
  });

  it('keeps #fragment references and embedded rasters, drops every external reference', async () => {
    const pixel = (await solid(2, 2).png().toBuffer()).toString('base64');
    const clean = sanitiseSvg(
      svgDoc(
        '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient><rect id="r" width="5" height="5"/></defs>' +
          '<use href="#r"/><use xlink:href="#r" x="10"/>' +
          '<use href="https://evil.example/sprite.svg#r"/><use xlink:href="file:///etc/passwd#x"/>' +
          `<image href="data:image/png;base64,${pixel}" width="2" height="2"/>` +
          '<image href="https://evil.example/track.png" width="2" height="2"/>' +
          '<image href="data:image/svg+xml;base64,PHN2Zy8+" width="2" height="2"/>' +
          '<rect width="5" height="5" fill="url(#g)" stroke="url(https://evil.example/x)"/>' +
          '<rect width="5" height="5" style="fill:url(#g);stroke:url(https://evil.example/y)"/>' +
          '<style>@import url(https://evil.example/a.css); rect{fill:red}</style>' +
          '<style>.a{background:url( "https://evil.example/b" )}.b{fill:url(#g)}</style>' +
          '<style>.c{background:u\\72l(https://evil.example/c)}</style>',
      ),
    );
    expect(clean).not.toContain('evil.example');
    expect(clean).not.toMatch(/file:|svg\+xml|@import/);
    expect(clean).toContain('href="#r"');
    expect(clean).toContain(`data:image/png;base64,${pixel}`);
    expect(clean).toContain('fill="url(#g)"');
    expect(clean).toContain('.b{fill:url(#g)}');
  });

  it('writes well-formed XML that sharp can read (nbsp and < in text)', async () => {
    const clean = sanitiseSvg(svgDoc('<text x="5" y="50">A&nbsp;&amp;&nbsp;B &lt; C</text>'));
    expect(clean).not.toContain('&nbsp;');
    expect(clean).toContain('&amp;');
    const meta = await sharp(Buffer.from(clean)).metadata();
    expect(meta.format).toBe('svg');
  });

  it.each([
    [
      'billion laughs',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&lol2;</text></svg>',
    ],
    [
      'external entity',
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&xxe;</text></svg>',
    ],
    ['SYSTEM DOCTYPE', '<!DOCTYPE svg SYSTEM "https://evil.example/x.dtd"><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'],
    ['ENTITY after the root', '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><!ENTITY x "y"></svg>'],
    ['lower-case doctype', '<!doctype svg [ ]><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'],
  ])('refuses %s as image_unsafe before parsing', async (_name, source) => {
    const { error, ms } = await refusal(() => normaliseImage(Buffer.from(source)));
    expect(error.code).toBe('image_unsafe');
    expect(error.message).toMatch(/DOCTYPE or ENTITY/);
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses a <use> fan-out bomb quickly', async () => {
    let defs = '<rect id="l0" width="1" height="1"/>';
    for (let level = 1; level <= 9; level++) {
      defs += `<g id="l${level}">${`<use href="#l${level - 1}"/>`.repeat(10)}</g>`;
    }
    const { error, ms } = await refusal(() => normaliseImage(Buffer.from(svgDoc(`<defs>${defs}</defs><use href="#l9"/>`))));
    expect(error.code).toBe('image_too_complex');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses self-referencing <use>', async () => {
    const { error } = await refusal(() => sanitiseSvg(svgDoc('<g id="a"><use href="#a"/></g>')));
    expect(error.code).toBe('image_too_complex');
  });

  it('accepts a modest number of <use> references', async () => {
    const stars = Array.from({ length: 60 }, (_, i) => `<use href="#s" x="${i}"/>`).join('');
    const clean = sanitiseSvg(svgDoc(`<defs><path id="s" d="M0 0 L5 0 L2 5 Z"/></defs>${stars}`));
    expect(clean.match(/<use /g)).toHaveLength(60);
  });

  it('refuses more than 5,000 elements and more than 1 MB', async () => {
    const many = await refusal(() => sanitiseSvg(svgDoc('<rect/>'.repeat(5001))));
    expect(many.error.code).toBe('image_too_complex');
    expect(many.ms).toBeLessThan(HOSTILE_BUDGET_MS);
    const big = await refusal(() => sanitiseSvg(svgDoc(`<desc>${'x'.repeat(1024 * 1024)}</desc>`)));
    expect(big.error.code).toBe('image_too_large');
  });

  it('refuses very deep nesting', async () => {
    const { error, ms } = await refusal(() => sanitiseSvg(svgDoc(`${'<g>'.repeat(2000)}${'</g>'.repeat(2000)}`)));
    expect(error.code).toBe('image_too_complex');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses SVG that is not well-formed XML as image_corrupt', async () => {
    for (const source of [
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><g></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect></g></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/><svg/>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><!--> <g> --></svg>',
      '<![CDATA[ > <g><g><g> ]]><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><?pi > <g> ?></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect x=1 /></svg>',
    ]) {
      const { error } = await refusal(() => sanitiseSvg(source));
      expect(error.code).toBe('image_corrupt');
    }
  });

  it('cuts HTML content (foreignObject, HTML tags, markup in <title>) before parsing', async () => {
    const start = performance.now();
    const clean = sanitiseSvg(
      svgDoc(
        `<title>Badge<b/>${'<i/>'.repeat(1500)}</title>` +
          `<foreignObject width="9" height="9">${'<div/>'.repeat(1500)}</foreignObject>` +
          `<g>${'<p/>'.repeat(1500)}<rect width="5" height="5"/></g>`,
      ),
    );
    expect(performance.now() - start).toBeLessThan(HOSTILE_BUDGET_MS);
    expect(clean).toContain('<title>Badge</title>');
    expect(clean).toContain('<rect width="5" height="5"/>');
    expect(clean).not.toMatch(/<(b|i|div|p)\b|foreignObject/i);
  });

  it('refuses an SVG without any size', async () => {
    const { error } = await refusal(() => sanitiseSvg('<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>'));
    expect(error.code).toBe('image_unsupported');
    expect(error.message).toMatch(/no size/);
  });
});

describe('normaliseImage: hostile SVG rendering', () => {
  it('refuses an embedded PNG whose header claims 20000 × 20000', async () => {
    const bomb = (await pngClaiming(20000, 20000)).toString('base64');
    const source = svgDoc(`<image href="data:image/png;base64,${bomb}" width="10" height="10"/>`);
    const { error, ms } = await refusal(() => normaliseImage(Buffer.from(source)));
    expect(error.code).toBe('image_too_large');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('stops a render that is too slow (hundreds of full-canvas blurs) within 2 s', async () => {
    const rects = Array.from({ length: 300 }, (_, i) => `<rect filter="url(#f)" x="${i}" width="1024" height="1024"/>`).join('');
    const source = svgDoc(
      `<defs><filter id="f" filterUnits="userSpaceOnUse" x="0" y="0" width="1024" height="1024"><feGaussianBlur stdDeviation="30"/></filter></defs>${rects}`,
      'width="1024" height="1024"',
    );
    const { error, ms } = await refusal(() => normaliseImage(Buffer.from(source)));
    expect(error.code).toBe('image_too_complex');
    expect(error.message).toMatch(/took too long/);
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('keeps the 2 s budget for a large SVG that is also slow to render', async () => {
    const shapes = '<circle cx="5" cy="5" r="2"/>'.repeat(2000);
    const blurs = Array.from({ length: 100 }, () => '<rect filter="url(#f)" width="1024" height="1024"/>').join('');
    const source = svgDoc(
      `<defs><filter id="f"><feMorphology radius="20"/></filter></defs>${shapes}${blurs}`,
      'width="1024" height="1024"',
    );
    const { error, ms } = await refusal(() => normaliseImage(Buffer.from(source)));
    expect(error.code).toBe('image_too_complex');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('refuses an SVG whose size exceeds the pixel limit', async () => {
    const { error } = await refusal(() => normaliseImage(Buffer.from(svgDoc('<rect width="1" height="1"/>', 'width="20000" height="20000"'))));
    expect(error.code).toBe('image_too_large');
  });

  it('refuses an SVG whose size libvips cannot represent (it prints GLib warnings before failing)', async () => {
    const { error } = await refusal(() => normaliseImage(Buffer.from(svgDoc('<rect width="1" height="1"/>', 'viewBox="0 0 1000000000 1000000000"'))));
    expect(error.code).toMatch(/^image_(corrupt|too_large)$/);
  });

  it('answers four endless renders at once within 2 s each, the ones that waited as busy', async () => {
    const rects = Array.from({ length: 300 }, (_, i) => `<rect filter="url(#f)" x="${i}" width="1024" height="1024"/>`).join('');
    const source = Buffer.from(
      svgDoc(`<defs><filter id="f" filterUnits="userSpaceOnUse" x="0" y="0" width="1024" height="1024"><feGaussianBlur stdDeviation="30"/></filter></defs>${rects}`, 'width="1024" height="1024"'),
    );
    const refusals = await Promise.all(Array.from({ length: 4 }, () => refusal(() => normaliseImage(source))));
    for (const { error, ms } of refusals) {
      expect(error.code).toBe('image_too_complex');
      expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
    }
    expect(refusals.filter(({ error }) => /busy/.test(error.message)).length).toBeGreaterThanOrEqual(1);
  });
});

describe('normaliseImage: damaged PNG structure', () => {
  /** A PNG with a text chunk, as baked badges have: IHDR, tEXt, IDAT, IEND. */
  async function pngWithText(): Promise<Buffer> {
    const png = await solid(16, 16).png().toBuffer();
    const ihdrEnd = 8 + 25;
    const data = Buffer.from('Comment\0made by a test', 'latin1');
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
  }

  it('accepts the intact file', async () => {
    await expectSquarePng(await normaliseImage(await pngWithText()), 16);
  });

  // libspng skips an ancillary chunk whose CRC fails and stops reading after the image data, so these decode.
  it.each([
    ['an ancillary chunk with a bad CRC', (png: Buffer) => {
      const text = chunkOffset(png, 'tEXt');
      const bad = Buffer.from(png);
      bad[text.start + text.length] = bad[text.start + text.length]! ^ 1; // first byte of its CRC
      return bad;
    }],
    ['no IEND', (png: Buffer) => png.subarray(0, png.length - 12)],
    ['an IEND cut short', (png: Buffer) => png.subarray(0, png.length - 2)],
    ['an IEND whose length lies', (png: Buffer) => {
      const bad = Buffer.from(png);
      bad.writeUInt32BE(0x7fffffff, png.length - 12);
      return bad;
    }],
  ])('refuses a PNG with %s as image_corrupt', async (_name, damage) => {
    const { error, ms } = await refusal(async () => normaliseImage(damage(await pngWithText())));
    expect(error.code).toBe('image_corrupt');
    expect(error.message).toBe('The image file is damaged or incomplete.');
    expect(ms).toBeLessThan(HOSTILE_BUDGET_MS);
  });
});

describe('normaliseImage: the event loop', () => {
  it('stays free while a large SVG is sanitised (jsdom works in a worker thread)', async () => {
    // Well-formed and within the limits, so it is refused only after the whole DOM sanitising (about a second).
    const source = Buffer.from(svgDoc('<rect width="1" height="1" fill="#123456" stroke="#654321"/>'.repeat(4990), 'viewBox="0 0 0 0"'));
    await refusal(() => normaliseImage(Buffer.from(svgDoc('<rect/>', 'viewBox="0 0 0 0"')))); // workers started
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const { error } = await refusal(() => normaliseImage(source));
    loop.disable();
    expect(error.code).toMatch(/^image_(unsupported|too_complex)$/);
    // On the event loop this took 700-1,800 ms; a generous bound keeps the test steady on a busy machine.
    expect(loop.max / 1e6).toBeLessThan(300);
  });
});
