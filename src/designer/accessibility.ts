import { colourName, contrastRatio } from './colour.js';
import { SHAPE_LABELS, type Design } from './design.js';
import { MIN_TEXT_SIZE, type RenderedDesign } from './render.js';

/** WCAG 2 AA for normal text. */
export const MIN_CONTRAST = 4.5;

export interface ArtworkWarning {
  field: string;
  message: string;
}

export interface ArtworkReport {
  contrast: number;
  ribbonContrast: number | null;
  warnings: ArtworkWarning[];
  altText: string;
}

const ratio = (n: number) => `${(Math.floor(n * 10) / 10).toFixed(1)}:1`;

/** Warnings, not refusals: a facilitator may keep a low-contrast design, but is told why it is hard to read. */
export function checkArtwork(design: Design, rendered: RenderedDesign): ArtworkReport {
  const warnings: ArtworkWarning[] = [];
  const contrast = contrastRatio(rendered.textColor, design.background);
  if (contrast < MIN_CONTRAST) {
    warnings.push({
      field: 'textColor',
      message: `Text and background contrast is ${ratio(contrast)}; aim for at least 4.5:1 so everyone can read the badge.`,
    });
  }
  const ribbonColor = design.ribbonColor ?? design.border;
  const ribbonContrast = rendered.ribbonTextColor ? contrastRatio(rendered.ribbonTextColor, ribbonColor) : null;
  if (ribbonContrast !== null && ribbonContrast < MIN_CONTRAST) {
    warnings.push({ field: 'ribbonColor', message: `Ribbon text contrast is ${ratio(ribbonContrast)}; choose a darker or lighter ribbon colour.` });
  }
  const small: Array<[string, string, number | null]> = [
    ['title', 'The title', rendered.textSizes.title],
    ['subtitle', 'The subtitle', rendered.textSizes.subtitle],
    ['ribbon', 'The ribbon text', rendered.textSizes.ribbon],
  ];
  for (const [field, label, size] of small) {
    if (size !== null && size < MIN_TEXT_SIZE) {
      warnings.push({ field, message: `${label} is too small to read when the badge is shown small (under 6 px at 128 px wide); shorten it.` });
    }
  }
  return { contrast, ribbonContrast, warnings, altText: suggestAltText(design) };
}

/** A plain description of the artwork, built from the design; the facilitator can edit it. */
export function suggestAltText(design: Design): string {
  const shape = SHAPE_LABELS[design.shape].replace(/ \(.*\)$/, '').toLowerCase();
  const parts = [`${capitalise(colourName(design.background))} ${shape} badge with a ${colourName(design.border)} border`];
  if (design.icon) parts.push(`a ${design.icon.replace(/-/g, ' ')} icon`);
  if (design.picture) parts.push('a picture in the centre');
  let text = parts.join(' and ') + `, titled "${design.title}"`;
  if (design.subtitle) text += `, "${design.subtitle}" beneath`;
  if (design.ribbon) text += `, with a ribbon reading "${design.ribbon}"`;
  return `${text}.`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
