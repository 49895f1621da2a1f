import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import sharp from 'sharp';
import { detectInput, unbake } from '../../src/openbadges/verify/input.js';
import { parseDateTime } from '../../src/openbadges/verify/json.js';
import { decodeJws } from '../../src/openbadges/verify/jws.js';
import { detectVersion, verifyBadge } from '../../src/openbadges/verify/pipeline.js';
import { headlineOf } from '../../src/openbadges/verify/report.js';
import type { FetchResult, Fetcher, VerificationReport } from '../../src/openbadges/verify/types.js';
import { hashIdentity } from '../../src/openbadges/recipient.js';
import { failing } from '../helpers/verify.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const NOW = new Date('2026-03-01T12:00:00Z');
const CONTEXT = 'https://w3id.org/openbadges/v2';
let PNG_1PX: Buffer;
beforeAll(async () => {
  PNG_1PX = await sharp({ create: { width: 1, height: 1, channels: 4, background: '#fff' } }).png().toBuffer();
});

type Docs = Record<string, unknown>;

/** An in-memory web: URL → JSON document, or a full response. */
function fakeWeb(pages: Record<string, unknown>): Fetcher & { calls: string[] } {
  const calls: string[] = [];
  const fetch = async (url: string): Promise<FetchResult> => {
    calls.push(url);
    const page = pages[url];
    if (page === undefined) return { url, status: 404, contentType: 'text/plain', body: Buffer.from('not found') };
    if (typeof page === 'object' && page !== null && 'status' in page && 'body' in page) return { url, ...(page as Omit<FetchResult, 'url'>) };
    return { url, status: 200, contentType: 'application/ld+json', body: Buffer.from(JSON.stringify(page)) };
  };
  return Object.assign(fetch, { calls });
}

/** A valid hosted badge on https://issuer.example, with overrides per document. */
function hostedWeb(edit: (docs: { issuer: Docs; badge: Docs; assertion: Docs }) => void = () => {}) {
  const issuer: Docs = { '@context': CONTEXT, type: 'Issuer', id: 'https://issuer.example/issuer', name: 'Example Academy', url: 'https://academy.example', email: 'hi@academy.example' };
  const badge: Docs = {
    '@context': CONTEXT, type: 'BadgeClass', id: 'https://issuer.example/badge', name: 'Listener', description: 'Listens well.',
    image: 'https://issuer.example/badge.png', criteria: 'https://issuer.example/criteria', issuer: issuer.id,
  };
  const assertion: Docs = {
    '@context': CONTEXT, type: 'Assertion', id: 'https://issuer.example/a/1', badge: badge.id, issuedOn: '2025-06-01T09:00:00Z',
    recipient: { type: 'email', hashed: true, salt: 'pepper', identity: hashIdentity('sam@example.org', 'pepper') },
    verification: { type: 'HostedBadge' },
  };
  edit({ issuer, badge, assertion });
  const web = fakeWeb({
    [String(issuer.id)]: issuer,
    [String(badge.id)]: badge,
    [String(assertion.id)]: assertion,
    'https://issuer.example/badge.png': { status: 200, contentType: 'image/png', body: PNG_1PX },
  });
  return { web, issuer, badge, assertion };
}

async function verify(source: Buffer | string, fetch: Fetcher, email?: string): Promise<VerificationReport> {
  return (await verifyBadge(source, { fetch, now: NOW, email })).report;
}

const outcomeOf = (report: VerificationReport, id: string) => report.checks.find((c) => c.id === id)?.outcome;

