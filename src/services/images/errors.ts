// What an upload refusal says: a code for the API, a message for the person uploading, a detail for logs only.
import { BusyError, currentTenant, type Budget, type TenantSlots } from '../work-budget.js';

export type ImageErrorCode =
  | 'image_unsupported'
  | 'image_too_large'
  | 'image_corrupt'
  | 'image_unsafe'
  | 'image_too_complex';

/** A refused upload. `message` is for the person uploading; `detail` is for logs only. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
  readonly detail: string | undefined;

  constructor(code: ImageErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ImageError';
    this.code = code;
    this.detail = detail;
  }
}

export const MAX_SIDE = 4096;
export const MAX_INPUT_PIXELS = MAX_SIDE * MAX_SIDE;

export const MESSAGES = {
  empty: 'The file is empty. Choose a PNG, SVG, JPEG or WebP image.',
  unsupported: 'This file is not a PNG, SVG, JPEG or WebP image.',
  tooManyBytes: 'The file is too large: at most 5 MB.',
  tooManyPixels: `The image is too large: at most ${MAX_SIDE} × ${MAX_SIDE} pixels.`,
  svgTooManyBytes: 'The SVG file is too large: at most 1 MB.',
  corrupt: 'The image file is damaged or incomplete.',
  svgEncoding: 'This SVG file is not saved as UTF-8 text. Please export it again.',
  doctype:
    'This SVG contains a DOCTYPE or ENTITY declaration, which is not allowed. Please export it again as a plain SVG.',
  tooComplex:
    'This SVG is too complex (too many shapes or repeated references). Please simplify it or upload a PNG instead.',
  tooSlow: 'The image took too long to process. Please simplify it or upload a PNG instead.',
  busy: 'Kiln is busy with other images just now. Please try again in a minute.',
  svgNoSize: 'This SVG has no size. Please give it a width and height (or a viewBox) and export it again.',
  svgNoDrawing: 'This SVG file has no drawing in it.',
  svgUnclean: 'This SVG could not be made safe to use. Please export it again as a plain SVG.',
} as const;

/** The refusal for an upload whose budget ran out: "busy" when most of it went on waiting for others. */
export function budgetSpent(budget: Budget, detail: string): ImageError {
  return new ImageError('image_too_complex', budget.mostlyWaited() ? MESSAGES.busy : MESSAGES.tooSlow, detail);
}

/** What is left of the budget, or the refusal when less than `minMs` is. */
export function timeLeft(budget: Budget, minMs: number): number {
  const left = budget.remainingMs();
  if (left < minMs) throw budgetSpent(budget, `only ${Math.round(left)} ms left, ${Math.round(budget.waitedMs)} ms spent waiting`);
  return left;
}

/** A slot of `slots` for the current tenant; "busy" when its share is full or the budget runs out waiting. */
export async function acquireSlot(slots: TenantSlots, budget: Budget): Promise<() => void> {
  try {
    return await slots.acquire(currentTenant(), budget, () => budgetSpent(budget, `no ${slots.name} free in time`));
  } catch (err) {
    if (err instanceof BusyError) throw new ImageError('image_too_complex', MESSAGES.busy, err.detail);
    throw err;
  }
}
