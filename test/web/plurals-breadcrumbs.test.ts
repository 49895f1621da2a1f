import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf } from '../../src/web/plural.js';
import { apiToken, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

// Issue 19: plurals right ("1 badge", "2 awards"); breadcrumbs complete on issuer and badge pages.
describe('counts and breadcrumbs', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let issuer: { id: string; name: string };
  let badge: { id: string; name: string };

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  const award = (email: string) =>
    request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email } });

  it('agrees the word with the count', () => {
    expect(countOf(0, 'badge')).toBe('0 badges');
    expect(countOf(1, 'badge')).toBe('1 badge');
    expect(countOf(2, 'award')).toBe('2 awards');
    expect(countOf(1, 'person', 'people')).toBe('1 person');
    expect(countOf(12_000, 'person', 'people')).toBe('12,000 people');
  });

  it('says "1 award", then "2 awards, 1 revoked" on the badge page, never "award(s)"', async () => {
    const first = await award('one@example.org');
    let page = (await owner.agent.get(`/manage/badges/${badge.id}`)).text;
    expect(page).toContain('1 award ·');
    expect(page).not.toContain('award(s)');
    await award('two@example.org');
    const revoked = await request(t.server).post(`/api/v1/assertions/${first.body.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Mistake' });
    expect(revoked.status).toBe(200);
    page = (await owner.agent.get(`/manage/badges/${badge.id}`)).text;
    expect(page).toContain('2 awards, 1 revoked ·');
  });

  const crumbsOf = (html: string) => {
    const nav = /<nav class="breadcrumbs" aria-label="Breadcrumb">([\s\S]*?)<\/nav>/.exec(html)?.[1];
    if (!nav) return null;
    const links = [...nav.matchAll(/<a href="([^"]+)">([^<]*)<\/a>/g)].map(([, href, text]) => ({ href: href!, text: text! }));
    const current = /<span aria-current="page">([^<]*)<\/span>/.exec(nav)?.[1] ?? null;
    return { links, current };
  };

  it('gives every issuer and badge page a complete trail, each step a working link back up', async () => {
    const trails: Array<[string, string[], string]> = [
      ['/manage/issuers/new', ['Issuers'], 'New issuer'],
      [`/manage/issuers/${issuer.id}`, ['Issuers'], issuer.name],
      [`/manage/issuers/${issuer.id}/edit`, ['Issuers', issuer.name], 'Edit profile'],
      [`/manage/issuers/${issuer.id}/badges/new`, ['Issuers', issuer.name], 'New badge'],
      [`/manage/badges/${badge.id}`, ['Issuers', issuer.name], badge.name],
      [`/manage/badges/${badge.id}/edit`, ['Issuers', issuer.name, badge.name], 'Edit'],
      [`/manage/badges/${badge.id}/award`, ['Issuers', issuer.name, badge.name], 'Award'],
      [`/manage/badges/${badge.id}/award/bulk`, ['Issuers', issuer.name, badge.name], 'Award from CSV'],
    ];
    for (const [path, parents, current] of trails) {
      const res = await owner.agent.get(path);
      expect(res.status, path).toBe(200);
      const crumbs = crumbsOf(res.text);
      expect(crumbs, path).not.toBeNull();
      expect(crumbs!.links.map((l) => l.text), path).toEqual(parents);
      expect(crumbs!.current, path).toBe(current);
      for (const link of crumbs!.links) expect((await owner.agent.get(link.href)).status, `${path} → ${link.href}`).toBe(200);
    }
  });
});
