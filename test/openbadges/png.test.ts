import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { BakeError } from '../../src/openbadges/bake-error.js';
import { bakePng, extractPng, readPngChunks } from '../../src/openbadges/png.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

function makePng(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 4, background: '#f00' } }).png().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Inserts raw chunks right after IHDR (signature 8 bytes + IHDR 25 bytes). */
function insertAfterIhdr(png: Buffer, ...chunks: Buffer[]): Buffer {
  return Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);
}

const types = (png: Buffer) => readPngChunks(png).map((c) => c.type);
const badgeChunks = (png: Buffer) =>
  readPngChunks(png).filter((c) => /^(iTXt|tEXt|zTXt)$/.test(c.type) && c.data.toString('latin1').startsWith('openbadges\0'));

function expectBakeError(run: () => unknown, code?: string): void {
  const started = performance.now();
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(BakeError);
  if (code) expect((error as BakeError).code).toBe(code);
  expect(elapsed).toBeLessThan(50);
}

describe('bakePng and extractPng', () => {
  it('round-trips the baked text', async () => {
    const text = '{"id":"https://kiln.example/assertions/1","name":"Ünïcödé ✓ 🎉"}';
    expect(extractPng(bakePng(await makePng(), text))).toBe(text);
  });

  it('puts one uncompressed openbadges iTXt chunk right after IHDR', async () => {
    const baked = bakePng(await makePng(), 'hello');
    const chunks = readPngChunks(baked);
    expect(chunks[0]!.type).toBe('IHDR');
    expect(chunks[1]!.type).toBe('iTXt');
    expect(chunks[1]!.data.equals(Buffer.from('openbadges\0\0\0\0\0hello', 'latin1'))).toBe(true);
    expect(badgeChunks(baked)).toHaveLength(1);
  });

  it('leaves exactly one badge chunk when baking twice', async () => {
    const twice = bakePng(bakePng(await makePng(), 'first'), 'second');
    expect(badgeChunks(twice)).toHaveLength(1);
    expect(extractPng(twice)).toBe('second');
  });

  it('keeps every other chunk, in order', async () => {
    const png = await makePng();
    expect(types(bakePng(png, 'x'))).toEqual(['IHDR', 'iTXt', ...types(png).slice(1)]);
  });

  it('produces a PNG that sharp still decodes to the same pixels', async () => {
    const png = await makePng();
    const baked = bakePng(png, JSON.stringify({ name: 'x'.repeat(10_000) }));
    const before = await sharp(png).raw().toBuffer();
    const after = await sharp(baked).raw().toBuffer();
    expect(after.equals(before)).toBe(true);
  });

  it('removes legacy tEXt and zTXt openbadges chunks but keeps other text chunks', async () => {
    const legacy = chunk('tEXt', Buffer.from('openbadges\0https://old.example/a.json', 'latin1'));
    const compressed = chunk('zTXt', Buffer.from('openbadges\0\0xyz', 'latin1'));
    const comment = chunk('tEXt', Buffer.from('Comment\0made by hand', 'latin1'));
    const png = insertAfterIhdr(await makePng(), legacy, compressed, comment);
    const baked = bakePng(png, 'new');
    expect(badgeChunks(baked).map((c) => c.type)).toEqual(['iTXt']);
    expect(readPngChunks(baked).some((c) => c.data.toString('latin1').startsWith('Comment\0'))).toBe(true);
    expect(extractPng(baked)).toBe('new');
  });

  it('reads a legacy tEXt URL', async () => {
    const legacy = chunk('tEXt', Buffer.from('openbadges\0https://old.example/a.json', 'latin1'));
    expect(extractPng(insertAfterIhdr(await makePng(), legacy))).toBe('https://old.example/a.json');
  });

  it('prefers the iTXt chunk over a legacy tEXt chunk', async () => {
    const legacy = chunk('tEXt', Buffer.from('openbadges\0https://old.example/a.json', 'latin1'));
    const itxt = chunk('iTXt', Buffer.from('openbadges\0\0\0\0\0{"new":true}', 'latin1'));
    expect(extractPng(insertAfterIhdr(await makePng(), legacy, itxt))).toBe('{"new":true}');
  });

  it('reads an iTXt chunk that has a language tag and translated keyword', async () => {
    const itxt = chunk('iTXt', Buffer.from('openbadges\0\0\0en\0Open Badges\0text', 'utf8'));
    expect(extractPng(insertAfterIhdr(await makePng(), itxt))).toBe('text');
  });

  it('reads the JSON baked by the Python bakery', () => {
    const assertion = JSON.parse(extractPng(fixture('python-bakery-baked-1x.png'))!);
    expect(assertion.uid).toBe('123');
    expect(assertion.recipient).toEqual({ identity: 'test@example.com', hashed: false });
  });

  it('re-bakes the Python bakery image with one badge chunk', () => {
    const baked = bakePng(fixture('python-bakery-baked-1x.png'), 'replaced');
    expect(badgeChunks(baked)).toHaveLength(1);
    expect(extractPng(baked)).toBe('replaced');
  });

  it('returns null for a valid PNG without badge data', async () => {
    expect(extractPng(await makePng())).toBeNull();
  });

  it('ignores data after IEND', async () => {
    const baked = bakePng(await makePng(), 'x');
    const withTrailer = Buffer.concat([baked, Buffer.from('trailing garbage')]);
    expect(extractPng(withTrailer)).toBe('x');
    expect(bakePng(withTrailer, 'y').equals(bakePng(baked, 'y'))).toBe(true);
  });

  it('round-trips arbitrary Unicode text', async () => {
    const png = await makePng();
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => extractPng(bakePng(png, text)) === text));
  });
});

