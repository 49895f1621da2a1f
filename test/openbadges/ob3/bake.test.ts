import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bakeCredentialPng, bakeCredentialSvg, extractCredentialPng, extractCredentialSvg, OB3_PNG_KEYWORD, OB3_SVG } from '../../../src/openbadges/ob3/index.js';
import { bakePng, extractPng, readPngChunks } from '../../../src/openbadges/png.js';
import { bakeSvg, extractSvg } from '../../../src/openbadges/svg.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
const credential = (name: string) => JSON.stringify({ type: ['VerifiableCredential', 'OpenBadgeCredential'], name, proof: { proofValue: 'z5x9' } });

describe('baking Open Badges 3.0 credentials', () => {
  it('puts the credential in one uncompressed openbadgecredential iTXt chunk after IHDR', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#000' } }).png().toBuffer();
    const json = credential('Teamwork');

    const baked = bakeCredentialPng(png, json);

    const [ihdr, chunk] = readPngChunks(baked);
    expect(ihdr!.type).toBe('IHDR');
    expect(chunk!.type).toBe('iTXt');
    expect(chunk!.data.subarray(0, OB3_PNG_KEYWORD.length + 5).toString('latin1')).toBe(`${OB3_PNG_KEYWORD}\0\0\0\0\0`);
    expect(extractCredentialPng(baked)).toBe(json);
    expect(extractPng(baked)).toBeNull();
  });

  it('keeps a 2.0 badge beside a 3.0 credential and replaces only its own keyword on re-baking', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#fff' } }).png().toBuffer();
    const both = bakeCredentialPng(bakePng(png, '{"type":"Assertion"}'), credential('one'));

    const rebaked = bakeCredentialPng(both, credential('two'));

    expect(extractPng(rebaked)).toBe('{"type":"Assertion"}');
    expect(extractCredentialPng(rebaked)).toBe(credential('two'));
    expect(readPngChunks(rebaked).filter((c) => c.type === 'iTXt')).toHaveLength(2);
  });

  it('puts the credential in <openbadges:credential> in the 3.0 namespace, without verify', () => {
    const json = credential('Teamwork');

    const baked = bakeCredentialSvg(SVG, json);

    expect(baked).toContain(`xmlns:openbadges="${OB3_SVG.namespace}"`);
    expect(baked).toMatch(/<svg [^>]*><openbadges:credential><!\[CDATA\[/);
    expect(extractCredentialSvg(baked)).toBe(json);
    expect(extractSvg(baked)).toBeNull();
  });

  it('leaves 2.0 SVG baking exactly as it was', () => {
    const baked = bakeSvg(SVG, 'https://example.org/assertions/1', '{"a":1}');
    expect(baked).toContain('xmlns:openbadges="http://openbadges.org"');
    expect(extractSvg(baked)).toEqual({ verify: 'https://example.org/assertions/1', json: '{"a":1}' });
  });

  it('round-trips any text through the SVG, markup and CDATA terminators included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (name) => {
        const json = credential(name);
        const baked = bakeCredentialSvg(SVG, json);
        expect(JSON.parse(extractCredentialSvg(baked)!)).toEqual(JSON.parse(json));
        expect(baked.match(/<openbadges:credential>/g)).toHaveLength(1);
        expect(baked.match(/]]>/g)).toHaveLength(1);
      }),
    );
  });
});
