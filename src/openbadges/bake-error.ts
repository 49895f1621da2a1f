/**
 * Raised when an image cannot be baked or read: the input is not a well-formed
 * PNG/SVG, or its badge data is in a form we refuse. `code` is stable and
 * machine-readable (e.g. `png_crc`); `message` is for people.
 */
export class BakeError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'BakeError';
    this.code = code;
  }
}
