import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sharp from 'sharp';
import { bakePng } from '../../src/openbadges/png.js';
import { verifyBadge } from '../../src/openbadges/verify/pipeline.js';
import { FetchError, type Fetcher } from '../../src/openbadges/verify/types.js';

// Hostile and broken input must end in an "unverifiable" report: never an exception, never slow.
const RUNS_PER_KIND = 60; // 4 kinds: 240 generated inputs in all
const offline: Fetcher = async (url) => {
  throw new FetchError('network', 'the website could not be reached', `offline test fetcher refused ${url}`);
};

let bakedPng: Buffer;
beforeAll(async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#0a0' } }).png().toBuffer();
  bakedPng = bakePng(png, JSON.stringify({ '@context': 'https://w3id.org/openbadges/v2', id: 'https://192.0.2.1/assertions/1', type: 'Assertion' }));
});

async function expectUnverifiable(source: Buffer | string): Promise<void> {
  const started = performance.now();
  const { report } = await verifyBadge(source, { fetch: offline, now: new Date('2026-01-01T00:00:00Z') });
  const elapsed = performance.now() - started;
  expect(report.verdict).toBe('unverifiable');
  const failures = report.checks.filter((c) => c.outcome === 'fail');
  expect(failures.length).toBeGreaterThan(0);
  for (const failure of failures) expect(failure.message.length).toBeGreaterThan(10);
  expect(elapsed).toBeLessThan(1000);
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('verifying malformed input', () => {
  it('reports broken PNGs as unverifiable', async () => {
    const brokenPng = fc.oneof(
      // Truncated anywhere.
      fc.nat().map((n) => bakedPng.subarray(0, n % bakedPng.length)),
      // One byte changed (never to itself), which breaks the signature or a CRC.
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([n, x]) => {
        const copy = Buffer.from(bakedPng);
        const at = n % copy.length;
        copy[at] = copy[at]! ^ x;
        return copy;
      }),
      // The PNG signature followed by noise, or a chunk declaring a huge length.
      fc.uint8Array({ maxLength: 200 }).map((noise) => Buffer.concat([bakedPng.subarray(0, 8), Buffer.from(noise)])),
      fc.uint8Array({ maxLength: 50 }).map((noise) => Buffer.concat([bakedPng.subarray(0, 8), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from('IHDR'), Buffer.from(noise)])),
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((noise) => Buffer.from(noise)),
    );
    await fc.assert(fc.asyncProperty(brokenPng, expectUnverifiable), { numRuns: RUNS_PER_KIND });
  });

  it('reports broken SVGs as unverifiable', async () => {
    const text = fc.string({ maxLength: 80, unit: 'grapheme' });
    const brokenSvg = fc.oneof(
      fc.tuple(text, text).map(([verify, body]) => `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="${verify.replace(/"/g, '')}">${body}</openbadges:assertion></svg>`),
      fc.tuple(text, fc.nat()).map(([body, cut]) => {
        const svg = `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion><![CDATA[${body}]]></openbadges:assertion></svg>`;
        return svg.slice(0, cut % svg.length);
      }),
      text.map((junk) => `<svg${junk}`),
      text.map((junk) => `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "${junk}">]><svg>&x;</svg>`),
      fc.tuple(text, text).map(([a, b]) => `<svg><openbadges:assertion verify='${a.replace(/'/g, '')}'/>${b}`),
    );
    await fc.assert(fc.asyncProperty(brokenSvg, (svg) => expectUnverifiable(Buffer.from(svg))), { numRuns: RUNS_PER_KIND });
  });

  it('reports broken or unusable JSON as unverifiable', async () => {
    const assertionLike = fc.record(
      {
        '@context': fc.oneof(fc.constant('https://w3id.org/openbadges/v2'), fc.jsonValue()),
        type: fc.oneof(fc.constant('Assertion'), fc.jsonValue()),
        id: fc.oneof(fc.constant('urn:uuid:not-a-url'), fc.string(), fc.integer(), fc.constant(null)),
        verification: fc.jsonValue(),
        recipient: fc.jsonValue(),
        badge: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const brokenJson = fc.oneof(
      fc.json(),
      fc.json().map((json) => `{${json}`),
      assertionLike.map((doc) => JSON.stringify(doc)),
      fc.tuple(assertionLike, fc.nat()).map(([doc, cut]) => {
        const json = JSON.stringify(doc);
        return json.slice(0, cut % (json.length + 1));
      }),
      fc.nat({ max: 100_000 }).map((depth) => `${'['.repeat(depth)}`),
      fc.nat({ max: 5_000 }).map((depth) => `{"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
    );
    await fc.assert(fc.asyncProperty(brokenJson, expectUnverifiable), { numRuns: RUNS_PER_KIND });
  });

  it('reports broken JWS strings as unverifiable', async () => {
    const segment = fc.uint8Array({ maxLength: 120 }).map(base64url);
    const header = base64url(Buffer.from('{"alg":"RS256"}'));
    const brokenJws = fc.oneof(
      fc.tuple(segment, segment, segment).map(([h, p, s]) => `${h}.${p}.${s}`),
      fc.tuple(segment, segment).map(([p, s]) => `${header}.${p}.${s}`),
      fc.tuple(fc.json(), segment).map(([payload, s]) => `${header}.${base64url(Buffer.from(payload))}.${s}`),
      fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(fc.asyncProperty(brokenJws, expectUnverifiable), { numRuns: RUNS_PER_KIND });
  });
});
