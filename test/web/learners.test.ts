import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

describe('learner home with emailed sign-in links', () => {
  let t: TestKiln;
  let token: string;
  let offset = 0;
  let award: { id: string; openBadgeId: string };
  let other: { id: string };
  const api = () => request(t.server);

  beforeAll(async () => {
    t = await startKiln({}, () => new Date(Date.now() + offset));
    const owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    const { badge } = await givenBadge(t, token);
    const awardTo = async (email: string, name?: string) =>
      (await api().post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email, name } })).body;
    award = await awardTo('learner@example.org', 'Lee Learner');
    await awardTo('learner@example.org');
    other = await awardTo('someone-else@example.org');
  });
  afterAll(() => t.close());

  /** Asks for a link as a fresh browser would; returns the response and the link from the outbox. */
  async function askForLink(email: string, agent: Agent = request.agent(t.server)) {
    const csrf = await csrfFrom(agent, '/learner');
    const res = await agent.post('/learner/sign-in').type('form').send({ _csrf: csrf, email });
    const body = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY created_at DESC, rowid DESC").pluck().get(email.toLowerCase()) as string | undefined;
    const link = body ? /\((http[^)]+\/learner\/sign-in\/[\w-]+)\)/.exec(body)![1]! : null;
    return { res, link, agent };
  }

  const comparable = (res: request.Response) => ({
    status: res.status,
    type: res.headers['content-type'],
    body: res.text.replace(/name="_csrf" value="[^"]+"/g, ''),
    headers: Object.keys(res.headers).filter((h) => !['date', 'x-request-id', 'set-cookie', 'etag', 'content-length'].includes(h)).sort(),
  });

  it('answers a request for an unknown address exactly as for a known one', async () => {
    const known = await askForLink('learner@example.org');
    const unknown = await askForLink('nobody-here@example.org');
    expect(comparable(unknown.res)).toEqual(comparable(known.res));
    expect(known.res.text).toContain('Check your email.');
    // Both addresses get the same email: the link itself says nothing either.
    expect(known.link).not.toBeNull();
    expect(unknown.link).not.toBeNull();
    const bodies = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' ORDER BY rowid").pluck().all() as string[];
    expect(bodies.at(-1)!.replace(/sign-in\/[\w-]+/, '')).toBe(bodies.at(-2)!.replace(/sign-in\/[\w-]+/, ''));
  });

  it('signs in once with a link, shows only that address’s awards, and refuses the link a second time', async () => {
    const { link, agent } = await askForLink('Learner@Example.org');
    const path = new URL(link!).pathname;
    const page = await agent.get(path);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('same-origin');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const signedIn = await agent.post(path).type('form').send({ _csrf: csrf });
    expect(signedIn.status).toBe(303);
    const home = await agent.get('/learner');
    expect(home.text).toContain('Awarded to learner@example.org');
    expect(home.text.match(/\/learner\/awards\/[0-9a-f-]{36}\/certificate/g)).toHaveLength(2);
    expect(home.text).toContain(award.openBadgeId);
    expect(home.text).not.toContain(other.id);

    const again = request.agent(t.server);
    expect((await again.get(path)).status).toBe(410);
    const csrf2 = await csrfFrom(again, '/learner');
    expect((await again.post(path).type('form').send({ _csrf: csrf2 })).status).toBe(410);
  });

  it('refuses a link after 15 minutes', async () => {
    const { link, agent } = await askForLink('learner@example.org');
    const path = new URL(link!).pathname;
    const csrf = await csrfFrom(agent, '/learner');
    offset += 16 * 60_000;
    try {
      expect((await agent.get(path)).status).toBe(410);
      expect((await agent.post(path).type('form').send({ _csrf: csrf })).status).toBe(410);
      expect((await agent.get('/learner')).text).not.toContain('Awarded to');
    } finally {
      offset -= 16 * 60_000;
    }
  });

  it('builds a named collection with a public page, and keeps other people’s awards out of it', async () => {
    const { link, agent } = await askForLink('learner@example.org');
    const path = new URL(link!).pathname;
    await agent.post(path).type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec((await agent.get(path)).text)![1]! });
    let csrf = await csrfFrom(agent, '/learner');
    const empty = await agent.post('/learner/collections').type('form').send({ _csrf: csrf, name: '' });
    expect(empty.status).toBe(400);
    csrf = await csrfFrom(agent, '/learner');
    const created = await agent.post('/learner/collections').type('form').send({ _csrf: csrf, name: 'Employability passport' });
    expect(created.status).toBe(303);
    const editPath = created.headers.location!;
    csrf = await csrfFrom(agent, editPath);
    // Someone else's award is refused (404) and nothing is saved, rather than silently left out.
    const refused = await agent.post(editPath).type('form').send({ _csrf: csrf, name: 'Employability passport', description: 'For interviews', ids: [award.id, other.id] });
    expect(refused.status).toBe(404);
    expect(tableCount(t.db, 'collection_items')).toBe(0);
    csrf = await csrfFrom(agent, editPath);
    const saved = await agent.post(editPath).type('form').send({ _csrf: csrf, name: 'Employability passport', description: 'For interviews', ids: [award.id] });
    expect(saved.status).toBe(303);
    const collectionId = editPath.split('/').pop()!;
    const pub = await request(t.server).get(`/collections/${collectionId}`);
    expect(pub.status).toBe(200);
    expect(pub.text).toContain('Employability passport');
    expect(pub.text).toContain('For interviews');
    expect(pub.text).toContain(award.openBadgeId);
    // Each badge with its image and its status.
    expect(pub.text).toMatch(/<img src="[^"]*\/badges\/[^"]+\/image"[^>]*>/);
    expect(pub.text).toContain('<span class="status status-active">Valid</span>');
    expect(pub.text).not.toContain(other.id);
    expect(pub.text).not.toContain('learner@example.org');

    await api().post(`/api/v1/assertions/${award.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'test' });
    expect((await request(t.server).get(`/collections/${collectionId}`)).text).not.toContain(award.openBadgeId);

    // Someone else cannot edit it.
    const stranger = await askForLink('someone-else@example.org');
    const sPath = new URL(stranger.link!).pathname;
    await stranger.agent.post(sPath).type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec((await stranger.agent.get(sPath)).text)![1]! });
    expect((await stranger.agent.get(editPath)).status).toBe(404);
    expect(tableCount(t.db, 'collections')).toBe(1);
  });

  it('sends anonymous visitors of learner pages to the sign-in form', async () => {
    const res = await request(t.server).get(`/learner/awards/${award.id}/certificate`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/learner');
  });
});
