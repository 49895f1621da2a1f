import { ValidationError } from '../errors.js';
import { ImageError, normaliseImage, type NormalisedImage } from './images.js';

export interface Upload {
  bytes: Buffer;
  type?: string;
  /**
   * Set only by server code that already normalised these bytes (src/services/kept-uploads.ts), never from a request:
   * the image, or the field error it gave, so an expensive file is decoded once per request.
   */
  normalised?: NormalisedImage | ValidationError;
}

/** Any image problem becomes a message on the form field (or API property) that carried it. */
export async function normaliseUpload(upload: Upload, field: string): Promise<NormalisedImage> {
  if (upload.normalised instanceof ValidationError) throw new ValidationError({ [field]: Object.values(upload.normalised.fields)[0] ?? '' });
  if (upload.normalised) return upload.normalised;
  try {
    return await normaliseImage(upload.bytes, upload.type);
  } catch (err) {
    if (err instanceof ImageError) throw new ValidationError({ [field]: err.message });
    throw err;
  }
}

/** `data:image/png;base64,…` from the JSON API; anything else is a field error. */
export function uploadFromDataUri(value: string, field: string): Upload {
  const match = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[^;,]*)*;base64,([A-Za-z0-9+/=\s]*)$/.exec(value);
  if (!match) throw new ValidationError({ [field]: 'Send the image as a data URI: data:image/png;base64,…' });
  return { bytes: Buffer.from(match[3] ?? '', 'base64'), type: match[1] };
}
