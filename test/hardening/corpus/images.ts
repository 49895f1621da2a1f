import zlib from 'node:zlib';
import sharp from 'sharp';
import { seeded, type Random } from './random.js';
import { hostileSvgTexts, svgTruncations } from './svg.js';

/**
 * The malformed image corpus (issue 9): every file is made here in code from a fixed seed, so the repository holds
 * no binary fixtures and every run sends the same bytes. Each file is damaged or hostile in one named way; none is
 * an image a careful decoder could accept as it is.
 */

export type Family =
  | 'truncated'
  | 'byte-flip'
  | 'chunk-length'
  | 'bad-crc'
  | 'empty'
  | 'not-an-image'
  | 'pixel-bomb'
  | 'decompression-bomb'
  | 'jpeg-structure'
  | 'webp-structure'
  | 'svg-entities'
  | 'svg-fan-out'
  | 'svg-structure'
  | 'svg-encoding'
  | 'svg-size'
  | 'svg-slow';

export interface BadImage {
  /** Unique, readable: `png-a truncated at 57`. */
  name: string;
  family: Family;
  bytes: Buffer;
  /** The MIME type the upload claims (never trusted by Kiln; sometimes a lie on purpose). */
  type: string;
  /** Costly to refuse (a render stopped at the time limit, a real decompression): used for the concurrency run. */
  expensive?: boolean;
}

export const CORPUS_SEED = 0x6b696c6e; // "kiln"

// ---- PNG ----

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width >>> 0, 0);
  data.writeUInt32BE(height >>> 0, 4);
  data[8] = bitDepth;
  data[9] = colourType;
  return pngChunk('IHDR', data);
}

const IEND = pngChunk('IEND', Buffer.alloc(0));

/** 48 × 48 RGBA gradient carrying text chunks (as baked badges do): IHDR, tEXt, iTXt, IDAT, IEND. */
function pngA(): Buffer {
  const side = 48;
  const rows = Buffer.alloc(side * (1 + side * 4));
  for (let y = 0; y < side; y++) {
    const row = y * (1 + side * 4);
    for (let x = 0; x < side; x++) rows.set([x * 5, y * 5, 128, 255], row + 1 + x * 4);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(side, side, 8, 6),
    pngChunk('tEXt', Buffer.from('Software\0kiln malformed corpus', 'latin1')),
    pngChunk('iTXt', Buffer.from('openbadges\0\0\0\0\0https://badges.example.org/assertions/1', 'utf8')),
    pngChunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    IEND,
  ]);
}

/** 40 × 40 8-bit grey with noise (so IDAT is sizeable), gAMA, and the image data split over three IDAT chunks. */
function pngB(random: Random): Buffer {
  const side = 40;
  const rows = Buffer.alloc(side * (1 + side));
  for (let y = 0; y < side; y++) rows.set(random.bytes(side), y * (1 + side) + 1);
  const data = zlib.deflateSync(rows);
  const third = Math.ceil(data.length / 3);
  const gama = Buffer.alloc(4);
  gama.writeUInt32BE(45455, 0);
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(side, side, 8, 0),
    pngChunk('gAMA', gama),
    pngChunk('IDAT', data.subarray(0, third)),
    pngChunk('IDAT', data.subarray(third, 2 * third)),
    pngChunk('IDAT', data.subarray(2 * third)),
    IEND,
  ]);
}

interface ChunkAt {
  type: string;
  /** Offset of the length field. */
  start: number;
  length: number;
}

function chunksOf(png: Buffer): ChunkAt[] {
  const chunks: ChunkAt[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), start: at, length });
    at += 12 + length;
  }
  return chunks;
}

function withUInt32(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(value >>> 0, offset);
  return copy;
}

/** Prefixes of `bytes`: every structural boundary (± a byte) plus seeded offsets, all strictly shorter than the file. */
function truncationOffsets(bytes: Buffer, boundaries: number[], random: Random, extra: number): number[] {
  const offsets = new Set<number>();
  for (const b of boundaries) for (const o of [b - 1, b, b + 1]) if (o >= 1 && o < bytes.length) offsets.add(o);
  for (let i = 0; i < extra; i++) offsets.add(random.int(1, bytes.length));
  for (const o of [1, 2, 3, 4, bytes.length - 1, bytes.length - 2, bytes.length - 4]) if (o >= 1) offsets.add(o);
  return [...offsets].sort((a, b) => a - b);
}

