import type opentype from 'opentype.js';
import type { FontStack } from './assets.js';

/** A character with the font of the stack that has it; characters no font has are reported, not drawn as boxes. */
interface Placed {
  font: opentype.Font;
  glyph: opentype.Glyph;
}

function shape(text: string, stack: FontStack): Placed[] {
  const placed: Placed[] = [];
  for (const ch of text) {
    for (const font of stack) {
      const glyph = font.charToGlyph(ch);
      if (glyph.index !== 0) {
        placed.push({ font, glyph });
        break;
      }
    }
  }
  return placed;
}

/** Characters none of the fonts can draw (so the service can name them in a field message). */
export function missingCharacters(text: string, stack: FontStack): string[] {
  const missing = new Set<string>();
  for (const ch of text) {
    if (/\s/.test(ch)) continue;
    if (!stack.some((font) => font.charToGlyph(ch).index !== 0)) missing.add(ch);
  }
  return [...missing];
}

/** Per-glyph advances with pair kerning between glyphs of the same font, in font units scaled to `size`. */
function advances(placed: Placed[], size: number): number[] {
  return placed.map((p, i) => {
    const scale = size / p.font.unitsPerEm;
    const next = placed[i + 1];
    let kern = 0;
    if (next && next.font === p.font) {
      try {
        kern = p.font.getKerningValue(p.glyph, next.glyph);
      } catch {
        kern = 0;
      }
    }
    return ((p.glyph.advanceWidth ?? 0) + kern) * scale;
  });
}

export function measure(text: string, stack: FontStack, size: number): number {
  return advances(shape(text, stack), size).reduce((a, b) => a + b, 0);
}

/** One line as outline path data, centred on `cx` with its baseline at `baseline`. No <text> ever reaches the SVG. */
export function outlineLine(text: string, stack: FontStack, size: number, cx: number, baseline: number): string {
  const placed = shape(text, stack);
  const widths = advances(placed, size);
  let x = cx - widths.reduce((a, b) => a + b, 0) / 2;
  let d = '';
  placed.forEach((p, i) => {
    d += p.glyph.getPath(x, baseline, size).toPathData(2);
    x += widths[i]!;
  });
  return d;
}

export interface FittedText {
  lines: string[];
  size: number;
}

/**
 * Auto-fit: the largest size up to `max` at which the text fits `width` on one line; when that is small and the text
 * has spaces, two lines broken at the most balanced space if that allows clearly larger text. Never below `min`
 * (the caller warns about small text).
 */
export function fitText(text: string, stack: FontStack, opts: { width: number; max: number; min: number; allowTwoLines: boolean }): FittedText {
  const { width, max, min } = opts;
  const oneLine = measure(text, stack, 1);
  if (oneLine === 0) return { lines: [text], size: max };
  const single = Math.min(max, width / oneLine);
  const comfortable = max * 0.7;
  if (single >= comfortable || !opts.allowTwoLines || !/\s/.test(text)) return { lines: [text], size: Math.max(min, Math.floor(single)) };
  const words = text.split(/\s+/);
  let best: { lines: string[]; widest: number } | null = null;
  for (let i = 1; i < words.length; i++) {
    const lines = [words.slice(0, i).join(' '), words.slice(i).join(' ')];
    const widest = Math.max(...lines.map((l) => measure(l, stack, 1)));
    if (!best || widest < best.widest) best = { lines, widest };
  }
  const double = Math.min(max * 0.8, width / best!.widest);
  if (double < single * 1.15) return { lines: [text], size: Math.max(min, Math.floor(single)) };
  return { lines: best!.lines, size: Math.max(min, Math.floor(double)) };
}