describe('detectInput', () => {
  it('tells baked images from badge text', () => {
    expect(detectInput(PNG_1PX)).toMatchObject({ kind: 'image', format: 'png' });
    expect(detectInput(Buffer.from('\uFEFF<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatchObject({ kind: 'image', format: 'svg' });
    expect(detectInput('  https://issuer.example/a/1 \n')).toEqual({ kind: 'text', badge: { kind: 'url', url: 'https://issuer.example/a/1' } });
    expect(detectInput(Buffer.from('{"id":"x"}'))).toEqual({ kind: 'text', badge: { kind: 'json', text: '{"id":"x"}' } });
    expect(detectInput('eyJhbGciOiJSUzI1NiJ9.eyJpZCI6MX0.c2ln')).toMatchObject({ kind: 'text', badge: { kind: 'jws' } });
  });

  it('says what it could not recognise', () => {
    expect(detectInput('')).toEqual({ kind: 'unknown', detail: 'empty input' });
    expect(detectInput('ftp://example.org/badge')).toMatchObject({ kind: 'unknown', detail: expect.stringContaining('ftp:') });
    expect(detectInput(Buffer.from([0xff, 0xfe, 0x00, 0x80]))).toMatchObject({ kind: 'unknown' });
  });
});

describe('unbake', () => {
  it('reads the hosted URL from a verify-only SVG and JSON from a CDATA body', () => {
    expect(unbake('svg', fixture('mozilla-bakery-verify-only.svg'))).toMatchObject({ ok: true, text: 'http://example.org' });
    expect(unbake('svg', fixture('mozilla-bakery-baked.svg'))).toMatchObject({ ok: true, text: '{"verify":{"url":"http://example.org"}}' });
  });

  it('reports an image without badge data, and a damaged one', () => {
    expect(unbake('svg', fixture('mozilla-bakery-unbaked.svg'))).toMatchObject({ ok: false, reason: 'no_badge' });
    expect(unbake('png', PNG_1PX)).toMatchObject({ ok: false, reason: 'no_badge' });
    expect(unbake('png', PNG_1PX.subarray(0, 40))).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('png_') });
  });
});

describe('parseDateTime', () => {
  it.each(['2024-01-01T12:00:00Z', '2024-01-01T12:00:00.123Z', '2024-01-01T12:00:00+08:00', '2024-01-01T12:00:00+0800', '2024-01-01T12:00:00+08', '2024-01-01T12:00Z'])(
    'accepts %s',
    (value) => expect(parseDateTime(value)).toBeInstanceOf(Date),
  );
  it.each(['1977-06-10T12:00:00', '2024-01-01', 1456370703, '2024-13-01T00:00:00Z', 'yesterday', null])('rejects %s', (value) => {
    expect(parseDateTime(value)).toBeNull();
  });
  it('applies the offset', () => {
    expect(parseDateTime('2024-01-01T12:00:00+0800')!.toISOString()).toBe('2024-01-01T04:00:00.000Z');
  });
});

describe('detectVersion', () => {
  it('follows the validator: v2 context or an array is 2.0; v1 is 1.1; none is 1.0 or 0.5; credentials are 3.0', () => {
    expect(detectVersion({ '@context': CONTEXT })).toBe('2.0');
    expect(detectVersion({ '@context': [CONTEXT, { extra: 'https://x.example/' }] })).toBe('2.0');
    expect(detectVersion({ '@context': 'https://w3id.org/openbadges/v1' })).toBe('1.1');
    expect(detectVersion({ uid: 'x', verify: { type: 'hosted' } })).toBe('1.0');
    expect(detectVersion({ recipient: 'a@example.org', badge: {} })).toBe('0.5');
    expect(detectVersion({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] })).toBe('3.0');
    expect(detectVersion({ name: 'x' })).toBe('unknown');
  });
});

describe('decodeJws', () => {
  it('names what is wrong with a malformed JWS', () => {
    expect(decodeJws('a.b')).toBe('expected 3 dot-separated parts, found 2');
    expect(decodeJws('e30.bm90IGpzb24.c2ln')).toBe('the JWS payload is not a JSON object');
    expect(decodeJws('bm9wZQ.e30.c2ln')).toBe('the JWS header is not a JSON object');
  });
});

