import zlib from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

/** A valid small PNG whose IHDR claims another size (CRC fixed), so the header lies without a huge file. */
async function lyingPng(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await pngImage(8, 8));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

describe('badge classes', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let issuerId: string;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    issuerId = (await givenBadge(t, token)).issuer.id;
  });
  afterAll(() => t.close());

  const create = (body: Record<string, unknown>) =>
    request(t.server).post(`/api/v1/issuers/${issuerId}/badges`).set('Authorization', `Bearer ${token}`).send(body);
  const valid = async () => ({
    name: 'Team Player',
    description: 'Worked well with others.',
    image: dataUri(await pngImage()),
    criteria: { narrative: 'Took part in a team project.' },
  });

  it.each([
    ['a non-image', () => dataUri(Buffer.from('hello, I am text'), 'image/png'), 'not a PNG, SVG, JPEG or WebP'],
    ['a truncated PNG', async () => dataUri((await pngImage(300, 300, '#123456')).subarray(0, 120)), 'damaged or incomplete'],
    ['a 20000×20000 PNG', async () => dataUri(await lyingPng(20000, 20000)), '4096'],
    ['an empty file', () => 'data:image/png;base64,', 'empty'],
  ])('refuses %s with a clear message within 2 s, writing nothing', async (_name, image, message) => {
    const before = tableCount(t.db, 'badge_classes');
    const started = performance.now();
    const res = await create({ ...(await valid()), image: await image() });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(422);
    expect(res.body.error.details.image).toContain(message);
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('sanitises an SVG with a script and an event handler, keeping it as image.svg', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)"><script>alert(2)</script><rect width="64" height="64" fill="#36c" onclick="alert(3)"/><a href="javascript:alert(4)"><circle r="5"/></a></svg>`;
    const res = await create({ ...(await valid()), image: dataUri(Buffer.from(svg), 'image/svg+xml') });
    expect(res.status).toBe(201);
    expect(res.body.imageSvg).toBe(`${res.body.openBadgeId}/image.svg`);
    const served = await request(t.server).get(`/badges/${res.body.id}/image.svg`).buffer(true);
    const text = served.text || (served.body as Buffer).toString();
    expect(served.headers['content-type']).toBe('image/svg+xml');
    expect(text).toContain('<rect');
    expect(text).not.toMatch(/script|onload|onclick|javascript:/i);
    const png = await request(t.server).get(`/badges/${res.body.id}/image`);
    expect(png.headers['content-type']).toBe('image/png');
  });

  it('answers 422 with a message per field, using the API property names', async () => {
    const res = await create({ name: '', description: '', image: dataUri(await pngImage()), criteria: { url: 'javascript:alert(1)' }, alignments: [{ targetName: 'X', targetUrl: 'ftp://x' }] });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details)).toEqual(expect.arrayContaining(['name', 'description', 'criteria.url', 'alignments.0.targetUrl']));
  });

  it('answers 400 to malformed JSON, 415 to a non-JSON body and 404 to an unknown issuer', async () => {
    const malformed = await request(t.server).post(`/api/v1/issuers/${issuerId}/badges`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const form = await request(t.server).post(`/api/v1/issuers/${issuerId}/badges`).set('Authorization', `Bearer ${token}`).type('form').send({ name: 'x' });
    expect(form.status).toBe(415);
    const unknown = await request(t.server).post('/api/v1/issuers/nope/badges').set('Authorization', `Bearer ${token}`).send(await valid());
    expect(unknown.status).toBe(404);
  });

  it('pages badge lists with limit and cursor', async () => {
    for (let i = 0; i < 3; i++) expect((await create({ ...(await valid()), name: `Paged ${i}` })).status).toBe(201);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(t.server)
        .get(`/api/v1/issuers/${issuerId}/badges?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const item of res.body.items) seen.add(item.id);
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(seen.size).toBe(tableCount(t.db, 'badge_classes'));
    const tooMany = await request(t.server).get(`/api/v1/issuers/${issuerId}/badges?limit=5000`).set('Authorization', `Bearer ${token}`);
    expect(tooMany.status).toBe(200);
    expect(tooMany.body.items.length).toBeLessThanOrEqual(500);
    const nonsense = await request(t.server).get(`/api/v1/issuers/${issuerId}/badges?limit=ten`).set('Authorization', `Bearer ${token}`);
    expect(nonsense.status).toBe(422);
    expect(nonsense.body.error.details.limit).toBeTruthy();
  });

  it('re-renders the badge form with every typed value and a message per field, writing nothing', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const before = tableCount(t.db, 'badge_classes');
    const res = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges`)
      .field('_csrf', csrf)
      .field('name', 'Kept <name>')
      .field('description', '')
      .field('criteriaNarrative', 'Kept criteria')
      .field('tags', 'one, two')
      .field('alignments[0][targetName]', 'Kept target')
      .field('alignments[0][targetUrl]', 'not a url')
      .attach('image', Buffer.from('not an image'), { filename: 'x.png', contentType: 'image/png' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Kept &lt;name&gt;"');
    expect(res.text).toContain('Kept criteria');
    expect(res.text).toContain('value="one, two"');
    expect(res.text).toContain('value="Kept target"');
    expect(res.text).toContain('Description is required.');
    expect(res.text).toContain('Target URL must be a full web address');
    expect(res.text).toContain('not a PNG, SVG, JPEG or WebP');
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('says beside the field that an image over 5 MB is too large, keeping the typed values', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const before = tableCount(t.db, 'badge_classes');
    const res = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges`)
      .field('_csrf', csrf)
      .field('name', 'Big picture')
      .field('description', 'Has a huge image')
      .field('criteriaNarrative', 'Anything')
      .attach('image', Buffer.alloc(6 * 1024 * 1024, 1), { filename: 'huge.png', contentType: 'image/png' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('too large: at most 5 MB');
    expect(res.text).toContain('value="Big picture"');
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('says beside the field that a chosen image file is empty, rather than ignoring it', async () => {
    const badgeId = (await create(await valid())).body.id as string;
    const csrf = await csrfFrom(owner.agent, `/manage/badges/${badgeId}/edit`);
    const before = JSON.stringify(t.db.prepare('SELECT * FROM badge_classes WHERE id = ?').get(badgeId));
    const res = await owner.agent
      .post(`/manage/badges/${badgeId}`)
      .field('_csrf', csrf)
      .field('name', 'Renamed with an empty file')
      .field('description', 'Still described')
      .field('criteriaNarrative', 'Anything')
      .attach('image', Buffer.alloc(0), { filename: 'empty.png', contentType: 'image/png' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('The file is empty.');
    expect(JSON.stringify(t.db.prepare('SELECT * FROM badge_classes WHERE id = ?').get(badgeId))).toBe(before);
  });

  it('creates through the form, then duplicates, archives and deletes', async () => {
    let csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const created = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges`)
      .field('_csrf', csrf)
      .field('name', 'Form badge')
      .field('description', 'Made in the form')
      .field('criteriaNarrative', 'Do the thing')
      .field('expiresAfterDays', '30')
      .attach('image', await pngImage(), { filename: 'badge.png', contentType: 'image/png' });
    expect(created.status).toBe(303);
    const badgeId = created.headers.location!.split('/').pop()!;
    csrf = await csrfFrom(owner.agent, `/manage/badges/${badgeId}`);
    const dup = await owner.agent.post(`/manage/badges/${badgeId}/duplicate`).type('form').send({ _csrf: csrf });
    expect(dup.status).toBe(303);
    expect(t.db.prepare("SELECT count(*) FROM badge_classes WHERE name = 'Form badge (copy)'").pluck().get()).toBe(1);
    const archived = await owner.agent.post(`/manage/badges/${badgeId}/archive`).type('form').send({ _csrf: csrf });
    expect(archived.status).toBe(303);
    const award = await request(t.server).post(`/api/v1/badges/${badgeId}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'a@example.org' } });
    expect(award.status).toBe(409);
    const removed = await owner.agent.post(`/manage/badges/${badgeId}/delete`).type('form').send({ _csrf: csrf });
    expect(removed.status).toBe(303);
    expect((await request(t.server).get(`/badges/${badgeId}`)).status).toBe(404);
  });

  it('deletes through the API, answering the badge as it was', async () => {
    const created = await create({ ...(await valid()), name: 'Short-lived' });
    const removed = await request(t.server).delete(`/api/v1/badges/${created.body.id}`).set('Authorization', `Bearer ${token}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: created.body.id, name: 'Short-lived' });
    expect((await request(t.server).get(`/api/v1/badges/${created.body.id}`).set('Authorization', `Bearer ${token}`)).status).toBe(404);
  });
});

