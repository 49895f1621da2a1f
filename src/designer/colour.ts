/** WCAG 2 relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

// Pure black: with white, it guarantees at least 4.58:1 on any background.
const DARK = '#000000';
const LIGHT = '#ffffff';

/** White or black, whichever reads better on `background` (always at least 4.5:1). */
export function readableOn(background: string): string {
  return contrastRatio(LIGHT, background) >= contrastRatio(DARK, background) ? LIGHT : DARK;
}

const NAMED: Array<[string, string]> = [
  ['black', '#000000'],
  ['white', '#ffffff'],
  ['grey', '#808080'],
  ['dark grey', '#374151'],
  ['light grey', '#d1d5db'],
  ['red', '#dc2626'],
  ['dark red', '#7f1d1d'],
  ['orange', '#ea580c'],
  ['brown', '#7c4a1e'],
  ['gold', '#facc15'],
  ['yellow', '#fde047'],
  ['green', '#16a34a'],
  ['dark green', '#166534'],
  ['light green', '#bbf7d0'],
  ['teal', '#0f766e'],
  ['turquoise', '#5eead4'],
  ['light blue', '#7dd3fc'],
  ['blue', '#2563eb'],
  ['navy', '#1e293b'],
  ['purple', '#7e22ce'],
  ['pink', '#f0abfc'],
  ['brick red', '#b4451f'],
];

/** A plain colour word for alt text: the nearest of a short list of names. */
export function colourName(hex: string): string {
  const rgb = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const target = rgb(hex);
  let best = NAMED[0]!;
  let bestDistance = Infinity;
  for (const entry of NAMED) {
    const c = rgb(entry[1]);
    const distance = c.reduce((sum, v, i) => sum + (v - target[i]!) ** 2, 0);
    if (distance < bestDistance) {
      best = entry;
      bestDistance = distance;
    }
  }
  return best[0];
}
