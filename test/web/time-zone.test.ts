import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, startKiln, type TestKiln } from '../helpers/app.js';

describe("a facilitator's time zone", () => {
  let t: TestKiln;
  let messageId: string;
  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(async () => t?.close());

  const zoneOf = async (email: string) =>
    (await t.db
      .prepare('SELECT p.time_zone FROM user_preferences p JOIN users u ON u.id = p.user_id WHERE u.email = ?')
      .pluck()
      .get(email)) as string | undefined;
  const chosenOption = (html: string) => /<option value="([^"]*)" selected>/.exec(html)?.[1];

  it("is taken from the browser at sign-up, and times on the admin's pages are written in it", async () => {
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/signup');
    const signup = await agent.post('/signup').type('form').send({ _csrf: csrf, email: 'zone@example.org', password: 'correct horse battery', timeZone: 'America/New_York' });
    expect(signup.status).toBe(303);
    expect(await zoneOf('zone@example.org')).toBe('America/New_York');

    const token = await apiToken(t, 'zone@example.org');
    const { badge } = await givenBadge(t, token);
    const award = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'learner@example.org' }, notify: true });
    expect(award.status).toBe(201);
    const queuedAt = (await t.db.prepare('SELECT created_at FROM outbox ORDER BY rowid DESC').get()) as { created_at: string };
    messageId = ((await t.db.prepare('SELECT id FROM outbox ORDER BY rowid DESC').get()) as { id: string }).id;

    const page = await agent.get(`/admin/outbox/${messageId}`);
    expect(page.status).toBe(200);
    const expected = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'America/New_York' }).format(new Date(queuedAt.created_at));
    expect(page.text).toMatch(new RegExp(`Queued</dt><dd><time datetime="[^"]+">\\d{1,2} \\w{3} 20\\d\\d, ${expected} GMT-[45]</time>`));
    expect(page.text).not.toMatch(/Queued<\/dt><dd><time[^>]*>[^<]*UTC</);
    expect(chosenOption((await agent.get('/account')).text)).toBe('America/New_York');
  });

  it("keeps a chosen zone when the account signs in from a browser elsewhere; pages of anonymous visitors stay in UTC", async () => {
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/login');
    const login = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'zone@example.org', password: 'correct horse battery', timeZone: 'Asia/Tokyo' });
    expect(login.status).toBe(303);
    expect(await zoneOf('zone@example.org')).toBe('America/New_York');
    const home = await request(t.server).get('/');
    expect(home.text).not.toContain('GMT-5');
  });

  it('is chosen on the account page; an unknown or huge value is refused with the choice kept and nothing stored', async () => {
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/login');
    await agent.post('/login').type('form').send({ _csrf: csrf, email: 'zone@example.org', password: 'correct horse battery' });

    // Within the form body limit: refused by the list. A megabyte is refused by the body limit before it.
    const huge = await agent.post('/account/time-zone').type('form').send({ _csrf: await csrfFrom(agent, '/account'), timeZone: 'x'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    for (const bad of ['Mars/Olympus_Mons', 'Europe/'.repeat(5000)]) {
      const started = performance.now();
      const res = await agent.post('/account/time-zone').type('form').send({ _csrf: await csrfFrom(agent, '/account'), timeZone: bad });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.text).toContain('Choose a time zone from the list.');
      expect(res.text).toContain('aria-invalid="true"');
      expect(await zoneOf('zone@example.org')).toBe('America/New_York');
    }

    const saved = await agent.post('/account/time-zone').type('form').send({ _csrf: await csrfFrom(agent, '/account'), timeZone: 'Asia/Kolkata' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/account?saved=time-zone');
    const account = await agent.get(saved.headers.location!);
    // Browsers send the newer name; the list (ICU's) spells it the older way, and the choice is stored as listed.
    expect(account.text).toContain('Saved. Times are now shown in Asia/Calcutta.');
    expect(chosenOption(account.text)).toBe('Asia/Calcutta');
    expect((await agent.get(`/admin/outbox/${messageId}`)).text).toMatch(/Queued<\/dt><dd><time[^>]*>[^<]*GMT\+5:30</);

    // Cleared: back to UTC, written as such.
    await agent.post('/account/time-zone').type('form').send({ _csrf: await csrfFrom(agent, '/account'), timeZone: '' });
    expect(await zoneOf('zone@example.org')).toBeNull();
    expect((await agent.get(`/admin/outbox/${messageId}`)).text).toMatch(/Queued<\/dt><dd><time[^>]*>[^<]*\d\d:\d\d UTC</);
  });

  it('needs a signed-in account and a CSRF token', async () => {
    const anonymous = await request(t.server).post('/account/time-zone').type('form').send({ timeZone: 'Europe/London' });
    expect([302, 303, 403]).toContain(anonymous.status);
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/login');
    await agent.post('/login').type('form').send({ _csrf: csrf, email: 'zone@example.org', password: 'correct horse battery' });
    const forged = await agent.post('/account/time-zone').type('form').send({ timeZone: 'Europe/London' });
    expect(forged.status).toBe(403);
    expect(await zoneOf('zone@example.org')).toBeNull();
  });
});