describe('issuer members', () => {
  let t: TestKiln;
  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(() => t.close());

  it('adds an existing account, changes its role, removes it, and always keeps an owner', async () => {
    const owner = await signedUpAgent(t);
    const editor = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    let csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}`);
    const unknown = await owner.agent.post(`/manage/issuers/${issuer.id}/members`).type('form').send({ _csrf: csrf, email: 'nobody@example.org', role: 'editor' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('No Kiln account uses this email');
    expect(unknown.text).toContain('value="nobody@example.org"');
    expect((await owner.agent.post(`/manage/issuers/${issuer.id}/members`).type('form').send({ _csrf: csrf, email: editor.email, role: 'awarder' })).status).toBe(303);

    // An awarder can award but not edit the badge.
    const editorToken = await apiToken(t, editor.email);
    expect((await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${editorToken}`).send({ recipient: { email: 'l@example.org' } })).status).toBe(201);
    expect((await request(t.server).patch(`/api/v1/badges/${badge.id}`).set('Authorization', `Bearer ${editorToken}`).send({ description: 'x' })).status).toBe(403);

    const ownerId = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    const editorId = t.kiln.services.accounts.findUserByEmail(editor.email)!.id;
    csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}`);
    const demote = await owner.agent.post(`/manage/issuers/${issuer.id}/members/${ownerId}`).type('form').send({ _csrf: csrf, role: 'editor' });
    expect(demote.status).toBe(400);
    expect(demote.text).toContain('always keeps an owner');
    expect((await owner.agent.post(`/manage/issuers/${issuer.id}/members/${editorId}`).type('form').send({ _csrf: csrf, role: 'owner' })).status).toBe(303);
    expect((await owner.agent.post(`/manage/issuers/${issuer.id}/members/${ownerId}/remove`).type('form').send({ _csrf: csrf })).status).toBe(303);
    expect(t.kiln.services.issuers.members(issuer.id).map((m) => m.role)).toEqual(['owner']);
    expect((await owner.agent.get(`/manage/issuers/${issuer.id}`)).status).toBe(404);
  });
});