function flipped(bytes: Buffer, random: Random, count: number): { bytes: Buffer; at: number[] } {
  const copy = Buffer.from(bytes);
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    const pos = random.int(0, copy.length);
    copy[pos]! ^= random.int(1, 256);
    at.push(pos);
  }
  return { bytes: copy, at };
}

function pngItems(random: Random): BadImage[] {
  const items: BadImage[] = [];
  const bases = { 'png-a': pngA(), 'png-b': pngB(random) };
  for (const [base, png] of Object.entries(bases)) {
    const chunks = chunksOf(png);
    const boundaries = [8, ...chunks.flatMap((c) => [c.start, c.start + 4, c.start + 8, c.start + 8 + c.length])];
    for (const at of truncationOffsets(png, boundaries, random, base === 'png-a' ? 30 : 20)) {
      items.push({ name: `${base} truncated at ${at} of ${png.length}`, family: 'truncated', bytes: png.subarray(0, at), type: 'image/png' });
    }
    // A PNG has no byte that a flip leaves harmless: the signature, a length, a type, data under a CRC, or the CRC.
    for (let i = 0; i < 60; i++) {
      const { bytes, at } = flipped(png, random, 1);
      items.push({ name: `${base} byte ${at[0]} flipped (#${i})`, family: 'byte-flip', bytes, type: 'image/png' });
    }
    for (let i = 0; i < 10; i++) {
      const { bytes, at } = flipped(png, random, random.int(2, 9));
      items.push({ name: `${base} bytes ${at.join(',')} flipped`, family: 'byte-flip', bytes, type: 'image/png' });
    }
    const lies = (length: number) => [0, 1, length - 1, length + 1, png.length, 0x7ffffff0, 0x7fffffff, 0x80000000, 0xffffffff];
    for (const chunk of chunks) {
      const seen = new Set<number>();
      for (const lie of lies(chunk.length)) {
        if (lie < 0 || lie === chunk.length || seen.has(lie)) continue;
        seen.add(lie);
        items.push({
          name: `${base} ${chunk.type}@${chunk.start} length ${chunk.length} → 0x${lie.toString(16)}`,
          family: 'chunk-length',
          bytes: withUInt32(png, chunk.start, lie),
          type: 'image/png',
        });
      }
      const crcAt = chunk.start + 8 + chunk.length;
      const crc = png.readUInt32BE(crcAt);
      for (const bad of [crc ^ 1, crc ^ 0x80000000, 0, 0xffffffff]) {
        if (bad >>> 0 === crc) continue;
        items.push({ name: `${base} ${chunk.type}@${chunk.start} CRC → 0x${(bad >>> 0).toString(16)}`, family: 'bad-crc', bytes: withUInt32(png, crcAt, bad), type: 'image/png' });
      }
    }
  }
  return items;
}

/** A real PNG: a small 8 × 8 image whose IHDR (with a correct CRC) claims other dimensions. */
function pngClaiming(width: number, height: number, bitDepth = 8, colourType = 6): Buffer {
  const rows = Buffer.alloc(8 * (1 + 8 * 4));
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, bitDepth, colourType), pngChunk('IDAT', zlib.deflateSync(rows)), IEND]);
}

/** Honest decompression bombs: every row really is in the IDAT, zeros compressed about 1000 : 1. */
function pngBomb(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 1;
  const rowBytes = 1 + Math.ceil((width * channels * bitDepth) / 8);
  const idat = zlib.deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, bitDepth, colourType), pngChunk('IDAT', idat), IEND]);
}

