import { crc32 } from 'node:zlib';
import { BakeError } from './bake-error.js';

export interface PngChunk {
  /** Four-letter chunk type, e.g. `IHDR`, `iTXt`. */
  type: string;
  /** The chunk's data field (a view into the input buffer, not a copy). */
  data: Buffer;
  /** The whole chunk: length, type, data and CRC (a view into the input buffer). */
  raw: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG spec: chunk lengths are limited to 2^31-1.
const MAX_CHUNK_LENGTH = 0x7fffffff;
// Bounds the work done on hostile input (each chunk is at least 12 bytes anyway).
const MAX_CHUNKS = 100_000;
/** Open Badges 2.0 keyword; 3.0 credentials use `openbadgecredential` (openbadges-spec.md §3.3). */
export const OB2_PNG_KEYWORD = 'openbadges';
// Keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword.
// Open Badges baking: compression MUST NOT be used; language fields carry no meaning.
const itxtHeader = (keyword: string) => Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1');
const keywordPrefix = (keyword: string) => Buffer.from(`${keyword}\0`, 'latin1');
const TEXT_CHUNK_TYPES = new Set(['iTXt', 'tEXt', 'zTXt']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Walks every chunk up to IEND, checking bounds and CRCs; throws BakeError on anything malformed. */
export function readPngChunks(buf: Buffer): PngChunk[] {
  if (buf.length < SIGNATURE.length || !buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new BakeError('png_signature', 'Not a PNG file: the 8-byte PNG signature is missing.');
  }
  const chunks: PngChunk[] = [];
  let offset = SIGNATURE.length;
  while (offset < buf.length) {
    if (chunks.length >= MAX_CHUNKS) {
      throw new BakeError('png_too_many_chunks', `PNG has more than ${MAX_CHUNKS} chunks.`);
    }
    const chunk = readChunkAt(buf, offset);
    if (chunks.length === 0 && chunk.type !== 'IHDR') {
      throw new BakeError('png_no_ihdr', 'PNG is malformed: the first chunk must be IHDR.');
    }
    chunks.push(chunk);
    // Anything after IEND is not part of the image, so it is ignored.
    if (chunk.type === 'IEND') return chunks;
    offset += chunk.raw.length;
  }
  throw new BakeError('png_no_iend', 'PNG is truncated: the IEND chunk is missing.');
}

function readChunkAt(buf: Buffer, offset: number): PngChunk {
  if (buf.length - offset < 12) {
    throw new BakeError('png_truncated', `PNG is truncated: incomplete chunk at byte ${offset}.`);
  }
  const length = buf.readUInt32BE(offset);
  if (length > MAX_CHUNK_LENGTH) {
    throw new BakeError('png_chunk_length', `PNG chunk at byte ${offset} declares an invalid length.`);
  }
  // Compare against what is really there before touching the data: the length is untrusted.
  if (length > buf.length - offset - 12) {
    throw new BakeError('png_truncated', `PNG is truncated: chunk at byte ${offset} runs past the end.`);
  }
  const typeAndData = buf.subarray(offset + 4, offset + 8 + length);
  const type = typeAndData.toString('latin1', 0, 4);
  if (!/^[A-Za-z]{4}$/.test(type)) {
    throw new BakeError('png_chunk_type', `PNG chunk at byte ${offset} has an invalid type.`);
  }
  if (crc32(typeAndData) !== buf.readUInt32BE(offset + 8 + length)) {
    throw new BakeError('png_crc', `PNG chunk ${type} at byte ${offset} fails its CRC check.`);
  }
  return { type, data: typeAndData.subarray(4), raw: buf.subarray(offset, offset + 12 + length) };
}

/**
 * Returns a copy of `png` carrying `text` (assertion JSON, a JWS or a URL) in one
 * uncompressed `openbadges` iTXt chunk placed right after IHDR, as both reference
 * bakeries do. Earlier badge chunks (iTXt, legacy tEXt, zTXt) are dropped, because
 * the spec allows the `openbadges` chunk only once.
 */
export function bakePng(png: Buffer, text: string, keyword = OB2_PNG_KEYWORD): Buffer {
  const [ihdr, ...rest] = readPngChunks(png);
  const kept = rest.filter((chunk) => !isBadgeChunk(chunk, keyword)).map((chunk) => chunk.raw);
  return Buffer.concat([SIGNATURE, ihdr!.raw, buildBadgeChunk(text, keyword), ...kept]);
}

function isBadgeChunk(chunk: PngChunk, keyword: string): boolean {
  return TEXT_CHUNK_TYPES.has(chunk.type) && hasBadgeKeyword(chunk.data, keyword);
}

function hasBadgeKeyword(data: Buffer, keyword: string): boolean {
  const prefix = keywordPrefix(keyword);
  return data.subarray(0, prefix.length).equals(prefix);
}

function buildBadgeChunk(text: string, keyword: string): Buffer {
  const ITXT_HEADER = itxtHeader(keyword);
  const body = Buffer.from(text, 'utf8');
  const length = ITXT_HEADER.length + body.length;
  if (length > MAX_CHUNK_LENGTH) {
    throw new BakeError('png_text_too_long', 'Badge text is too long for a PNG chunk.');
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(length, 0);
  head.write('iTXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(ITXT_HEADER, crc32(head.subarray(4)))), 0);
  return Buffer.concat([head, ITXT_HEADER, body, crc]);
}

/**
 * Reads the badge baked into `png`: the text of the first `openbadges` iTXt chunk,
 * else (pre-2013 legacy bakes, usually a hosted URL) the first `openbadges` tEXt
 * chunk. Returns null when the PNG is valid but carries no badge.
 */
export function extractPng(png: Buffer, keyword = OB2_PNG_KEYWORD): string | null {
  const badgeChunks = readPngChunks(png).filter((chunk) => isBadgeChunk(chunk, keyword));
  const itxt = badgeChunks.find((chunk) => chunk.type === 'iTXt');
  if (itxt) return readITxtText(itxt.data, keyword);
  const text = badgeChunks.find((chunk) => chunk.type === 'tEXt');
  if (text) return text.data.toString('latin1', keyword.length + 1);
  return null;
}

function readITxtText(data: Buffer, keyword: string): string {
  let offset = keyword.length + 1;
  if (data.length < offset + 2) {
    throw new BakeError('png_itxt_malformed', 'The openbadges iTXt chunk is malformed.');
  }
  // The baking spec forbids compression, so a compressed chunk was not made by a conforming baker.
  if (data[offset] !== 0) {
    throw new BakeError('png_itxt_compressed', 'The openbadges iTXt chunk is compressed, which Open Badges forbids.');
  }
  offset += 2;
  offset = skipNulTerminated(data, offset); // language tag
  offset = skipNulTerminated(data, offset); // translated keyword
  try {
    return utf8.decode(data.subarray(offset));
  } catch {
    throw new BakeError('png_itxt_encoding', 'The openbadges iTXt chunk is not valid UTF-8.');
  }
}

function skipNulTerminated(data: Buffer, offset: number): number {
  const nul = data.indexOf(0, offset);
  if (nul === -1) {
    throw new BakeError('png_itxt_malformed', 'The openbadges iTXt chunk is malformed.');
  }
  return nul + 1;
}