describe('refusing malformed PNGs', () => {
  it('refuses an empty buffer and non-PNG data', () => {
    expectBakeError(() => extractPng(Buffer.alloc(0)), 'png_signature');
    expectBakeError(() => extractPng(Buffer.from('GIF89a not a png at all')), 'png_signature');
    expectBakeError(() => bakePng(Buffer.from('<svg/>'), 'x'), 'png_signature');
  });

  it('refuses the PNG truncated at every offset', async () => {
    const baked = bakePng(await makePng(), 'some badge text');
    for (let end = 0; end < baked.length; end++) {
      expectBakeError(() => extractPng(baked.subarray(0, end)));
      expectBakeError(() => bakePng(baked.subarray(0, end), 'x'));
    }
  });

  it('refuses the PNG with any single byte flipped', async () => {
    const baked = bakePng(await makePng(), 'some badge text');
    for (let i = 0; i < baked.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(baked);
        damaged[i] = damaged[i]! ^ mask;
        expectBakeError(() => extractPng(damaged));
      }
    }
  });

  it('refuses a bad CRC', async () => {
    const png = Buffer.from(await makePng());
    png[32] = png[32]! ^ 0xff; // last byte of the IHDR CRC
    expectBakeError(() => extractPng(png), 'png_crc');
  });

  it('refuses chunk lengths that lie, up to 0xFFFFFFFF, without allocating them', async () => {
    const png = await makePng();
    for (const length of [0x100, 0xffff, 0x7ffffff0, 0x7fffffff, 0x80000000, 0xffffffff]) {
      for (const offset of [8, 33]) {
        const lying = Buffer.from(png);
        lying.writeUInt32BE(length, offset);
        expectBakeError(() => extractPng(lying));
      }
    }
    const huge = Buffer.from(png);
    huge.writeUInt32BE(0x80000000, 8);
    expectBakeError(() => readPngChunks(huge), 'png_chunk_length');
  });

  it('refuses a PNG whose first chunk is not IHDR', async () => {
    const png = await makePng();
    const text = chunk('tEXt', Buffer.from('Comment\0x', 'latin1'));
    expectBakeError(() => extractPng(Buffer.concat([png.subarray(0, 8), text, png.subarray(8)])), 'png_no_ihdr');
  });

  it('refuses a PNG without IEND', async () => {
    const png = await makePng();
    expectBakeError(() => extractPng(png.subarray(0, png.length - 12)), 'png_no_iend');
  });

  it('refuses a compressed openbadges iTXt chunk', async () => {
    const compressed = chunk('iTXt', Buffer.from('openbadges\0\x01\0\0\0xyz', 'latin1'));
    const png = insertAfterIhdr(await makePng(), compressed);
    expectBakeError(() => extractPng(png), 'png_itxt_compressed');
  });

  it('refuses an iTXt chunk whose text is not UTF-8', async () => {
    const bad = chunk('iTXt', Buffer.concat([Buffer.from('openbadges\0\0\0\0\0', 'latin1'), Buffer.from([0xff, 0xfe])]));
    const png = insertAfterIhdr(await makePng(), bad);
    expectBakeError(() => extractPng(png), 'png_itxt_encoding');
  });

  it('refuses an iTXt chunk cut short inside its header', async () => {
    const bad = chunk('iTXt', Buffer.from('openbadges\0\0\0en', 'latin1'));
    const png = insertAfterIhdr(await makePng(), bad);
    expectBakeError(() => extractPng(png), 'png_itxt_malformed');
  });

  it('caps the number of chunks it will walk', async () => {
    const png = await makePng();
    const filler = chunk('teXt', Buffer.alloc(0));
    const many = Buffer.concat([png.subarray(0, 33), ...Array(100_001).fill(filler), png.subarray(33)]);
    let error: unknown;
    try {
      readPngChunks(many);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BakeError);
    expect((error as BakeError).code).toBe('png_too_many_chunks');
  });

  it('throws only BakeError for arbitrary bytes and arbitrary damage', async () => {
    const baked = bakePng(await makePng(), 'some badge text');
    const onlyBakeErrors = (buf: Buffer) => {
      try {
        extractPng(buf);
      } catch (error) {
        if (!(error instanceof BakeError)) throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      onlyBakeErrors(Buffer.concat([baked.subarray(0, 8), Buffer.from(bytes)]));
    }));
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(baked.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      (edits) => {
        const damaged = Buffer.from(baked);
        for (const [at, value] of edits) damaged[at] = value;
        onlyBakeErrors(damaged);
      },
    ));
  });
});
