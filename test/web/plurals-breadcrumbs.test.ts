import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf } from '../../src/web/plural.js';
import { apiToken, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

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
    expect(page).toContain('<p class="muted">1 award</p>');
    expect(page).not.toContain('award(s)');
    await award('two@example.org');
    const revoked = await request(t.server).post(`/api/v1/assertions/${first.body.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Mistake' });
    expect(revoked.status).toBe(200);
    page = (await owner.agent.get(`/manage/badges/${badge.id}`)).text;
    expect(page).toContain('<p class="muted">2 awards, 1 revoked</p>');
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

  it('counts badges, awards and members on the issuer page: "1 badge · 0 awards · 1 member", then "2 badges · 2 awards, 1 revoked"', async () => {
    const own = await givenBadge(t, token);
    const summary = async () => /<p class="muted summary-line">([^<]*)<\/p>/.exec((await owner.agent.get(`/manage/issuers/${own.issuer.id}`)).text)?.[1];
    expect(await summary()).toBe('1 badge · 0 awards · 1 member');
    const second = await request(t.server).post(`/api/v1/issuers/${own.issuer.id}/badges`).set('Authorization', `Bearer ${token}`)
      .send({ name: 'Second badge', description: 'Another one.', image: dataUri(await pngImage()), criteria: { narrative: 'Do it.' } });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const awards = await Promise.all(['a@example.org', 'b@example.org'].map((email) =>
      request(t.server).post(`/api/v1/badges/${own.badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email } })));
    await request(t.server).post(`/api/v1/assertions/${awards[0]!.body.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Mistake' });
    expect(await summary()).toBe('2 badges · 2 awards, 1 revoked · 1 member');
  });

  /** The main content's primary buttons (class exactly "button") and its group headings, in order. */
  const layoutOf = (html: string) => {
    const main = html.slice(html.indexOf('<main'));
    return {
      primaries: [...main.matchAll(/<(?:a|button) class="button"[^>]*>([^<]*)</g)].map(([, text]) => text),
      groups: [...main.matchAll(/<h2 id="group-[\w-]+">([^<]*)<\/h2>/g)].map(([, text]) => text),
    };
  };

  it('gives the issuer page one primary action, "New badge", and the rest in labelled groups, keeping every link', async () => {
    const own = await givenBadge(t, token);
    const html = (await owner.agent.get(`/manage/issuers/${own.issuer.id}`)).text;
    expect(layoutOf(html)).toEqual({ primaries: ['New badge'], groups: ['Awarding', 'Designing', 'Endorsements', 'Settings', 'Sharing'] });
    for (const tail of ['badges/new', 'edit', 'certificate', 'awards', 'sessions', 'designs', 'canvases', 'pathways', 'agreements', 'reviews']) {
      const href = `/manage/issuers/${own.issuer.id}/${tail}`;
      expect(html, href).toContain(`href="${href}"`);
      expect((await owner.agent.get(href)).status, href).toBe(200);
    }
    expect(html).toContain(`href="${own.issuer.openBadgeId}">Public page</a>`);
  });

  it('gives the badge page one primary action, "Award this badge", with the danger zone last and each destructive action asking first', async () => {
    const own = await givenBadge(t, token);
    const path = `/manage/badges/${own.badge.id}`;
    let html = (await owner.agent.get(path)).text;
    expect(layoutOf(html)).toEqual({ primaries: ['Award this badge'], groups: ['Awarding', 'Settings', 'Sharing', 'Danger zone'] });
    for (const tail of ['award', 'award/bulk', 'sessions/new', 'edit', 'email', 'quality']) expect((await owner.agent.get(`${path}/${tail}`)).status, tail).toBe(200);
    const danger = html.slice(html.indexOf('id="group-danger"'), html.indexOf('<section aria-labelledby="awards-h">'));
    expect(danger).toMatch(/action="[^"]*\/archive" class="inline-form" data-confirm="Archive this badge\?/);
    expect(danger).toMatch(/action="[^"]*\/delete" class="inline-form" data-confirm="Delete this badge\? This cannot be undone\."/);
    expect(html.slice(0, html.indexOf('id="group-danger"'))).not.toMatch(/\/(archive|delete)"/);

    // Archived, the primary action is to bring it back, and awarding is gone.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await owner.agent.post(`${path}/archive`).type('form').send({ _csrf: csrf })).status).toBe(303);
    html = (await owner.agent.get(path)).text;
    expect(layoutOf(html)).toEqual({ primaries: ['Unarchive'], groups: ['Settings', 'Sharing', 'Danger zone'] });
    expect(html).not.toContain(`href="${path}/award"`);
  });
});
