import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

describe('hosted Open Badges 2.0 issuer and badge class documents', () => {
  let t: TestKiln;
  let issuerUrl: string;
  let badgeUrl: string;

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    const { issuer, badge } = await givenBadge(t, await apiToken(t, email), { imageCaption: 'A red square' });
    issuerUrl = issuer.openBadgeId;
    badgeUrl = badge.openBadgeId;
  });
  afterAll(() => t.close());

  const get = (url: string, accept?: string) => {
    const req = request(t.server).get(new URL(url).pathname);
    return accept === undefined ? req : req.set('Accept', accept);
  };

  it.each([
    ['no Accept', undefined, 'application/ld+json'],
    ['*/*', '*/*', 'application/ld+json'],
    ['application/ld+json', 'application/ld+json', 'application/ld+json'],
    ['application/json only', 'application/json', 'application/json'],
    ['the validator Accept', 'application/ld+json, application/json, image/png, image/svg+xml', 'application/ld+json'],
  ])('answers JSON to %s', async (_name, accept, type) => {
    for (const url of [issuerUrl, badgeUrl]) {
      const res = await get(url, accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers.vary).toMatch(/Accept/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(res.headers.etag).toBeTruthy();
      expect(JSON.parse(res.text).id).toBe(url);
    }
  });

  it('answers HTML to a browser at the same URL', async () => {
    const res = await get(badgeUrl, 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.text).toContain('Digital Storyteller');
    expect(res.text).toContain('<em>two-minute</em>');
  });

  it('publishes an issuer Profile with every required property (spec §5.2)', async () => {
    const profile = JSON.parse((await get(issuerUrl)).text);
    expect(profile['@context']).toBe('https://w3id.org/openbadges/v2');
    expect(profile.type).toBe('Issuer');
    expect(profile.id).toBe(issuerUrl);
    expect(profile.name).toBe('Riverside Youth Club');
    expect(profile.url).toMatch(/^https:\/\//);
    expect(profile.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(profile).not.toHaveProperty('verification');
  });

  it('publishes a BadgeClass whose image answers image/png and whose criteria is an object', async () => {
    const badge = JSON.parse((await get(badgeUrl)).text);
    expect(badge['@context']).toBe('https://w3id.org/openbadges/v2');
    expect(badge.type).toBe('BadgeClass');
    expect(badge.id).toBe(badgeUrl);
    expect(badge.issuer).toBe(issuerUrl);
    expect(badge.name).toBe('Digital Storyteller');
    expect(badge.description).toBeTruthy();
    expect(badge.criteria).toEqual({ narrative: 'Plan, record and edit a *two-minute* story.' });
    expect(badge.tags).toEqual(['media', 'storytelling']);
    expect(badge.alignment).toEqual([{ targetName: 'Digital Competence 3.1', targetUrl: 'https://example.org/framework/3.1' }]);
    expect(badge.image).toEqual({ id: `${badgeUrl}/image`, caption: 'A red square' });
    const image = await get(badge.image.id);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['access-control-allow-origin']).toBe('*');
    expect(image.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(image.body.subarray(1, 4).toString()).toBe('PNG');
  });

  it('serves the same bytes and headers again from the cache, and 304 for a matching ETag', async () => {
    const first = await get(badgeUrl);
    const second = await get(badgeUrl);
    expect(second.text).toBe(first.text);
    expect(second.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
    expect(second.headers.etag).toBe(first.headers.etag);
    const notModified = await request(t.server).get(new URL(badgeUrl).pathname).set('If-None-Match', first.headers.etag!);
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  it('answers 404 JSON-free pages for unknown ids without leaking anything', async () => {
    const res = await request(t.server).get('/badges/00000000-0000-4000-8000-000000000000').set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/at .*\.ts|Error:|stack/i);
  });

  it('reports health once the database answers', async () => {
    const res = await request(t.server).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
