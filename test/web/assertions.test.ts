import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPng, readPngChunks } from '../../src/openbadges/png.js';
import { hashIdentity, recipientMatches } from '../../src/openbadges/recipient.js';
import { extractSvg } from '../../src/openbadges/svg.js';
import { apiToken, binary, csrfFrom, dataUri, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><circle cx="50" cy="50" r="40" fill="#2a9d8f"/></svg>`;

describe('awarding, hosted assertions, baking and revocation', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string; openBadgeId: string };
  let issuer: { id: string; openBadgeId: string };
  const api = () => request(t.server);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml'), expiresAfterDays: 365 }));
  });
  afterAll(() => t.close());

  async function award(body: Record<string, unknown>) {
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; openBadgeId: string; bakedPngUrl: string; bakedSvgUrl: string | null; expires: string };
  }

  it('hosts an assertion exactly as the spec says, without the plain email anywhere', async () => {
    const a = await award({ recipient: { email: '  Learner.One@Example.ORG ' }, narrative: 'Presented at the showcase.', evidence: [{ url: 'https://example.org/story', narrative: 'The story' }] });
    const res = await api().get(new URL(a.openBadgeId).pathname);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/ld+json');
    const doc = JSON.parse(res.text);
    expect(doc).toMatchObject({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: a.openBadgeId,
      badge: badge.openBadgeId,
      verification: { type: 'HostedBadge' },
      image: a.bakedPngUrl,
      narrative: 'Presented at the showcase.',
      evidence: [{ id: 'https://example.org/story', narrative: 'The story' }],
    });
    expect(doc.recipient.type).toBe('email');
    expect(doc.recipient.hashed).toBe(true);
    expect(doc.recipient.salt).toMatch(/^[0-9a-f]{32,}$/);
    expect(doc.recipient.identity).toBe(hashIdentity('learner.one@example.org', doc.recipient.salt));
    expect(doc.issuedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(doc.expires).toMatch(/Z$/);
    expect(Date.parse(doc.expires) - Date.parse(doc.issuedOn)).toBe(365 * 86_400_000);
    expect(res.text.toLowerCase()).not.toContain('learner.one');
    const page = await api().get(new URL(a.openBadgeId).pathname).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text.toLowerCase()).not.toContain('learner.one');
    expect(page.text).toContain('linkedin.com/profile/add');
    expect(page.text).toContain('og:image');
  });

  it('bakes a PNG whose single openbadges iTXt chunk right after IHDR deep-equals the hosted JSON', async () => {
    const a = await award({ recipient: { email: 'png@example.org' } });
    const hosted = JSON.parse((await api().get(new URL(a.openBadgeId).pathname)).text);
    const png = await api().get(new URL(a.bakedPngUrl).pathname).buffer(true).parse(binary);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-disposition']).toMatch(/^attachment/);
    const body = png.body as Buffer;
    const chunks = readPngChunks(body);
    expect(chunks[1]!.type).toBe('iTXt');
    expect(chunks.filter((c) => c.data.subarray(0, 11).toString('latin1') === 'openbadges\0')).toHaveLength(1);
    const baked = JSON.parse(extractPng(body)!);
    expect(baked).toEqual(hosted);
    expect(recipientMatches(baked.recipient, 'PNG@EXAMPLE.org')).toBe(true);
    expect(recipientMatches(baked.recipient, 'someone.else@example.org')).toBe(false);
  });

  it('bakes an SVG with one openbadges:assertion whose verify is the assertion id and whose JSON equals the hosted JSON', async () => {
    const a = await award({ recipient: { email: 'svg@example.org' } });
    expect(a.bakedSvgUrl).toBe(`${a.openBadgeId}/baked.svg`);
    const hosted = JSON.parse((await api().get(new URL(a.openBadgeId).pathname)).text);
    const res = await api().get(new URL(a.bakedSvgUrl!).pathname);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('image/svg+xml');
    const svg = res.text || (res.body as Buffer).toString();
    expect(svg).toContain('xmlns:openbadges="http://openbadges.org"');
    expect(svg.match(/<openbadges:assertion/g)).toHaveLength(1);
    const extracted = extractSvg(svg)!;
    expect(extracted.verify).toBe(a.openBadgeId);
    expect(JSON.parse(extracted.json!)).toEqual(hosted);
  });

  it('keeps hostile badge text inside one element and one chunk', async () => {
    const hostile = `]]></openbadges:assertion><script>alert(1)</script>"'\u0000 🎉 ${'x'.repeat(9_000)}`;
    const a = await award({ recipient: { email: 'hostile@example.org' }, narrative: hostile });
    const res = await api().get(new URL(a.bakedSvgUrl!).pathname);
    const svg = res.text || (res.body as Buffer).toString();
    expect(svg.match(/<openbadges:assertion/g)).toHaveLength(1);
    expect(svg).not.toContain('<script');
    expect(JSON.parse(extractSvg(svg)!.json!).narrative).toBe(hostile);
  });

  it('awards many recipients in one transaction, or none when one line is bad, naming that line', async () => {
    const before = tableCount(t.db, 'assertions');
    const recipients = Array.from({ length: 50 }, (_, i) => ({ email: i === 36 ? 'not an email' : `group${i}@example.org` }));
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipients });
    expect(res.status).toBe(422);
    expect(res.body.error.details.recipients).toContain('Line 37');
    expect(tableCount(t.db, 'assertions')).toBe(before);
    const ok = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipients: recipients.filter((_, i) => i !== 36) });
    expect(ok.status).toBe(201);
    expect(ok.body.items).toHaveLength(49);
    expect(tableCount(t.db, 'assertions')).toBe(before + 49);
  });

  it('refuses an issue date in the future and an expiry before the issue date', async () => {
    const future = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'f@example.org' }, issuedOn: '2999-01-01' });
    expect(future.status).toBe(422);
    expect(future.body.error.details.issuedOn).toBeTruthy();
    const backwards = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'f@example.org' }, issuedOn: '2024-05-01', expires: '2024-04-01' });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details.expires).toBeTruthy();
  });

  it('revokes: 410 with revoked true, listed in the revocation list, downloads refused, ETag changed', async () => {
    const a = await award({ recipient: { email: 'revoke@example.org' } });
    const path = new URL(a.openBadgeId).pathname;
    const before = await api().get(path);
    expect(before.status).toBe(200);
    const revoked = await auth(api().post(`/api/v1/assertions/${a.id}/revoke`)).send({ reason: 'Issued in error' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toBe(true);
    const after = await api().get(path);
    expect(after.status).toBe(410);
    expect(JSON.parse(after.text)).toEqual({ '@context': 'https://w3id.org/openbadges/v2', id: a.openBadgeId, revoked: true, revocationReason: 'Issued in error' });
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((await api().get(path).set('If-None-Match', before.headers.etag!)).status).toBe(410);
    const list = JSON.parse((await api().get(`/issuers/${issuer.id}/revocations`)).text);
    expect(list.type).toBe('RevocationList');
    expect(list.revokedAssertions).toContainEqual({ id: a.openBadgeId, revoked: true, revocationReason: 'Issued in error' });
    expect((await api().get(`${path}/baked.png`)).status).toBe(410);
    expect((await api().get(`${path}/baked.svg`)).status).toBe(410);
    const page = await api().get(path).set('Accept', 'text/html');
    expect(page.status).toBe(410);
    expect(page.text).toContain('revoked by its issuer');
  });

  it('requires a reason to revoke, and lets no one without a role revoke (404)', async () => {
    const a = await award({ recipient: { email: 'keep@example.org' } });
    expect((await auth(api().post(`/api/v1/assertions/${a.id}/revoke`)).send({ reason: '  ' })).status).toBe(422);
    const outsider = await signedUpAgent(t);
    const outsiderToken = await apiToken(t, outsider.email);
    const res = await api().post(`/api/v1/assertions/${a.id}/revoke`).set('Authorization', `Bearer ${outsiderToken}`).send({ reason: 'x' });
    expect(res.status).toBe(404);
    expect((await api().get(new URL(a.openBadgeId).pathname)).status).toBe(200);
  });

  it('locks name, criteria and image once awarded, but lets the description be corrected', async () => {
    const locked = await auth(api().patch(`/api/v1/badges/${badge.id}`)).send({ name: 'Renamed' });
    expect(locked.status).toBe(409);
    expect(locked.body.error.details.name).toBeTruthy();
    const fixed = await auth(api().patch(`/api/v1/badges/${badge.id}`)).send({ description: 'Corrected description.' });
    expect(fixed.status).toBe(200);
    expect(fixed.body.description).toBe('Corrected description.');
    expect((await auth(api().delete(`/api/v1/badges/${badge.id}`))).status).toBe(409);
  });

  it('awards through the form with a confirmation step for several recipients', async () => {
    const agent = owner.agent;
    let csrf = await csrfFrom(agent, `/manage/badges/${badge.id}/award`);
    const form = { _csrf: csrf, recipients: 'ana@example.org\nben@example.org, Ben\nbad-line', narrative: 'Well done' };
    const invalid = await agent.post(`/manage/badges/${badge.id}/award`).type('form').send(form);
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('Line 3');
    expect(invalid.text).toContain('ben@example.org, Ben');
    csrf = await csrfFrom(agent, `/manage/badges/${badge.id}/award`);
    const before = tableCount(t.db, 'assertions');
    const confirm = await agent.post(`/manage/badges/${badge.id}/award`).type('form').send({ ...form, _csrf: csrf, recipients: 'ana@example.org\nben@example.org, Ben' });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Confirm and award 2');
    expect(tableCount(t.db, 'assertions')).toBe(before);
    const done = await agent.post(`/manage/badges/${badge.id}/award`).type('form').send({ ...form, _csrf: csrf, recipients: 'ana@example.org\nben@example.org, Ben', confirmed: '1' });
    expect(done.status).toBe(303);
    expect(tableCount(t.db, 'assertions')).toBe(before + 2);
    const list = await agent.get(`/manage/badges/${badge.id}?q=ben`);
    expect(list.text).toContain('ben@example.org');
    expect(list.text).not.toContain('ana@example.org');
  });

  it('revokes a selection from the badge page, keeping the selection when the reason is missing', async () => {
    const a = await award({ recipient: { email: 'sel1@example.org' } });
    const b = await award({ recipient: { email: 'sel2@example.org' } });
    let csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}`);
    const missing = await owner.agent.post(`/manage/badges/${badge.id}/revoke`).type('form').send({ _csrf: csrf, ids: [a.id, b.id], reason: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('A reason is required.');
    expect(missing.text).toMatch(new RegExp(`value="${a.id}"[^>]*checked`));
    expect((await api().get(new URL(a.openBadgeId).pathname)).status).toBe(200);
    csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}`);
    const done = await owner.agent.post(`/manage/badges/${badge.id}/revoke`).type('form').send({ _csrf: csrf, ids: [a.id, b.id], reason: 'Wrong group' });
    expect(done.status).toBe(303);
    expect((await api().get(new URL(a.openBadgeId).pathname)).status).toBe(410);
    expect((await api().get(new URL(b.openBadgeId).pathname)).status).toBe(410);
  });
});
