import type { DesignerAssets, IconNode } from './assets.js';
import { readableOn } from './colour.js';
import type { Design, Shape } from './design.js';
import { iconElements } from './icons.js';
import { fitText, outlineLine } from './text.js';

export const SIZE = 512;
const BORDER = 20;
/** Inter's cap height is about 0.73 em: lines are centred on their capitals, as people read them. */
const CAP = 0.73;

interface Zone {
  outline: string;
  /** Vertical centre of the content stack and the widest a title may be there. */
  cy: number;
  width: number;
  height: number;
  icon: number;
}

const f = (n: number) => Number(n.toFixed(2));

function polygon(points: number, outer: number, inner: number | null, rotate = -90): string {
  const count = inner === null ? points : points * 2;
  const vertices: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = inner === null || i % 2 === 0 ? outer : inner;
    const a = ((rotate + (360 / count) * i) * Math.PI) / 180;
    vertices.push(`${f(256 + r * Math.cos(a))} ${f(256 + r * Math.sin(a))}`);
  }
  return `M${vertices.join(' L')} Z`;
}

/** Each outline stays inside the 512 box including half the border stroke. */
const ZONES: Record<Shape, Zone> = {
  circle: { outline: 'M256 12 A244 244 0 1 1 255.99 12 Z', cy: 256, width: 330, height: 300, icon: 132 },
  shield: {
    outline: 'M256 14 L470 74 V250 C470 380 378 454 256 498 C134 454 42 380 42 250 V74 Z',
    cy: 236,
    width: 320,
    height: 300,
    icon: 124,
  },
  hexagon: { outline: polygon(6, 244, null), cy: 256, width: 320, height: 300, icon: 132 },
  'rounded-square': { outline: 'M86 12 H426 A74 74 0 0 1 500 86 V426 A74 74 0 0 1 426 500 H86 A74 74 0 0 1 12 426 V86 A74 74 0 0 1 86 12 Z', cy: 256, width: 380, height: 330, icon: 140 },
  star: { outline: polygon(12, 244, 212), cy: 256, width: 290, height: 270, icon: 120 },
  'ribbon-banner': { outline: 'M14 136 H498 L458 256 L498 376 H14 L54 256 Z', cy: 256, width: 360, height: 200, icon: 76 },
};

const RIBBON = { path: 'M36 388 H476 L456 420 L476 452 H36 L56 420 Z', cy: 420, width: 360 };

/** Sizes on the 512 grid; below MIN_TEXT_SIZE text is under 6 px when a badge is shown at 128 px. */
export const MIN_TEXT_SIZE = 24;
const TITLE = { max: 64, maxAlone: 80, min: 18 };
const SUBTITLE = { max: 30, min: 14 };
const RIBBON_TEXT = { max: 30, min: 14 };