describe('verifyBadge with an in-memory web', () => {
  it('finds a well-formed hosted badge valid and says so in one sentence', async () => {
    const { web } = hostedWeb();
    const report = await verify('https://issuer.example/a/1', web, 'Sam@Example.org');
    expect(report.verdict).toBe('valid');
    expect(headlineOf(report)).toBe('This badge is genuine: Example Academy issued it, it has not been revoked and it has not expired. It was issued to the email address you gave.');
  });

  it('compares the assertion authority with the issuer id authority including its port', async () => {
    const { web } = hostedWeb(({ issuer, badge }) => {
      issuer.id = 'https://issuer.example:8443/issuer';
      badge.issuer = issuer.id;
    });
    const report = await verify('https://issuer.example/a/1', web);
    expect(failing(report)).toEqual(['hosted-scope']);
    expect(report.checks.find((c) => c.id === 'hosted-scope')!.detail).toContain('issuer.example:8443');
  });

  it('only warns about scope when the issuer id is not a web address', async () => {
    const { web } = hostedWeb(({ issuer, badge }) => {
      badge.issuer = { ...issuer, id: 'urn:uuid:6a1b3f7e-2c4d-4e5f-8a9b-0c1d2e3f4a5b' };
    });
    const report = await verify('https://issuer.example/a/1', web);
    expect(report.verdict).toBe('valid');
    expect(outcomeOf(report, 'issuer-fetch')).toBe('warning');
    expect(outcomeOf(report, 'hosted-scope')).toBe('warning');
  });

  it('tolerates a minute of clock difference on issuedOn', async () => {
    const { web } = hostedWeb(({ assertion }) => void (assertion.issuedOn = '2026-03-01T12:00:30Z'));
    expect((await verify('https://issuer.example/a/1', web)).verdict).toBe('valid');
  });

  it('finds dates invalid when expires is before issuedOn', async () => {
    const { web } = hostedWeb(({ assertion }) => void (assertion.expires = '2025-01-01T00:00:00Z'));
    const report = await verify('https://issuer.example/a/1', web);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['expires']);
  });

  it('finds an assertion with inconsistent recipient hashing invalid', async () => {
    const { web } = hostedWeb(({ assertion }) => void (assertion.recipient = { type: 'email', hashed: true, identity: 'sam@example.org' }));
    const report = await verify('https://issuer.example/a/1', web);
    expect(failing(report)).toEqual(['assertion-properties']);
    expect(report.checks.find((c) => c.id === 'assertion-properties')!.detail).toContain('hashed is true');
  });

  it('warns rather than guesses when the recipient is not identified by email', async () => {
    const { web } = hostedWeb(({ assertion }) => void (assertion.recipient = { type: 'url', hashed: false, identity: 'https://sam.example' }));
    const report = await verify('https://issuer.example/a/1', web, 'sam@example.org');
    expect(report.verdict).toBe('valid');
    expect(outcomeOf(report, 'recipient')).toBe('warning');
    expect(report.summary.recipientChecked).toBe(false);
  });

  it('uses an embedded BadgeClass without a web address, with a warning', async () => {
    const { web, badge } = hostedWeb();
    const { web: embeddedWeb } = hostedWeb(({ assertion }) => void (assertion.badge = { ...badge, id: 'urn:uuid:6a1b3f7e-2c4d-4e5f-8a9b-0c1d2e3f4a5c' }));
    expect(web.calls).toEqual([]);
    const report = await verify('https://issuer.example/a/1', embeddedWeb);
    expect(report.verdict).toBe('valid');
    expect(outcomeOf(report, 'badge-fetch')).toBe('warning');
  });

  it('explains that a web page is not badge data', async () => {
    const web = fakeWeb({ 'https://issuer.example/a/1': { status: 200, contentType: 'text/html', body: Buffer.from('<!doctype html><p>Hello') } });
    const report = await verify('https://issuer.example/a/1', web);
    expect(report.verdict).toBe('unverifiable');
    expect(report.checks.find((c) => c.id === 'assertion-fetch')!.message).toContain('a web page');
  });

  it('checks OB 3.0 JSON with the 3.0 rules, and reports a 3.0 credential signed as a JWT as out of scope', async () => {
    const web = fakeWeb({});
    const report = await verify(JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'OpenBadgeCredential'] }), web);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['credential-format']);
    expect(web.calls).toEqual([]);

    const payload = Buffer.from(JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] })).toString('base64url');
    const jwt = await verify(`eyJhbGciOiJFZERTQSJ9.${payload}.c2ln`, web);
    expect(jwt.verdict).toBe('unverifiable');
    expect(failing(jwt)).toEqual(['version']);
    expect(jwt.checks.find((c) => c.id === 'version')!.message).toContain('signed as a JWT');
  });

  it('stops after its fetch budget', async () => {
    const { web } = hostedWeb();
    const { report } = await verifyBadge('https://issuer.example/a/1', { fetch: web, now: NOW, maxFetches: 1 });
    expect(report.verdict).toBe('unverifiable');
    expect(report.checks.find((c) => c.id === 'badge-fetch')!.detail).toContain('too_many_requests');
  });

  it('never follows an image that points to another image', async () => {
    const loop = fakeWeb({});
    const web = async (url: string): Promise<FetchResult> => {
      await loop(url);
      return { url, status: 200, contentType: 'image/svg+xml', body: Buffer.from(`<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="${url}"/></svg>`) };
    };
    const report = await verify('https://issuer.example/loop.svg', web);
    expect(report.verdict).toBe('unverifiable');
    expect(loop.calls).toHaveLength(2);
  });

  it('turns an unexpected error into an "unverifiable" check instead of throwing', async () => {
    const broken = (async () => ({ status: 200 })) as unknown as Fetcher;
    const report = await verify('https://issuer.example/a/1', broken);
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['internal']);
  });
});
