import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Check, VerificationReport } from '../../src/openbadges/verify/types.js';
import { verifierService } from '../../src/services/verifier.js';
import {
  hostBadge,
  hostKey,
  legacyTextPng,
  signedBadge,
  startForeignIssuer,
  type ForeignIssuer,
} from '../helpers/foreign-issuer.js';
import { failing } from '../helpers/verify.js';

// Badges from a second issuer on its own loopback port, checked through the real SSRF-safe fetcher.
let fi: ForeignIssuer;
let mirror: ForeignIssuer;
const verifier = verifierService({ allowPrivateNetworks: true, now: () => new Date('2026-01-15T10:00:00Z') });

beforeAll(async () => {
  fi = await startForeignIssuer();
  mirror = await startForeignIssuer();
});
afterAll(async () => {
  await fi.close();
  await mirror.close();
});

const check = (report: VerificationReport, id: string): Check | undefined => report.checks.find((c) => c.id === id);
const warnings = (report: VerificationReport) => report.checks.filter((c) => c.outcome === 'warning').map((c) => c.id);

async function verify(source: Buffer | string, email?: string): Promise<VerificationReport> {
  return (await verifier.verify({ source, email })).report;
}

describe('verifying a hosted badge from another issuer', () => {
  it('finds a valid badge valid from its baked PNG, baked SVG, URL and JSON', async () => {
    const hosted = await hostBadge(fi);
    const inputs = { png: await hosted.bakedPng(), svg: hosted.bakedSvg(), url: hosted.assertionUrl, json: hosted.json };
    for (const [kind, source] of Object.entries(inputs)) {
      const report = await verify(source);
      expect({ kind, verdict: report.verdict, failing: failing(report), warnings: warnings(report) }).toEqual({
        kind,
        verdict: 'valid',
        failing: [],
        warnings: [],
      });
    }
  });

  it('reports the hosted badge, issuer and dates in the summary', async () => {
    const hosted = await hostBadge(fi);
    const report = await verify(await hosted.bakedPng());
    expect(report.summary).toEqual({
      badge: { name: 'Web Explorer', description: 'Built and published a first web page.', image: hosted.badge.image, id: hosted.badge.id },
      issuer: { name: 'Northfield Coding Club', url: 'https://northfield.example.org', id: hosted.issuer.id },
      assertion: { id: hosted.assertionUrl, issuedOn: '2024-05-01T12:00:00Z', expires: null },
      recipientChecked: false,
    });
    expect(report.checkedAt).toBe('2026-01-15T10:00:00.000Z');
    const ids = report.checks.map((c) => c.id);
    for (const id of ['input', 'unbake', 'assertion-fetch', 'version', 'baked-copy', 'revocation', 'assertion-properties', 'badge-fetch', 'badge-properties', 'issuer-fetch', 'issuer-properties', 'hosted-scope', 'issued-on', 'expires', 'badge-image', 'assertion-image']) {
      expect(ids).toContain(id);
    }
  });

  it('returns the badge picture as a data URI for the result page', async () => {
    const hosted = await hostBadge(fi);
    const result = await verifier.verify({ source: hosted.assertionUrl });
    expect(result.badgeImage).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(result.badgeText).toBe(hosted.assertionUrl);
  });

  it('confirms the recipient when the right email is given, whatever its case and spacing', async () => {
    const hosted = await hostBadge(fi, { email: 'ada@example.org' });
    const report = await verify(hosted.assertionUrl, '  Ada@Example.ORG ');
    expect(report.verdict).toBe('valid');
    expect(report.summary.recipientChecked).toBe(true);
    expect(check(report, 'recipient')).toMatchObject({ outcome: 'pass', message: 'This badge was issued to ada@example.org.' });
  });

  it('finds a badge invalid for the wrong recipient email', async () => {
    const hosted = await hostBadge(fi, { email: 'ada@example.org' });
    const report = await verify(await hosted.bakedPng(), 'grace@example.org');
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['recipient']);
    expect(report.summary.recipientChecked).toBe(true);
    expect(check(report, 'recipient')!.message).toContain('was not issued to grace@example.org');
  });

  it('finds a badge revoked when its URL answers 410 Gone', async () => {
    const hosted = await hostBadge(fi);
    fi.serveJson(new URL(hosted.assertionUrl).pathname, { '@context': 'https://w3id.org/openbadges/v2', id: hosted.assertionUrl, revoked: true, revocationReason: 'Issued in error' }, 410);
    const report = await verify(await hosted.bakedPng());
    expect(report.verdict).toBe('revoked');
    expect(failing(report)).toEqual(['revocation']);
    expect(check(report, 'revocation')!.message).toContain('Issued in error');
  });

  it('still says what a revoked badge was, from the copy its file carries', async () => {
    const hosted = await hostBadge(fi);
    fi.serveJson(new URL(hosted.assertionUrl).pathname, { '@context': 'https://w3id.org/openbadges/v2', id: hosted.assertionUrl, revoked: true }, 410);
    for (const source of [await hosted.bakedPng(), hosted.json]) {
      const report = await verify(source);
      expect(report.verdict).toBe('revoked');
      expect(failing(report)).toEqual(['revocation']);
      expect(report.summary).toMatchObject({
        badge: { name: 'Web Explorer', id: hosted.badge.id },
        issuer: { name: 'Northfield Coding Club', id: hosted.issuer.id },
        assertion: { id: hosted.assertionUrl, issuedOn: '2024-05-01T12:00:00Z', expires: null },
      });
    }
    // Only the revocation notice: nothing else to say, and nothing made up.
    const byUrl = await verify(hosted.assertionUrl);
    expect(byUrl.verdict).toBe('revoked');
    expect(byUrl.summary.badge.name).toBeNull();
  });

  it('finds a badge revoked when its URL answers 200 with revoked: true', async () => {
    const hosted = await hostBadge(fi);
    fi.serveJson(new URL(hosted.assertionUrl).pathname, { '@context': 'https://w3id.org/openbadges/v2', type: 'Assertion', id: hosted.assertionUrl, revoked: true });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('revoked');
    expect(failing(report)).toEqual(['revocation']);
  });

  it('finds a badge expired after its expires date', async () => {
    const hosted = await hostBadge(fi, { edit: ({ assertion }) => void (assertion.expires = '2025-05-01T12:00:00Z') });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('expired');
    expect(failing(report)).toEqual(['expires']);
    expect(check(report, 'expires')!.message).toBe('This badge expired on 1 May 2025.');
  });

  it('finds a badge not yet valid when issuedOn is in the future', async () => {
    const hosted = await hostBadge(fi, { edit: ({ assertion }) => void (assertion.issuedOn = '2027-01-01T00:00:00+01:00') });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('not-yet-valid');
    expect(failing(report)).toEqual(['issued-on']);
  });

  it('finds a badge invalid when its assertion is hosted off the issuer origin', async () => {
    const hosted = await hostBadge(fi, { assertionHost: mirror });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['hosted-scope']);
    expect(check(report, 'hosted-scope')!.message).toContain(`different website (${new URL(mirror.origin).host})`);
  });

  it("honours the issuer's own verification policy (startsWith, allowedOrigins)", async () => {
    const mirrorHost = new URL(mirror.origin).host;
    const allowed = await hostBadge(fi, { assertionHost: mirror, edit: ({ issuer }) => void (issuer.verification = { allowedOrigins: mirrorHost }) });
    expect((await verify(allowed.assertionUrl)).verdict).toBe('valid');
    const prefixed = await hostBadge(fi, { edit: ({ issuer }) => void (issuer.verification = { startsWith: `${fi.origin}/elsewhere/` }) });
    const report = await verify(prefixed.assertionUrl);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['hosted-scope']);
  });

  it('finds a badge invalid when its document id differs from its URL and the declared id is not there', async () => {
    const hosted = await hostBadge(fi);
    const alias = fi.url(`/aliases/${Date.now()}`);
    const elsewhere = { ...hosted.assertion, id: fi.url('/assertions/not-here') };
    fi.serveJson(new URL(alias).pathname, elsewhere);
    const report = await verify(alias);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toContain('assertion-id');
  });

  it('checks the copy at the declared id when a document is served at another URL, with a warning', async () => {
    const hosted = await hostBadge(fi);
    const alias = fi.url(`/aliases/${Date.now()}-ok`);
    fi.serveJson(new URL(alias).pathname, hosted.assertion);
    const report = await verify(alias);
    expect(report.verdict).toBe('valid');
    expect(warnings(report)).toEqual(['assertion-id']);
  });

  it('finds a badge invalid when its BadgeClass has no criteria', async () => {
    const hosted = await hostBadge(fi, { edit: ({ badge }) => void delete badge.criteria });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['badge-properties']);
    expect(check(report, 'badge-properties')!.message).toContain('criteria');
  });

  it('finds a badge invalid when its image URL answers 404', async () => {
    const hosted = await hostBadge(fi, { edit: ({ badge }) => void (badge.image = fi.url('/images/missing.png')) });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['badge-image']);
    expect(check(report, 'badge-image')!.message).toContain('404 Not Found');
  });

  it('finds a badge invalid when its image is not a PNG or SVG', async () => {
    const hosted = await hostBadge(fi, { edit: ({ badge }) => void (badge.image = fi.url('/images/photo.jpg')) });
    fi.serve('/images/photo.jpg', { type: 'image/jpeg', body: Buffer.from([0xff, 0xd8, 0xff]) });
    const report = await verify(hosted.assertionUrl);
    expect(failing(report)).toEqual(['badge-image']);
  });

  it('lets the hosted copy win over tampered baked JSON, and says the baked copy differs', async () => {
    const hosted = await hostBadge(fi, { email: 'ada@example.org' });
    const tampered = JSON.stringify({ ...hosted.assertion, recipient: { type: 'email', hashed: false, identity: 'mallory@example.org' }, expires: '2099-01-01T00:00:00Z' });
    const png = await hosted.bakedPng(tampered);

    const report = await verify(png, 'mallory@example.org');
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['recipient']);
    expect(check(report, 'baked-copy')).toMatchObject({ outcome: 'warning' });
    expect(check(report, 'baked-copy')!.detail).toContain('expires, recipient');
    expect(report.summary.assertion.expires).toBeNull();

    const genuine = await verify(png, 'ada@example.org');
    expect(genuine.verdict).toBe('valid');
    expect(warnings(genuine)).toEqual(['baked-copy']);
  });

  it('recognises a legacy URL baked into a tEXt chunk and checks the hosted badge', async () => {
    const hosted = await hostBadge(fi);
    const report = await verify(await legacyTextPng(hosted.assertionUrl));
    expect(report.verdict).toBe('valid');
    expect(warnings(report)).toEqual(['unbake']);
    expect(check(report, 'unbake')!.message).toContain('old (before 2013) way');
  });

  it('reports a legacy 1.0 hosted assertion as such rather than crashing', async () => {
    const url = fi.url('/legacy/1.json');
    fi.serveJson('/legacy/1.json', { uid: 'abc', recipient: { type: 'email', hashed: false, identity: 'a@example.org' }, badge: fi.url('/legacy/badge.json'), verify: { type: 'hosted', url }, issuedOn: '2013-01-01' });
    const report = await verify(await legacyTextPng(url));
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['version']);
    expect(check(report, 'version')!.message).toContain('older Open Badges 1.0 badge');
  });

  it('reports a 1.x badge baked by another bakery as legacy without fetching anything', async () => {
    const png = fs.readFileSync(new URL('../fixtures/python-bakery-baked-1x.png', import.meta.url));
    const report = await verify(png);
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['version']);
    expect(check(report, 'version')!.detail).toContain('http://example.org/badgeinstance1');
  });

  it('finds a badge unverifiable when its issuer profile cannot be fetched', async () => {
    const hosted = await hostBadge(fi, { edit: ({ badge }) => void (badge.issuer = fi.url('/issuers/gone')) });
    const report = await verify(hosted.assertionUrl);
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['issuer-fetch']);
  });
});

