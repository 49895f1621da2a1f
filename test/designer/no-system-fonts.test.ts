import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designerAssets } from '../../src/designer/assets.js';
import { designSchema, SHAPES } from '../../src/designer/design.js';
import { renderDesignSvg } from '../../src/designer/render.js';

const run = promisify(execFile);

/** Renders SVG files to PNG with sharp in a fresh process (so fontconfig reads its configuration anew). */
const RENDER = `
  import fs from 'node:fs';
  import sharp from 'sharp';
  const out = [];
  for (const file of process.argv.slice(1)) out.push((await sharp(fs.readFileSync(file)).png().toBuffer()).toString('base64'));
  process.stdout.write(JSON.stringify(out));
`;

describe('rendering with no system fonts', () => {
  let dir: string;
  let noFonts: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fonts-'));
    fs.mkdirSync(path.join(dir, 'empty'));
    // A fontconfig that knows one empty font directory: the machine appears to have no fonts at all.
    fs.writeFileSync(
      path.join(dir, 'fonts.conf'),
      `<?xml version="1.0"?><fontconfig><dir>${path.join(dir, 'empty')}</dir><cachedir>${path.join(dir, 'cache')}</cachedir></fontconfig>`,
    );
    noFonts = { ...process.env, FONTCONFIG_FILE: path.join(dir, 'fonts.conf'), FONTCONFIG_PATH: dir };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function renderIn(env: NodeJS.ProcessEnv, svgs: string[]): Promise<Buffer[]> {
    const files = svgs.map((svg, i) => {
      const file = path.join(dir, `${i}.svg`);
      fs.writeFileSync(file, svg);
      return file;
    });
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', RENDER, ...files], { env, cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024 });
    return (JSON.parse(stdout) as string[]).map((b64) => Buffer.from(b64, 'base64'));
  }

  it('changes how a <text> SVG renders (so the empty configuration really hides the fonts)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><text x="20" y="200" font-family="sans-serif" font-size="64">Team Player</text></svg>';
    const [withFonts] = await renderIn(process.env, [svg]);
    const [without] = await renderIn(noFonts, [svg]);
    expect(withFonts!.equals(without!), 'expected system fonts on this machine (Debian chromium recommends fonts-liberation)').toBe(false);
  });

  it('gives the same PNG bytes for every designed shape with and without system fonts, and in this process', async () => {
    const assets = designerAssets();
    const schema = designSchema((name) => assets.icons.has(name));
    const svgs = SHAPES.map((shape) => {
      const design = schema.parse({ shape, background: '#1d4ed8', border: '#facc15', title: 'Team Player', subtitle: 'Ångström 2026', icon: 'star', ribbon: 'Łódź & Leicester' });
      return renderDesignSvg(design, assets, 'alt text').svg;
    });
    const withFonts = await renderIn(process.env, svgs);
    const without = await renderIn(noFonts, svgs);
    for (const [i, shape] of SHAPES.entries()) {
      expect(without[i]!.length).toBeGreaterThan(1000);
      expect(without[i]!.equals(withFonts[i]!), shape).toBe(true);
      expect((await sharp(Buffer.from(svgs[i]!)).png().toBuffer()).equals(withFonts[i]!), shape).toBe(true);
    }
  });
});
