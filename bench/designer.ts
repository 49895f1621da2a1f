import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { designerAssets } from '../src/designer/assets.js';
import { SHAPES } from '../src/designer/design.js';
import { migrate, openDatabase } from '../src/db/database.js';

/**
 * Badge designer render time: each design goes through what `POST /api/v1/designs/render` does (validation, picture
 * re-encoding, design → SVG with outlined text, sharp → 512 × 512 PNG). The floor is sharp alone rasterising the
 * same finished SVG, measured in the same run; the target is under 200 ms per design.
 *
 * Standalone: `npx tsx bench/designer.ts [rounds]`. Under an IPC parent (bench/run.ts) it also sends
 * `{ type: 'designer', designs, rounds, targetMs, assetsMs, rows: [{ design, medianMs, worstMs, floorMs }], worstMs }`.
 */
const rounds = Number(process.argv[2] ?? 15);
const TARGET_MS = 200;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-designer-'));
const config = loadConfig({ PUBLIC_URL: 'https://badges.example.org', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const db = openDatabase(path.join(dataDir, 'kiln.db'));
migrate(db);
const { services } = createApp({ db, config, sessionSecret: 'bench-secret' });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  let start = process.hrtime.bigint();
  designerAssets();
  const assetsMs = ms(start);

  const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#3a7d44' } })
    .composite([{ input: Buffer.from('<svg width="1200" height="900"><circle cx="600" cy="450" r="300" fill="#f4d35e"/></svg>') }])
    .jpeg()
    .toBuffer();
  const base = { background: '#1d4ed8', border: '#facc15', title: 'Team Player', subtitle: '2026', icon: 'star', ribbon: 'Leicester' };
  const designs: Array<[string, Record<string, unknown>]> = [
    ...SHAPES.map((shape): [string, Record<string, unknown>] => [shape, { ...base, shape }]),
    ['long title, two lines', { ...base, shape: 'circle', title: 'Outstanding Community Volunteer', subtitle: undefined }],
    ['title only', { shape: 'rounded-square', background: '#fde047', border: '#1e3a8a', title: 'Chef' }],
    ['Latin Extended text', { ...base, shape: 'hexagon', title: 'Łódź Żółć', ribbon: 'Ångström' }],
    ['photo in the centre (JPEG 1200 × 900)', { ...base, shape: 'shield', icon: undefined, picture: `data:image/jpeg;base64,${photo.toString('base64')}` }],
  ];

  const rows: Array<{ design: string; medianMs: number; worstMs: number; floorMs: number }> = [];
  for (const [name, design] of designs) {
    const svg = String((await services.designs.render(design, 'svg')).body);
    await services.designs.render(design, 'png'); // warm-up: JIT and glyph parsing, not counted
    const times: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < rounds; i++) {
      start = process.hrtime.bigint();
      await services.designs.render(design, 'png');
      times.push(ms(start));
      start = process.hrtime.bigint();
      await sharp(Buffer.from(svg)).png().toBuffer();
      floor.push(ms(start));
    }
    rows.push({ design: name, medianMs: median(times), worstMs: Math.max(...times), floorMs: median(floor) });
  }

  const worstMs = Math.max(...rows.map((r) => r.worstMs));
  if (process.send) process.send({ type: 'designer', designs: rows.length, rounds, targetMs: TARGET_MS, assetsMs, rows, worstMs });
  const pad = (s: string, n: number) => s.padEnd(n);
  process.stderr.write(`Badge designer render (${rounds} rounds each; fonts and icons loaded once in ${assetsMs.toFixed(0)} ms)\n`);
  process.stderr.write(`${pad('design', 40)} ${pad('median', 10)} ${pad('worst', 10)} ${pad('sharp floor', 12)} ratio\n`);
  for (const r of rows) {
    process.stderr.write(
      `${pad(r.design, 40)} ${pad(`${r.medianMs.toFixed(1)} ms`, 10)} ${pad(`${r.worstMs.toFixed(1)} ms`, 10)} ${pad(`${r.floorMs.toFixed(1)} ms`, 12)} ${(r.medianMs / r.floorMs).toFixed(2)}\n`,
    );
  }
  process.stderr.write(`worst ${worstMs.toFixed(1)} ms: ${worstMs < TARGET_MS ? 'under' : 'OVER'} the ${TARGET_MS} ms target\n`);
} finally {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (process.send) process.disconnect();
}