function iconMarkup(node: IconNode, colour: string, cx: number, cy: number, size: number): string {
  const scale = size / 24;
  return `<g transform="translate(${f(cx - size / 2)} ${f(cy - size / 2)}) scale(${f(scale)})" fill="none" stroke="${colour}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${iconElements(node, colour)}</g>`;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface RenderedDesign {
  svg: string;
  textColor: string;
  ribbonTextColor: string | null;
  /** Fitted sizes on the 512 grid, for the minimum-size warning. */
  textSizes: { title: number; subtitle: number | null; ribbon: number | null };
}

/**
 * Design data in, SVG text out: pure and deterministic. Text becomes outline paths from the bundled font, so the
 * SVG holds no <text>, no font reference, no external reference and no script; only a picture the service has
 * re-encoded may appear, as an inline data URI.
 */
export function renderDesignSvg(design: Design, assets: DesignerAssets, altText?: string): RenderedDesign {
  const zone = ZONES[design.shape];
  const textColor = design.textColor ?? readableOn(design.background);
  const ribbonColor = design.ribbonColor ?? design.border;
  const bold = assets.fonts.bold;
  const semibold = assets.fonts.semibold;
  const icon = design.icon ? assets.icons.get(design.icon) : undefined;
  const hasArt = Boolean(icon || design.picture);

  // The content stack: art, title (one or two lines), subtitle; centred in the shape, lifted when a ribbon sits below.
  const title = fitText(design.title, bold, {
    width: zone.width,
    max: hasArt || design.subtitle ? TITLE.max : TITLE.maxAlone,
    min: TITLE.min,
    allowTwoLines: true,
  });
  const subtitle = design.subtitle ? fitText(design.subtitle, semibold, { width: zone.width * 0.85, ...SUBTITLE, allowTwoLines: false }) : null;
  const lineGap = title.size * 0.32;
  const titleHeight = title.lines.length * title.size * CAP + (title.lines.length - 1) * lineGap;
  const gap = 22;
  let artSize = hasArt ? zone.icon : 0;
  const stackHeight = () => artSize + (hasArt ? gap : 0) + titleHeight + (subtitle ? gap + subtitle.size * CAP : 0);
  if (stackHeight() > zone.height && hasArt) artSize = Math.max(48, artSize - (stackHeight() - zone.height));
  const lift = design.ribbon && design.shape !== 'ribbon-banner' ? 24 : 0;
  let y = zone.cy - lift - stackHeight() / 2;

  const parts: string[] = [];
  parts.push(`<path d="${zone.outline}" fill="${design.background}" stroke="${design.border}" stroke-width="${BORDER}" stroke-linejoin="round"/>`);

  if (hasArt) {
    const cx = 256;
    const cy = y + artSize / 2;
    if (icon) {
      parts.push(iconMarkup(icon, textColor, cx, cy, artSize));
    } else if (design.picture) {
      const r = artSize / 2;
      parts.push(`<defs><clipPath id="kiln-picture"><circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}"/></clipPath></defs>`);
      parts.push(
        `<image x="${f(cx - r)}" y="${f(cy - r)}" width="${f(artSize)}" height="${f(artSize)}" preserveAspectRatio="xMidYMid slice" clip-path="url(#kiln-picture)" href="${design.picture}"/>`,
      );
      parts.push(`<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}" fill="none" stroke="${design.border}" stroke-width="6"/>`);
    }
    y += artSize + gap;
  }

  let titlePath = '';
  title.lines.forEach((line, i) => {
    const baseline = y + title.size * CAP;
    titlePath += outlineLine(line, bold, title.size, 256, baseline);
    y = baseline + (i < title.lines.length - 1 ? lineGap : 0);
  });
  parts.push(`<path d="${titlePath}" fill="${textColor}"/>`);

  if (subtitle) {
    y += gap;
    parts.push(`<path d="${outlineLine(subtitle.lines[0]!, semibold, subtitle.size, 256, y + subtitle.size * CAP)}" fill="${textColor}"/>`);
  }

  let ribbonTextColor: string | null = null;
  let ribbonSize: number | null = null;
  if (design.ribbon) {
    ribbonTextColor = readableOn(ribbonColor);
    const fitted = fitText(design.ribbon, bold, { width: RIBBON.width, ...RIBBON_TEXT, allowTwoLines: false });
    ribbonSize = fitted.size;
    parts.push(`<path d="${RIBBON.path}" fill="${ribbonColor}" stroke="${design.background}" stroke-width="4" stroke-linejoin="round"/>`);
    parts.push(`<path d="${outlineLine(design.ribbon, bold, fitted.size, 256, RIBBON.cy + (fitted.size * CAP) / 2)}" fill="${ribbonTextColor}"/>`);
  }

  const label = altText ? `<title>${escapeXml(altText)}</title>` : '';
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img">` +
    `${label}${parts.join('')}</svg>`;
  return { svg, textColor, ribbonTextColor, textSizes: { title: title.size, subtitle: subtitle?.size ?? null, ribbon: ribbonSize } };
}