function pixelBombPngs(): BadImage[] {
  const claims: Array<[number, number]> = [
    [65535, 65535],
    [100_000, 100_000],
    [30_000, 30_000],
    [0x7fffffff, 0x7fffffff],
    [0x7fffffff, 1],
    [1, 0x7fffffff],
    [0x80000000, 1],
    [0xffffffff, 0xffffffff],
    [4097, 1],
    [1, 4097],
    [0, 0],
    [0, 48],
    [48, 0],
  ];
  const items: BadImage[] = claims.map(([w, h]) => ({ name: `PNG header claims ${w} × ${h}`, family: 'pixel-bomb', bytes: pngClaiming(w, h), type: 'image/png' }));
  items.push({ name: 'PNG header with bit depth 3', family: 'pixel-bomb', bytes: pngClaiming(8, 8, 3, 6), type: 'image/png' });
  items.push({ name: 'PNG header with colour type 5', family: 'pixel-bomb', bytes: pngClaiming(8, 8, 8, 5), type: 'image/png' });
  const bombs: Array<[number, number, number, number]> = [
    [20_000, 20_000, 1, 0], // 50 MB of rows in ~50 KB
    [5000, 5000, 8, 6], // 100 MB of RGBA in ~100 KB
    [4097, 4097, 8, 0],
    [64, 1_000_000, 8, 0],
  ];
  for (const [w, h, depth, colour] of bombs) {
    const bytes = pngBomb(w, h, depth, colour);
    items.push({ name: `decompression bomb PNG ${w} × ${h} (${bytes.length} bytes)`, family: 'decompression-bomb', bytes, type: 'image/png', expensive: true });
  }
  return items;
}

// ---- JPEG ----

interface Segment {
  marker: number;
  /** Offset of the 0xFF. */
  start: number;
  /** Segment length field (includes its own two bytes); 0 for markers without one. */
  length: number;
}

function jpegSegments(jpeg: Buffer): Segment[] {
  const segments: Segment[] = [{ marker: 0xd8, start: 0, length: 0 }];
  for (let at = 2; at + 4 <= jpeg.length && jpeg[at] === 0xff; ) {
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    segments.push({ marker, start: at, length });
    if (marker === 0xda) break; // entropy-coded data follows
    at += 2 + length;
  }
  return segments;
}

