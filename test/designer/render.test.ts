import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkArtwork, suggestAltText } from '../../src/designer/accessibility.js';
import { designerAssets } from '../../src/designer/assets.js';
import { contrastRatio } from '../../src/designer/colour.js';
import { designSchema, PALETTES, SHAPES, type Design } from '../../src/designer/design.js';
import { searchIcons, SUGGESTED_ICONS } from '../../src/designer/icons.js';
import { renderDesignSvg } from '../../src/designer/render.js';
import { parseInput } from '../../src/services/validation.js';
import { ValidationError } from '../../src/errors.js';

const assets = designerAssets();
const schema = designSchema((name) => assets.icons.has(name));
const design = (overrides: Record<string, unknown> = {}): Design =>
  schema.parse({ shape: 'circle', background: '#1d4ed8', border: '#facc15', title: 'Team Player', subtitle: '2026', icon: 'star', ribbon: 'Leicester', ...overrides });
const TINY_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Every reference an SVG could make: href/xlink:href values and url(...) in attributes. */
function references(svg: string): string[] {
  const hrefs = [...svg.matchAll(/(?:xlink:)?href\s*=\s*"([^"]*)"/g)].map((m) => m[1]!);
  const urls = [...svg.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]!);
  return [...hrefs, ...urls];
}

function expectSelfContained(svg: string) {
  expect(svg).not.toMatch(/<text[\s>/]/i);
  expect(svg).not.toMatch(/<tspan|<script|<foreignObject|<style|@import|<use[\s>/]|\son\w+\s*=/i);
  for (const ref of references(svg)) expect(ref.startsWith('#') || ref.startsWith('data:image/png;base64,')).toBe(true);
}

describe('the design → SVG function', () => {
  it('draws every shape as paths only, with no text element, script or external reference', async () => {
    for (const shape of SHAPES) {
      const { svg } = renderDesignSvg(design({ shape }), assets, 'A badge');
      expectSelfContained(svg);
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="512" height="512" viewBox="0 0 512 512"/);
      const meta = await sharp(Buffer.from(svg)).metadata();
      expect([meta.width, meta.height]).toEqual([512, 512]);
    }
  });

  it('keeps a picture inline as a PNG data URI clipped to a circle', () => {
    const { svg } = renderDesignSvg(design({ icon: undefined, picture: TINY_PNG }), assets);
    expectSelfContained(svg);
    expect(svg).toContain(`href="${TINY_PNG}"`);
    expect(svg).toContain('clip-path="url(#kiln-picture)"');
  });

  it('gives the same SVG for the same design (pure and deterministic)', () => {
    expect(renderDesignSvg(design(), assets).svg).toBe(renderDesignSvg(design(), assets).svg);
    expect(renderDesignSvg(design(), assets).svg).not.toBe(renderDesignSvg(design({ title: 'Team Players' }), assets).svg);
  });

  it('never lets any title, subtitle, ribbon or alt text become markup', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
    fc.assert(
      fc.property(text, text, fc.string({ maxLength: 300 }), (title, ribbon, alt) => {
        const { svg } = renderDesignSvg(design({ title, ribbon }), assets, alt);
        expectSelfContained(svg);
        expect(svg.match(/<svg/g)).toHaveLength(1);
        expect(svg.match(/<title>/g)?.length ?? 0).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('shrinks a long title to fit and wraps it onto two lines', () => {
    const short = renderDesignSvg(design({ title: 'Chef' }), assets);
    const long = renderDesignSvg(design({ title: 'Outstanding Community Volunteer' }), assets);
    expect(long.textSizes.title).toBeLessThan(short.textSizes.title);
    expect(long.textSizes.title).toBeGreaterThanOrEqual(24);
  });
});

describe('artwork accessibility checks', () => {
  it('warns when text contrast is under 4.5:1, and not when it is above', () => {
    const pale = design({ background: '#fde047', textColor: '#ffffaa' });
    const report = checkArtwork(pale, renderDesignSvg(pale, assets));
    expect(report.contrast).toBeLessThan(4.5);
    expect(report.warnings.map((w) => w.field)).toContain('textColor');
    expect(report.warnings.find((w) => w.field === 'textColor')!.message).toMatch(/1\.\d:1.*4\.5:1/);
    const good = design();
    expect(checkArtwork(good, renderDesignSvg(good, assets)).warnings).toEqual([]);
  });

  it('picks readable text automatically on any background', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const background = `#${n.toString(16).padStart(6, '0')}`;
        const d = design({ background, textColor: undefined });
        expect(checkArtwork(d, renderDesignSvg(d, assets)).contrast).toBeGreaterThanOrEqual(4.5);
      }),
      { numRuns: 200 },
    );
  });

  it('warns about text too small to read at 128 pixels', () => {
    const cramped = design({ shape: 'star', title: 'Mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm' });
    const report = checkArtwork(cramped, renderDesignSvg(cramped, assets));
    expect(report.warnings.map((w) => w.field)).toContain('title');
  });

  it('suggests alt text built from the design', () => {
    expect(suggestAltText(design())).toBe(
      'Blue circle badge with a gold border and a star icon, titled "Team Player", "2026" beneath, with a ribbon reading "Leicester".',
    );
  });

  it('offers preset palettes whose text contrast is at least 4.5:1', () => {
    for (const p of PALETTES) expect(contrastRatio(p.text, p.background), p.name).toBeGreaterThanOrEqual(4.5);
  });
});

describe('design validation', () => {
  const errorsOf = (raw: unknown) => {
    try {
      parseInput(schema, raw);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields;
      throw err;
    }
    return {};
  };

  it('accepts the documented example and normalises colours', () => {
    const d = parseInput(schema, { shape: 'circle', background: '#1D4ED8', border: '#fc1', title: 'Team Player', subtitle: '2026', icon: 'star', ribbon: 'Leicester' });
    expect(d).toMatchObject({ background: '#1d4ed8', border: '#ffcc11', icon: 'star' });
  });

  it('refuses an unknown shape, a bad colour, a 500-character title and an unknown icon, each with its own message', () => {
    const fields = errorsOf({ shape: 'blob', background: 'blue', border: '#12345', title: 'x'.repeat(500), icon: 'no-such-icon' });
    expect(fields.shape).toMatch(/Shape must be one of: circle, shield, hexagon, rounded-square, star, ribbon-banner/);
    expect(fields.background).toMatch(/colour such as #1d4ed8/);
    expect(fields.border).toMatch(/colour such as/);
    expect(fields.title).toMatch(/at most 40 characters/);
    expect(fields.icon).toMatch(/Unknown icon/);
  });

  it('refuses unknown properties and a picture that is not an image data URI', () => {
    expect(errorsOf({ shape: 'circle', background: '#000', border: '#fff', title: 'A', colour: 'red' })._).toMatch(/colour/);
    expect(errorsOf({ shape: 'circle', background: '#000', border: '#fff', title: 'A', picture: 'https://example.org/x.png' }).picture).toMatch(/PNG, JPEG or WebP/);
  });
});

describe('the icon set', () => {
  it('has every suggested icon and finds icons by name and by tag', () => {
    for (const name of SUGGESTED_ICONS) expect(assets.icons.has(name), name).toBe(true);
    expect(searchIcons(assets, 'star')[0]).toBe('star');
    expect(searchIcons(assets, 'book').every((n) => n.includes('book') || (assets.iconTags.get(n) ?? []).some((t) => t.includes('book')))).toBe(true);
    expect(searchIcons(assets, 'zzzz-nothing')).toEqual([]);
  });
});