describe('verifying a signed badge from another issuer', () => {
  it('finds a correctly signed RS256 badge valid, also when baked', async () => {
    const signed = await signedBadge(fi);
    for (const source of [signed.jws, await (await hostBadge(fi)).bakedPng(signed.jws)]) {
      const report = await verify(source, signed.email);
      expect({ verdict: report.verdict, failing: failing(report) }).toEqual({ verdict: 'valid', failing: [] });
      expect(check(report, 'signature')!.outcome).toBe('pass');
      expect(check(report, 'signature-key')!.outcome).toBe('pass');
      expect(check(report, 'revocation')!.outcome).toBe('pass');
      expect(report.summary.recipientChecked).toBe(true);
    }
  });

  it('finds a badge invalid when its payload was changed after signing', async () => {
    const signed = await signedBadge(fi);
    const [header, , signature] = signed.jws.split('.');
    const forged = Buffer.from(JSON.stringify({ ...signed.assertion, expires: '2099-01-01T00:00:00Z' })).toString('base64url');
    const report = await verify(`${header}.${forged}.${signature}`);
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['signature']);
  });

  it('finds a badge invalid when signed by a key the issuer does not list', async () => {
    const signed = await signedBadge(fi);
    const stranger = hostKey(fi, String(signed.issuer.id), 1);
    const payload = { ...signed.assertion, verification: { type: 'SignedBadge', creator: stranger.url } };
    const report = await verify(signed.sign(payload, stranger));
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['signature-key']);
    expect(check(report, 'signature-key')!.message).toContain('does not list');
  });

  it('finds a badge invalid when it does not name its signing key (creator)', async () => {
    const signed = await signedBadge(fi);
    const report = await verify(signed.sign({ ...signed.assertion, verification: { type: 'SignedBadge' } }));
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['signature-key']);
  });

  it('finds a badge invalid when the listed key did not make the signature', async () => {
    const signed = await signedBadge(fi);
    const other = hostKey(fi, String(signed.issuer.id), 1);
    const report = await verify(signed.sign(signed.assertion, other));
    expect(report.verdict).toBe('invalid');
    expect(failing(report)).toEqual(['signature']);
  });

  it("finds a signed badge revoked when it is on the issuer's revocation list", async () => {
    const signed = await signedBadge(fi);
    signed.revoke({ id: signed.assertion.id, revocationReason: 'Honor code violation' });
    const report = await verify(signed.jws);
    expect(report.verdict).toBe('revoked');
    expect(failing(report)).toEqual(['revocation']);
    expect(check(report, 'revocation')!.message).toContain('Honor code violation');
  });

  it('refuses a signed badge given as JSON without its signature', async () => {
    const signed = await signedBadge(fi);
    const report = await verify(JSON.stringify(signed.assertion));
    expect(report.verdict).toBe('unverifiable');
    expect(failing(report)).toEqual(['badge-data']);
  });
});