function jpegItems(random: Random, baseline: Buffer, progressive: Buffer): BadImage[] {
  const items: BadImage[] = [];
  for (const [base, jpeg, extra] of [['jpeg', baseline, 12], ['jpeg-progressive', progressive, 8]] as const) {
    const boundaries = jpegSegments(jpeg).map((s) => s.start);
    for (const at of truncationOffsets(jpeg, boundaries, random, extra)) {
      items.push({ name: `${base} truncated at ${at} of ${jpeg.length}`, family: 'truncated', bytes: jpeg.subarray(0, at), type: 'image/jpeg' });
    }
  }
  const segments = jpegSegments(baseline);
  const sof = segments.find((s) => s.marker === 0xc0 || s.marker === 0xc2)!;
  const dqt = segments.find((s) => s.marker === 0xdb)!;
  const sos = segments.find((s) => s.marker === 0xda)!;
  const edit = (name: string, change: (copy: Buffer) => Buffer | void) => {
    const copy = Buffer.from(baseline);
    items.push({ name: `jpeg ${name}`, family: 'jpeg-structure', bytes: change(copy) ?? copy, type: 'image/jpeg' });
  };
  const sofField = (offset: number, value: number, size: 1 | 2) => (copy: Buffer) => {
    if (size === 1) copy[sof.start + 4 + offset] = value;
    else copy.writeUInt16BE(value, sof.start + 4 + offset);
  };
  for (const [w, h] of [[65500, 65500], [65535, 1], [1, 65535], [0, 0], [0, 48], [64, 0]] as const) {
    const bytes = Buffer.from(baseline);
    bytes.writeUInt16BE(h, sof.start + 5);
    bytes.writeUInt16BE(w, sof.start + 7);
    items.push({ name: `JPEG frame header claims ${w} × ${h}`, family: 'pixel-bomb', bytes, type: 'image/jpeg' });
  }
  edit('with precision 0', sofField(0, 0, 1));
  edit('with precision 13', sofField(0, 13, 1));
  edit('with 0 components', sofField(5, 0, 1));
  edit('with 255 components', sofField(5, 255, 1));
  edit('with segment length 0', (c) => void c.writeUInt16BE(0, dqt.start + 2));
  edit('with segment length 1', (c) => void c.writeUInt16BE(1, dqt.start + 2));
  edit('with segment length 0xFFFF', (c) => void c.writeUInt16BE(0xffff, dqt.start + 2));
  edit('with frame header length 0xFFFF', (c) => void c.writeUInt16BE(0xffff, sof.start + 2));
  edit('without its quantisation table', () => Buffer.concat([baseline.subarray(0, dqt.start), baseline.subarray(dqt.start + 2 + dqt.length)]));
  edit('without its frame header', () => Buffer.concat([baseline.subarray(0, sof.start), baseline.subarray(sof.start + 2 + sof.length)]));
  edit('with scan before frame header', () =>
    Buffer.concat([baseline.subarray(0, 2), baseline.subarray(sos.start), baseline.subarray(2, sos.start)]),
  );
  edit('with no scan (SOI, headers, EOI)', () => Buffer.concat([baseline.subarray(0, sos.start), Buffer.from([0xff, 0xd9])]));
  edit('that is SOI and EOI only', () => Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  edit('that is SOI only', () => Buffer.from([0xff, 0xd8, 0xff]));
  edit('with a scan naming component 9', (c) => void (c[sos.start + 5] = 9));
  edit('with a frame of 5 components (CMYK+1)', sofField(5, 5, 1));
  return items;
}

// ---- WebP ----

function webpChunks(webp: Buffer): ChunkAt[] {
  const chunks: ChunkAt[] = [];
  for (let at = 12; at + 8 <= webp.length; ) {
    const length = webp.readUInt32LE(at + 4);
    chunks.push({ type: webp.toString('latin1', at, at + 4), start: at, length });
    at += 8 + length + (length & 1);
  }
  return chunks;
}

function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function webpChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function webpItems(random: Random, lossy: Buffer, lossless: Buffer): BadImage[] {
  const items: BadImage[] = [];
  for (const [base, webp, extra] of [['webp', lossy, 14], ['webp-lossless', lossless, 8]] as const) {
    const boundaries = [12, ...webpChunks(webp).flatMap((c) => [c.start, c.start + 8])];
    for (const at of truncationOffsets(webp, boundaries, random, extra)) {
      items.push({ name: `${base} truncated at ${at} of ${webp.length}`, family: 'truncated', bytes: webp.subarray(0, at), type: 'image/webp' });
    }
  }
  const vp8 = webpChunks(lossy).find((c) => c.type === 'VP8 ')!;
  const vp8Data = lossy.subarray(vp8.start + 8, vp8.start + 8 + vp8.length);
  const vp8l = webpChunks(lossless).find((c) => c.type === 'VP8L')!;
  const vp8lData = lossless.subarray(vp8l.start + 8, vp8l.start + 8 + vp8l.length);
  const add = (name: string, family: Family, bytes: Buffer) => items.push({ name: `webp ${name}`, family, bytes, type: 'image/webp' });
  for (const size of [0, 4, 0x7fffffff, 0xffffffff, lossy.length + 1000]) add(`RIFF size → 0x${size.toString(16)}`, 'chunk-length', (() => {
    const c = Buffer.from(lossy);
    c.writeUInt32LE(size, 4);
    return c;
  })());
  for (const size of [0, 1, vp8.length + 1, 0x7fffffff, 0xffffffff]) add(`VP8 chunk size → 0x${size.toString(16)}`, 'chunk-length', (() => {
    const c = Buffer.from(lossy);
    c.writeUInt32LE(size, vp8.start + 4);
    return c;
  })());
  // VP8 frame header: 3-byte tag, start code 9d 01 2a, then 14-bit width and height.
  for (const [w, h] of [[16383, 16383], [0, 0], [5000, 16]] as const) {
    const data = Buffer.from(vp8Data);
    data.writeUInt16LE(w, 6);
    data.writeUInt16LE(h, 8);
    add(`VP8 frame claims ${w} × ${h}`, 'pixel-bomb', riff([webpChunk('VP8 ', data)]));
  }
  // VP8X canvas (24-bit width-1 and height-1): 16384 × 16384 around the small frame.
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(16383, 4, 3);
  vp8x.writeUIntLE(16383, 7, 3);
  add('VP8X canvas claims 16384 × 16384', 'pixel-bomb', riff([webpChunk('VP8X', vp8x), webpChunk('VP8 ', vp8Data)]));
  // VP8L header: signature 0x2f, then width-1 and height-1 in 14 bits each.
  const bigL = Buffer.from(vp8lData);
  bigL.writeUInt32LE(((16383 & 0x3fff) | ((16383 & 0x3fff) << 14) | (bigL.readUInt32LE(1) & 0xf0000000)) >>> 0, 1);
  add('VP8L header claims 16384 × 16384', 'pixel-bomb', riff([webpChunk('VP8L', bigL)]));
  const badSignature = Buffer.from(vp8lData);
  badSignature[0] = 0x2e;
  add('VP8L with a bad signature byte', 'webp-structure', riff([webpChunk('VP8L', badSignature)]));
  const badStart = Buffer.from(vp8Data);
  badStart[3] = 0x00;
  add('VP8 with a bad start code', 'webp-structure', riff([webpChunk('VP8 ', badStart)]));
  add('with no image chunk', 'webp-structure', riff([webpChunk('EXIF', Buffer.from('not really exif'))]));
  add('with only RIFF and WEBP', 'webp-structure', Buffer.from('RIFF\x04\x00\x00\x00WEBP', 'latin1'));
  add('with an ALPH chunk and no image', 'webp-structure', riff([webpChunk('VP8X', Buffer.from([0x10, 0, 0, 0, 63, 0, 0, 47, 0, 0])), webpChunk('ALPH', random.bytes(64))]));
  add('with a VP8 chunk of noise', 'webp-structure', riff([webpChunk('VP8 ', random.bytes(vp8Data.length))]));
  add('with a VP8L chunk of noise after its signature', 'webp-structure', riff([webpChunk('VP8L', Buffer.concat([Buffer.from([0x2f]), random.bytes(200)]))]));
  return items;
}

// ---- Not images at all ----

function notImages(random: Random): BadImage[] {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const items: Array<[string, Family, Buffer, string]> = [
    ['empty file', 'empty', Buffer.alloc(0), 'image/png'],
    ['one zero byte', 'empty', Buffer.alloc(1), 'image/png'],
    ['PNG signature only', 'truncated', PNG_SIGNATURE, 'image/png'],
    ['PNG signature and IHDR only', 'truncated', Buffer.concat([PNG_SIGNATURE, ihdr(8, 8, 8, 6)]), 'image/png'],
    ['PNG signature and IEND only', 'truncated', Buffer.concat([PNG_SIGNATURE, IEND]), 'image/png'],
    ['RIFF WEBP with nothing', 'truncated', Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), 'image/webp'],
    ['GIF89a', 'not-an-image', Buffer.from('474946383961010001008000000000ffffff21f90401000000002c00000000010001000002024401003b', 'hex'), 'image/gif'],
    ['BMP header', 'not-an-image', Buffer.concat([Buffer.from('BM', 'latin1'), random.bytes(60)]), 'image/bmp'],
    ['TIFF header', 'not-an-image', Buffer.concat([Buffer.from('49492a0008000000', 'hex'), random.bytes(64)]), 'image/tiff'],
    ['ICO header', 'not-an-image', Buffer.concat([Buffer.from('00000100010010100000010020006804', 'hex'), random.bytes(64)]), 'image/x-icon'],
    ['AVIF ftyp box', 'not-an-image', Buffer.concat([Buffer.from('0000001c66747970617669660000000061766966', 'hex'), random.bytes(64)]), 'image/avif'],
    ['JPEG XL codestream', 'not-an-image', Buffer.concat([Buffer.from('ff0a', 'hex'), random.bytes(64)]), 'image/jxl'],
    ['PDF', 'not-an-image', text('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'), 'application/pdf'],
    ['ZIP', 'not-an-image', Buffer.concat([Buffer.from('504b0304', 'hex'), random.bytes(200)]), 'application/zip'],
    ['ELF executable header', 'not-an-image', Buffer.concat([Buffer.from('7f454c46020101', 'hex'), random.bytes(120)]), 'image/png'],
    ['HTML page with a script', 'not-an-image', text('<!doctype html><html><body><script>alert(1)</script></body></html>'), 'image/svg+xml'],
    ['XML that is not SVG', 'not-an-image', text('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'), 'image/svg+xml'],
    ['XML declaration only', 'not-an-image', text('<?xml version="1.0" encoding="UTF-8"?>'), 'image/svg+xml'],
    ['JSON badge-like document', 'not-an-image', text('{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"urn:x"}'), 'image/png'],
    ['plain text', 'not-an-image', text('This is not a picture of a badge.\n'), 'image/png'],
    ['a CSV file', 'not-an-image', text('email,name\nada@example.org,Ada\n'), 'image/png'],
    ['1 KB of noise', 'not-an-image', random.bytes(1024), 'image/png'],
    ['64 KB of noise', 'not-an-image', random.bytes(64 * 1024), 'image/jpeg'],
    ['4 MB of noise', 'not-an-image', random.bytes(4 * 1024 * 1024), 'image/webp'],
    ['PNG signature followed by HTML', 'not-an-image', Buffer.concat([PNG_SIGNATURE, text('<html><script>alert(1)</script></html>')]), 'image/png'],
    ['JPEG SOI followed by noise', 'not-an-image', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), random.bytes(2000)]), 'image/jpeg'],
    ['UTF-16 text claiming SVG', 'svg-encoding', Buffer.from('\ufeff<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 'utf16le'), 'image/svg+xml'],
  ];
  return items.map(([name, family, bytes, type]) => ({ name, family, bytes, type }));
}

