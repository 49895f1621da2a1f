import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, type Agent } from '../helpers/app.js';
import { COVERAGE, FOREIGN_BODIES, fillPath, foreignBodyProblems, paramsOf, routeKey, tableProblems, type Coverage, type OwnIds } from './helpers/route-table.js';
import { buildWorld, snapshot, type Ids, type World } from './helpers/world.js';

/*
 * Issue 9, point 2: every route, enumerated from the router itself (createApp(...).routes), against a world where
 * issuer A holds one of every kind of object. The table in helpers/route-table.ts says how each route is covered;
 * a route added without a line there fails the first test here.
 */

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';
type Route = { method: string; path: string };

const figures: Record<string, number> = {};

describe('every route of the router, against a world with one of every object', () => {
  let w: World;
  let routes: Route[];
  const cov = (r: Route): Coverage => COVERAGE[routeKey(r)]!;
  const isApi = (r: Route) => r.path.startsWith('/api/');
  const changing = (r: Route) => r.method !== 'GET' && r.method !== 'HEAD';
  const m = (r: Route) => r.method.toLowerCase() as Method;
  const pathA = (r: Route) => fillPath(r.path, cov(r), w.a);

  /** Form fields that would change something on any route, so a refusal is the only reason nothing changes. */
  const formBody = (csrf: string | undefined, email: string) => ({
    ...(csrf === undefined ? {} : { _csrf: csrf }),
    name: 'Changed name',
    description: 'Changed description',
    reason: 'A reason',
    comment: 'A comment',
    notes: 'Some notes',
    message: 'A message',
    role: 'owner',
    email,
    subject: 'A subject',
    body: 'A body',
    title: 'A title',
    action: 'revoke',
    all: '1',
    ids: [w.a.assertionId, w.a.claimId],
    hidden: '1',
    enabled: '1',
    template: 'publish',
    url: 'https://changed.example.org',
    recipients: 'someone-new@example.org',
    confirmed: '1',
    notify: '0',
    issuerId: w.a.issuerId,
    standardId: w.a.standardId,
    endorserIssuerId: w.a.endorserIssuerId,
    badges: w.a.badgeId,
    criteriaNarrative: 'Changed criteria',
    autoApprove: '1',
    wall: '1',
  });
  const jsonBody = () => ({
    name: 'Changed name',
    description: 'Changed',
    reason: 'A reason',
    comment: 'A comment',
    notes: 'Some notes',
    message: 'A message',
    email: 'someone-new@example.org',
    recipient: { email: 'someone-new@example.org' },
    issuerId: w.a.issuerId,
    standardId: w.a.standardId,
    endorserIssuerId: w.a.endorserIssuerId,
    badgeIds: [w.a.badgeId],
    rule: { type: 'all' },
    template: true,
  });

  beforeAll(async () => {
    w = await buildWorld();
    routes = w.t.kiln.routes;
  }, 120_000);
  afterAll(async () => {
    await w?.t.close();
    console.log(`[figure] routes: ${JSON.stringify(figures)}`);
  });

  it('has a line in the coverage table for every route, and a world object for every path parameter', () => {
    figures.routes = routes.length;
    expect(routes.length).toBeGreaterThan(150);
    expect(tableProblems(routes)).toEqual([]);
  });

  it('fails, naming what to add, when a route or a parameter is not covered (the check itself can fail)', () => {
    const problems = tableProblems([...routes, { method: 'POST', path: '/manage/widgets/:widgetId/frob' }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('New route POST /manage/widgets/:widgetId/frob is not covered');
    expect(problems[0]).toContain('test/hardening/helpers/route-table.ts');
    COVERAGE['GET /manage/issuers/:issuerId/gadgets/:gadgetId'] = { kind: 'issuer' };
    try {
      const params = tableProblems([...routes, { method: 'GET', path: '/manage/issuers/:issuerId/gadgets/:gadgetId' }]);
      expect(params).toEqual([expect.stringContaining('has a parameter :gadgetId that no world object fills. Add it to PARAMS')]);
    } finally {
      delete COVERAGE['GET /manage/issuers/:issuerId/gadgets/:gadgetId'];
    }
    expect(tableProblems(routes.filter((r) => r.path !== '/verify'))).toEqual([
      expect.stringContaining('COVERAGE lists GET /verify, which the router no longer has'),
      expect.stringContaining('COVERAGE lists POST /verify, which the router no longer has'),
    ]);
  });

  it('notices a changed value, not just a changed row count, when it compares snapshots', () => {
    const before = snapshot(w.t);
    w.t.db.prepare('UPDATE collections SET name = ? WHERE id = ?').run('Renamed', w.otherLearner.collectionId);
    try {
      expect(snapshot(w.t)).not.toEqual(before);
    } finally {
      w.t.db.prepare('UPDATE collections SET name = ? WHERE id = ?').run('Other collection', w.otherLearner.collectionId);
    }
    expect(snapshot(w.t)).toEqual(before);
  });

  describe('CSRF and cross-site requests', () => {
    /** The agent that could legitimately make the request: the learner for learner routes, A's owner (site admin) otherwise. */
    const agentFor = (r: Route): Agent => (cov(r).kind === 'learner' ? w.learner.agent : w.owner.agent);
    const csrfOf = (r: Route) => csrfFrom(agentFor(r), cov(r).kind === 'learner' ? '/learner' : '/account');

    it('refuses every state-changing form route without a CSRF token, or with another session’s token (403, nothing changed)', async () => {
      const forms = routes.filter((r) => changing(r) && !isApi(r));
      const foreign = await csrfFrom(w.memberB.agent, '/account');
      const before = snapshot(w.t);
      for (const route of forms) {
        const missing = await agentFor(route)[m(route)](pathA(route)).type('form').send(formBody(undefined, w.memberB.email));
        expect(missing.status, `no token: ${routeKey(route)}`).toBe(403);
        const stolen = await agentFor(route)[m(route)](pathA(route)).type('form').send(formBody(foreign, w.memberB.email));
        expect(stolen.status, `foreign token: ${routeKey(route)}`).toBe(403);
        const header = await agentFor(route)[m(route)](pathA(route)).set('X-CSRF-Token', foreign).type('form').send(formBody(undefined, w.memberB.email));
        expect(header.status, `foreign token header: ${routeKey(route)}`).toBe(403);
      }
      expect(snapshot(w.t)).toEqual(before);
      figures.csrfRoutes = forms.length;
    });

    it('refuses every state-changing route (forms and API) from another origin or a cross-site fetch, even with a valid token', async () => {
      const all = routes.filter(changing);
      const before = snapshot(w.t);
      for (const route of all) {
        const send = async (header: string, value: string) => {
          if (isApi(route)) {
            return request(w.t.server)[m(route)](pathA(route)).set(header, value).set('Authorization', `Bearer ${w.owner.token}`).send(jsonBody());
          }
          const csrf = await csrfOf(route);
          return agentFor(route)[m(route)](pathA(route)).set(header, value).type('form').send(formBody(csrf, w.memberB.email));
        };
        for (const [header, value] of [
          ['Origin', 'https://evil.example'],
          ['Origin', 'null'],
          ['Sec-Fetch-Site', 'cross-site'],
        ] as const) {
          const res = await send(header, value);
          expect(res.status, `${header}: ${value} on ${routeKey(route)}`).toBe(403);
          if (isApi(route)) expect(res.body.error.code).toBe('cross_origin');
        }
      }
      expect(snapshot(w.t)).toEqual(before);
      figures.crossSiteRoutes = all.length;
    });
  });

  describe('another issuer’s member', () => {
    const fillMixed = (r: Route): string | null => {
      // B's own first object (issuer, badge, session, pathway) with A's object in the second parameter.
      const names = paramsOf(r.path);
      if (names.length < 2) return null;
      const first = names[0]!;
      const key = cov(r).params?.[first] ?? (first as keyof Ids);
      const own = (w.b as Partial<Ids>)[key];
      if (!own) return null;
      return fillPath(r.path, cov(r), { ...w.a, [key]: own });
    };

    it("gets 404 for every issuer-scoped route with issuer A's ids, in pages and the API, changing nothing", async () => {
      const scoped = routes.filter((r) => cov(r).kind === 'issuer');
      const csrf = await csrfFrom(w.memberB.agent, '/account');
      const before = snapshot(w.t);
      let checks = 0;
      for (const route of scoped) {
        const paths = [pathA(route), fillMixed(route)].filter((p): p is string => p !== null);
        for (const path of paths) {
          const res = isApi(route)
            ? await request(w.t.server)[m(route)](path).set('Authorization', `Bearer ${w.memberB.token}`).send(jsonBody())
            : await w.memberB.agent[m(route)](path).type('form').send(formBody(csrf, w.memberB.email));
          expect(res.status, `${route.method} ${path} (${routeKey(route)})`).toBe(404);
          if (isApi(route)) expect(res.body.error.code).toBe('not_found');
          checks++;
        }
      }
      expect(snapshot(w.t)).toEqual(before);
      expect(scoped.length).toBeGreaterThan(90);
      figures.issuerScopedRoutes = scoped.length;
      figures.crossIssuerChecks = checks;
    });

    it("gets 404 when a body or query string names issuer A's objects on B's own routes, changing nothing", async () => {
      const csrf = await csrfFrom(w.memberB.agent, '/account');
      const before = snapshot(w.t);
      const b = w.b;
      const pages: Array<[string, string, Record<string, unknown>?]> = [
        ['get', `/manage/issuers/${b.issuerId}/badges/new?design=${w.a.designId}`],
        ['get', `/manage/issuers/${b.issuerId}/badges/new?fromCanvas=${w.a.canvasId}`],
        ['get', `/designer?template=${w.a.designId}`],
        ['post', '/designer', { issuerId: w.a.issuerId, title: 'Mine now', shape: 'circle', background: '#1d4ed8', border: '#facc15', icon: 'star' }],
        ['post', '/designer/preview', { designId: w.a.designId, title: 'Mine now', shape: 'circle', background: '#1d4ed8', border: '#facc15', icon: 'star' }],
        ['post', `/manage/issuers/${b.issuerId}/badges`, { designId: w.a.designId, name: 'Copied', description: 'Copied', criteriaNarrative: 'Copied' }],
      ];
      for (const [method, path, body] of pages) {
        const res = await w.memberB.agent[method as 'post'](path).set('Accept', 'text/html').type('form').send({ _csrf: csrf, ...body });
        expect(res.status, `${method.toUpperCase()} ${path}`).toBe(404);
      }
      const pathway = await request(w.t.server)
        .post('/api/v1/pathways')
        .set('Authorization', `Bearer ${w.memberB.token}`)
        .send({ issuerId: w.a.issuerId, name: 'Mine now', badgeIds: [b.badgeId], rule: { type: 'all' } });
      expect(pathway.status).toBe(404);
      // A canvas of B's cannot link A's design or badges: the form says so (400), nothing is stored.
      const canvas = await w.memberB.agent
        .post(`/manage/issuers/${b.issuerId}/canvases`)
        .type('form')
        .send({ _csrf: csrf, name: 'Mine', designId: w.a.designId, [`pathwayBadges[${w.a.badgeId}]`]: 'prerequisite' });
      expect(canvas.status).toBe(400);
      expect(snapshot(w.t)).toEqual(before);
    });

    it("answers 404, or 400/422 naming the field, on every write route whose body names another issuer's object, changing nothing", async () => {
      expect(foreignBodyProblems(routes)).toEqual([]);
      const own: OwnIds = { ...w.b, collectionId: w.otherLearner.collectionId };
      const csrfB = await csrfFrom(w.memberB.agent, '/account');
      const csrfLearner = await csrfFrom(w.otherLearner.agent, '/learner');
      const before = snapshot(w.t);
      let checks = 0;
      const named = routes.filter((r) => changing(r) && FOREIGN_BODIES[routeKey(r)]?.kind === 'names');
      for (const route of named) {
        const entry = FOREIGN_BODIES[routeKey(route)] as Extract<(typeof FOREIGN_BODIES)[string], { kind: 'names' }>;
        // On B's own objects (or the other learner's own collection): the only foreign thing is in the body.
        const path = fillPath(route.path, cov(route), own);
        for (const body of entry.bodies(w.a, own)) {
          const what = `${routeKey(route)} with ${JSON.stringify(body)}`;
          if (isApi(route)) {
            const res = await request(w.t.server)[m(route)](path).set('Authorization', `Bearer ${w.memberB.token}`).send(body);
            expect([404, 422], `${what}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
            // A 422 must be about the foreign id, not some other field the body lacked.
            const idFields = Object.keys(body).filter((k) => /Id$|Ids$/.test(k));
            if (res.status === 422) expect(Object.keys(res.body.error.details).some((k) => idFields.some((f) => k.startsWith(f))), what).toBe(true);
          } else {
            const agent = entry.as === 'otherLearner' ? w.otherLearner.agent : w.memberB.agent;
            const res = await agent[m(route)](path).set('Accept', 'text/html').type('form').send({ _csrf: entry.as ? csrfLearner : csrfB, ...body });
            expect([400, 404], `${what}: ${res.status}`).toContain(res.status);
          }
          checks++;
        }
      }
      expect(snapshot(w.t)).toEqual(before);
      expect(named.length).toBeGreaterThanOrEqual(14);
      figures.foreignBodyRoutes = named.length;
      figures.foreignBodyChecks = checks;
      figures.writeRoutesDeclared = routes.filter(changing).length;
    });

    it('gets 404 for another user’s API token, and 403 on every site-admin route, changing nothing', async () => {
      const csrf = await csrfFrom(w.memberB.agent, '/account');
      const before = snapshot(w.t);
      const revoke = await w.memberB.agent.post(`/account/tokens/${w.a.tokenId}/revoke`).type('form').send({ _csrf: csrf });
      expect(revoke.status).toBe(404);
      const adminRoutes = routes.filter((r) => cov(r).kind === 'admin');
      for (const route of adminRoutes) {
        const res = isApi(route)
          ? await request(w.t.server)[m(route)](pathA(route)).set('Authorization', `Bearer ${w.memberB.token}`).send(jsonBody())
          : await w.memberB.agent[m(route)](pathA(route)).type('form').send(formBody(csrf, w.memberB.email));
        expect(res.status, routeKey(route)).toBe(403);
      }
      expect(snapshot(w.t)).toEqual(before);
      figures.adminRoutes = adminRoutes.length;
    });

    it('as another learner, gets 404 for this learner’s collections and certificates, changing nothing', async () => {
      const csrf = await csrfFrom(w.otherLearner.agent, '/learner');
      const before = snapshot(w.t);
      const scoped = routes.filter((r) => cov(r).kind === 'learner' && paramsOf(r.path).length > 0);
      for (const route of scoped) {
        const res = await w.otherLearner.agent[m(route)](pathA(route)).type('form').send({ _csrf: csrf, name: 'Taken', ids: [w.a.learnerAssertionId] });
        expect(res.status, routeKey(route)).toBe(404);
      }
      expect(snapshot(w.t)).toEqual(before);
      // Their own collection cannot take in someone else's award either: refused (404), not silently skipped.
      const own = await w.otherLearner.agent
        .post(`/learner/collections/${w.otherLearner.collectionId}`)
        .type('form')
        .send({ _csrf: csrf, name: 'Mine', ids: [w.a.learnerAssertionId] });
      expect(own.status).toBe(404);
      const items = w.t.db.prepare('SELECT assertion_id FROM collection_items WHERE collection_id = ?').pluck().all(w.otherLearner.collectionId);
      expect(items).toEqual([]);
      figures.learnerScopedRoutes = scoped.length;
    });
  });

  describe('anonymous visitors', () => {
    it('are sent to the login page (pages), get 401 (API and forms), or the learner sign-in (learner pages), changing nothing', async () => {
      const anonymous = request.agent(w.t.server);
      const csrf = await csrfFrom(anonymous, '/login');
      const before = snapshot(w.t);
      const guarded = routes.filter((r) => cov(r).kind !== 'public');
      for (const route of guarded) {
        const path = pathA(route);
        const what = `${routeKey(route)} (${path})`;
        if (isApi(route)) {
          const res = await request(w.t.server)[m(route)](path).send(jsonBody());
          expect(res.status, what).toBe(401);
          expect(res.body.error.code, what).toBe('unauthorized');
        } else if (route.method === 'GET') {
          const res = await anonymous.get(path);
          expect(res.status, what).toBe(303);
          if (cov(route).kind === 'learner') expect(res.headers.location, what).toBe('/learner');
          else expect(res.headers.location, what).toBe(`/login?next=${encodeURIComponent(path)}`);
        } else {
          // With a valid CSRF token of an anonymous session, so the refusal is the missing sign-in.
          const res = await anonymous[m(route)](path).type('form').send(formBody(csrf, 'anyone@example.org'));
          expect(res.status, what).toBe(401);
        }
      }
      expect(snapshot(w.t)).toEqual(before);
      figures.guardedRoutes = guarded.length;
    });

    it('can open every public GET route with the world’s ids (no login redirect, no 401, no server error)', async () => {
      const publicGets = routes.filter((r) => cov(r).kind === 'public' && r.method === 'GET');
      for (const route of publicGets) {
        const path = pathA(route);
        for (const accept of ['text/html', 'application/json']) {
          const res = await request(w.t.server).get(path).set('Accept', accept);
          expect(res.status, `${path} as ${accept}`).toBeLessThan(400);
          expect(res.headers.location ?? '', path).not.toMatch(/login/);
        }
      }
      figures.publicRoutes = routes.filter((r) => cov(r).kind === 'public').length;
    });
  });
});
