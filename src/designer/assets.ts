import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import opentype from 'opentype.js';

/** One lucide icon: its child elements in a 24 × 24 box, drawn with a 2-unit stroke. */
export type IconNode = Array<[string, Record<string, string>]>;

/** A weight of Inter: the Latin subset first, Latin Extended for the rest (Fontsource splits them by range). */
export type FontStack = opentype.Font[];

export interface DesignerAssets {
  fonts: { bold: FontStack; semibold: FontStack };
  icons: ReadonlyMap<string, IconNode>;
  iconTags: ReadonlyMap<string, string[]>;
}

const require = createRequire(import.meta.url);

function loadFont(file: string): opentype.Font {
  const bytes = fs.readFileSync(path.join(path.dirname(require.resolve('@fontsource/inter/package.json')), 'files', file));
  // opentype.js reads WOFF (zlib) but not WOFF2, so the .woff files are the ones we ship.
  return opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The drawing elements of a lucide icon file; the renderer keeps only geometry attributes of known elements. */
function parseIcon(svg: string): IconNode {
  const body = svg.slice(svg.indexOf('>', svg.indexOf('<svg')) + 1);
  return [...body.matchAll(/<(path|circle|rect|line|ellipse|polyline|polygon)\b([^>]*?)\/?>/g)].map(([, tag, attrs]) => [
    tag!,
    Object.fromEntries([...attrs!.matchAll(/([a-zA-Z][\w:-]*)="([^"]*)"/g)].map(([, name, value]) => [name!, value!])),
  ]);
}

let cached: DesignerAssets | null = null;

/**
 * The only I/O of the designer: Inter from @fontsource/inter (SIL OFL) and the lucide icon set from lucide-static (ISC),
 * both npm packages, read once per process. Rendering never consults system fonts, so output is the same everywhere.
 */
export function designerAssets(): DesignerAssets {
  if (cached) return cached;
  const dir = path.dirname(require.resolve('lucide-static/package.json'));
  const tags = JSON.parse(fs.readFileSync(path.join(dir, 'tags.json'), 'utf8')) as Record<string, string[]>;
  // icons/*.svg holds every name, aliases included (icon-nodes.json lacks some, e.g. "music").
  const nodes: Record<string, IconNode> = {};
  for (const file of fs.readdirSync(path.join(dir, 'icons')).sort()) {
    if (file.endsWith('.svg')) nodes[file.slice(0, -4)] = parseIcon(fs.readFileSync(path.join(dir, 'icons', file), 'utf8'));
  }
  cached = {
    fonts: {
      bold: [loadFont('inter-latin-700-normal.woff'), loadFont('inter-latin-ext-700-normal.woff')],
      semibold: [loadFont('inter-latin-600-normal.woff'), loadFont('inter-latin-ext-600-normal.woff')],
    },
    icons: new Map(Object.entries(nodes)),
    iconTags: new Map(Object.entries(tags)),
  };
  return cached;
}