let cached: Promise<BadImage[]> | null = null;

/** The whole corpus (over 500 files), the same bytes on every run. */
export function badImages(): Promise<BadImage[]> {
  cached ??= makeCorpus();
  return cached;
}

async function makeCorpus(): Promise<BadImage[]> {
  const random = seeded(CORPUS_SEED);
  const noise = (w: number, h: number) => sharp(random.bytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } });
  const jpeg = await noise(64, 48).jpeg({ quality: 80 }).toBuffer();
  const progressive = await noise(64, 48).jpeg({ quality: 80, progressive: true }).toBuffer();
  const lossy = await noise(64, 48).webp({ quality: 70 }).toBuffer();
  const lossless = await noise(32, 24).webp({ lossless: true }).toBuffer();
  const items = [
    ...pngItems(random),
    ...pixelBombPngs(),
    ...jpegItems(random, jpeg, progressive),
    ...webpItems(random, lossy, lossless),
    ...notImages(random),
    ...svgTruncations(random).map((bytes, i) => ({ name: `svg truncated (#${i}, ${bytes.length} bytes)`, family: 'truncated' as const, bytes, type: 'image/svg+xml' })),
    ...hostileSvgTexts(),
  ];
  const names = new Set<string>();
  for (const item of items) {
    if (names.has(item.name)) throw new Error(`corpus: duplicate name ${item.name}`);
    names.add(item.name);
  }
  return items;
}

/** A deterministic sample with every family represented (the expensive files always included). */
export function sampleOf(items: BadImage[], perFamily: number, seed: number): BadImage[] {
  const random = seeded(seed);
  const byFamily = new Map<Family, BadImage[]>();
  for (const item of items) byFamily.set(item.family, [...(byFamily.get(item.family) ?? []), item]);
  return [...byFamily.values()].flatMap((group) => {
    const expensive = group.filter((i) => i.expensive);
    const rest = group.filter((i) => !i.expensive);
    return [...expensive, ...random.sample(rest, Math.max(0, perFamily - expensive.length))];
  });
}
