// Header checks that run before any pixel is decoded: chunk bounds and CRCs, dimensions, and the same for images
// embedded in an SVG. They read headers only, so they run in-process in a millisecond.
import sharp, { type SharpOptions } from 'sharp';
import { BakeError } from '../../openbadges/bake-error.js';
import { readPngChunks } from '../../openbadges/png.js';
import { ImageError, MAX_INPUT_PIXELS, MAX_SIDE, MESSAGES } from './errors.js';
import { sniffImageType, type ImageType } from './sniff.js';

const MAX_EMBEDDED_IMAGES = 32;

function sharpInputOptions(): SharpOptions {
  return { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' };
}


export async function checkRasterHeader(bytes: Buffer, type: ImageType): Promise<void> {
  // metadata() parses only the header, so a lying 20000 × 20000 header is refused
  // here in a millisecond, without decoding or allocating any pixels.
  const meta = await sharp(bytes, sharpInputOptions())
    .metadata()
    .catch((err: unknown) => {
      throw mapSharpError(err);
    });
  if (meta.format !== type) {
    throw new ImageError('image_corrupt', MESSAGES.corrupt, `sniffed ${type}, sharp read ${meta.format}`);
  }
  checkDimensions(meta.width, meta.height);
}

/**
 * libspng skips ancillary chunks whose CRC fails and stops reading after the image data, so a PNG damaged there, or
 * cut short before IEND, still decodes. Every chunk's bounds and CRC are checked first: a damaged file is refused whole.
 */
export function checkPngChunks(bytes: Buffer): void {
  try {
    readPngChunks(bytes);
  } catch (err) {
    if (err instanceof BakeError) throw new ImageError('image_corrupt', MESSAGES.corrupt, err.message);
    throw err;
  }
}

function checkDimensions(width: number | undefined, height: number | undefined): void {
  if (!width || !height) throw new ImageError('image_corrupt', MESSAGES.corrupt, 'no dimensions');
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${width} × ${height}`);
  }
}

/** sharp/libvips messages are technical; keep them only as `detail`. */
export function mapSharpError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(detail)) return new ImageError('image_too_large', MESSAGES.tooManyPixels, detail);
  if (/referenced elements/i.test(detail)) return new ImageError('image_too_complex', MESSAGES.tooComplex, detail);
  return new ImageError('image_corrupt', MESSAGES.corrupt, detail);
}

// librsvg decodes images embedded in an SVG itself, so they get the same header
// checks as uploads: a few hundred bytes of base64 PNG can claim 100000² pixels.
export async function checkEmbeddedImages(svg: string): Promise<void> {
  const embedded = [...svg.matchAll(/data:image\/(?:png|jpeg|webp);base64,([A-Za-z0-9+/=\s]*)/gi)];
  if (embedded.length > MAX_EMBEDDED_IMAGES) {
    throw new ImageError('image_too_complex', MESSAGES.tooComplex, `${embedded.length} embedded images`);
  }
  let pixels = 0;
  for (const match of embedded) {
    const bytes = Buffer.from(match[1] ?? '', 'base64');
    const type = sniffImageType(bytes);
    if (type === null || type === 'svg') {
      throw new ImageError('image_corrupt', MESSAGES.corrupt, 'embedded image is not PNG, JPEG or WebP');
    }
    if (type === 'png') checkPngChunks(bytes);
    const meta = await sharp(bytes, sharpInputOptions())
      .metadata()
      .catch((err: unknown) => {
        throw mapSharpError(err);
      });
    checkDimensions(meta.width, meta.height);
    pixels += (meta.width ?? 0) * (meta.height ?? 0);
  }
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageError('image_too_large', MESSAGES.tooManyPixels, `${pixels} embedded pixels`);
  }
}

