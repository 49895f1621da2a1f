import type { DesignerAssets, IconNode } from './assets.js';

/** Icons a facilitator sees before searching: common badge subjects. All exist in lucide (checked by a test). */
export const SUGGESTED_ICONS = [
  'star', 'award', 'trophy', 'medal', 'heart', 'handshake', 'users', 'lightbulb', 'book-open', 'graduation-cap',
  'palette', 'music', 'camera', 'code', 'leaf', 'globe', 'rocket', 'puzzle', 'mic', 'bike',
] as const;

/** Name matches first (prefix before substring), then tag matches; stable alphabetical order within each group. */
export function searchIcons(assets: DesignerAssets, query: string, limit = 48): string[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, '-');
  if (q === '') return [...SUGGESTED_ICONS];
  const words = q.split('-').filter(Boolean);
  const ranked: Array<[number, string]> = [];
  for (const name of assets.icons.keys()) {
    let rank = -1;
    if (name === q) rank = 0;
    else if (name.startsWith(q)) rank = 1;
    else if (name.includes(q)) rank = 2;
    else {
      const tags = assets.iconTags.get(name) ?? [];
      if (words.every((w) => tags.some((t) => t.toLowerCase().includes(w)))) rank = 3;
    }
    if (rank >= 0) ranked.push([rank, name]);
  }
  ranked.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return ranked.slice(0, limit).map(([, name]) => name);
}

const ICON_ATTRIBUTES = new Set(['d', 'cx', 'cy', 'r', 'x', 'y', 'width', 'height', 'rx', 'ry', 'x1', 'x2', 'y1', 'y2', 'points']);
const ICON_ELEMENTS = new Set(['path', 'circle', 'rect', 'line', 'ellipse', 'polyline', 'polygon']);
const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An icon's elements with only geometry attributes kept; `fill="currentColor"` parts take `colour`. */
export function iconElements(node: IconNode, colour: string): string {
  return node
    .filter(([tag]) => ICON_ELEMENTS.has(tag))
    .map(([tag, attrs]) => {
      const safe = Object.entries(attrs)
        .filter(([name]) => ICON_ATTRIBUTES.has(name))
        .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
        .join('');
      return `<${tag}${safe}${attrs.fill === 'currentColor' ? ` fill="${colour}"` : ''}/>`;
    })
    .join('');
}

/** A stand-alone 24 × 24 SVG of one icon, for the picker. */
export function iconSvg(assets: DesignerAssets, name: string): string | null {
  const node = assets.icons.get(name);
  if (!node) return null;
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="#1d232b" ' +
    `stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${iconElements(node, '#1d232b')}</svg>`
  );
}
