import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, dataUri, pngImage, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

// Issue 19 "First run": an empty dashboard is a checklist to the first award, not lists nobody can act on yet.
describe('the dashboard’s first steps', () => {
  let t: TestKiln;
  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(() => t.close());

  const stepsOf = (html: string) => {
    const section = /<section class="card first-steps"[\s\S]*?<\/section>/.exec(html)?.[0] ?? null;
    if (!section) return null;
    return [...section.matchAll(/<li class="step([^"]*)">([\s\S]*?)<\/li>/g)].map(([, cls, body]) => ({
      done: cls!.includes('step-done'),
      href: /href="([^"]+)"/.exec(body!)?.[1] ?? null,
    }));
  };

  it('ticks off issuer, badge and award as they happen, each linked once it can be done, and goes away after the first award', async () => {
    const { agent, email } = await signedUpAgent(t);
    const api = request(t.server);
    const auth = { Authorization: `Bearer ${await apiToken(t, email)}` };

    let page = await agent.get('/manage');
    expect(page.status).toBe(200);
    expect(page.text).toContain('0 of 3 done');
    expect(stepsOf(page.text)).toEqual([
      { done: false, href: '/manage/issuers/new' },
      { done: false, href: null },
      { done: false, href: null },
    ]);
    // Nothing to review and no issuers yet: the review queue link is not offered.
    expect(page.text).not.toContain('/manage/reviews');

    const issuer = await api.post('/api/v1/issuers').set(auth).send({ name: 'Riverside', url: 'https://riverside.example.org', email: 'b@riverside.example.org' });
    page = await agent.get('/manage');
    expect(page.text).toContain('1 of 3 done');
    expect(stepsOf(page.text)).toEqual([
      { done: true, href: null },
      { done: false, href: `/manage/issuers/${issuer.body.id}/badges/new` },
      { done: false, href: null },
    ]);
    expect(page.text).toContain(`/manage/issuers/${issuer.body.id}`);

    const badge = await api
      .post(`/api/v1/issuers/${issuer.body.id}/badges`)
      .set(auth)
      .send({ name: 'Storyteller', description: 'Told a story.', image: dataUri(await pngImage()), criteria: { narrative: 'Tell one.' } });
    expect(badge.status).toBe(201);
    page = await agent.get('/manage');
    expect(stepsOf(page.text)).toEqual([
      { done: true, href: null },
      { done: true, href: null },
      { done: false, href: `/manage/badges/${badge.body.id}/award` },
    ]);

    const award = await api.post(`/api/v1/badges/${badge.body.id}/assertions`).set(auth).send({ recipient: { email: 'ada@example.org' } });
    expect(award.status).toBe(201);
    page = await agent.get('/manage');
    expect(stepsOf(page.text)).toBeNull();
  });

  it('counts only the user’s own issuers: another facilitator’s award does not tick anything off', async () => {
    const { agent } = await signedUpAgent(t);
    const page = await agent.get('/manage');
    expect(page.text).toContain('0 of 3 done');
  });
});
