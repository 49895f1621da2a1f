import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

/** Counts every row in every table, so "changes nothing" is checked across the whole database. */
function snapshot(t: TestKiln): Record<string, number> {
  const tables = t.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sessions')").pluck().all() as string[];
  return Object.fromEntries(tables.map((name) => [name, (t.db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

describe('every route, enumerated from the route table', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    const award = await request(t.server)
      .post(`/api/v1/badges/${badge.id}/assertions`)
      .set('Authorization', `Bearer ${token}`)
      .send({ recipient: { email: 'learner@example.org' } });
    const user = t.kiln.services.accounts.findUserByEmail(owner.email)!;
    ids = { issuerId: issuer.id, badgeId: badge.id, assertionId: award.body.id, userId: user.id, tokenId: 'x' };
  });
  afterAll(() => t.close());

  const fill = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? 'x');
  const stateChanging = () => t.kiln.routes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

  it('has state-changing routes to check', () => {
    expect(stateChanging().length).toBeGreaterThan(20);
  });

  it('refuses every state-changing form route without a CSRF token (403, nothing changed)', async () => {
    const before = snapshot(t);
    for (const route of stateChanging().filter((r) => !r.path.startsWith('/api/'))) {
      const res = await owner.agent[route.method.toLowerCase() as 'post'](fill(route.path)).type('form').send({ name: 'x', reason: 'x' });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
    }
    expect(snapshot(t)).toEqual(before);
  });

  it('refuses every state-changing form route with a token from another session', async () => {
    const other = await signedUpAgent(t);
    const foreignToken = await csrfFrom(other.agent, '/account');
    const before = snapshot(t);
    for (const route of stateChanging().filter((r) => !r.path.startsWith('/api/'))) {
      const res = await owner.agent[route.method.toLowerCase() as 'post'](fill(route.path)).type('form').send({ _csrf: foreignToken, reason: 'x' });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
    }
    expect(snapshot(t)).toEqual(before);
  });

  it('refuses every state-changing route from another origin, even with a valid token', async () => {
    const csrf = await csrfFrom(owner.agent, '/account');
    const before = snapshot(t);
    for (const route of stateChanging()) {
      const res = await owner.agent[route.method.toLowerCase() as 'post'](fill(route.path))
        .set('Origin', 'https://evil.example')
        .type('form')
        .send({ _csrf: csrf, reason: 'x' });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      const site = await owner.agent[route.method.toLowerCase() as 'post'](fill(route.path))
        .set('Sec-Fetch-Site', 'cross-site')
        .type('form')
        .send({ _csrf: csrf, reason: 'x' });
      expect(site.status, `${route.method} ${route.path}`).toBe(403);
    }
    expect(snapshot(t)).toEqual(before);
  });

  it('answers 401 to every API route without a token', async () => {
    for (const route of t.kiln.routes.filter((r) => r.path.startsWith('/api/v1') && r.path !== '/api/v1/verify')) {
      const res = await request(t.server)[route.method.toLowerCase() as 'get'](fill(route.path)).send({});
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('sends anonymous visitors of every /manage and /account page to the login page', async () => {
    for (const route of t.kiln.routes.filter((r) => r.method === 'GET' && /^\/(manage|account|admin)/.test(r.path))) {
      const res = await request(t.server).get(fill(route.path));
      expect(res.status, route.path).toBe(303);
      expect(res.headers.location).toMatch(/^\/login\?next=/);
    }
  });

  it('sends a CSP without unsafe-inline and with base-uri none on every HTML page', async () => {
    for (const route of t.kiln.routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/'))) {
      const res = await owner.agent.get(fill(route.path)).set('Accept', 'text/html');
      if (!String(res.headers['content-type']).includes('text/html')) continue;
      const csp = String(res.headers['content-security-policy']);
      expect(csp, route.path).toContain("script-src 'self'");
      expect(csp, route.path).toContain("base-uri 'none'");
      expect(csp, route.path).not.toContain('unsafe-inline');
      expect(res.status, route.path).toBeLessThan(500);
    }
  });
});

describe('authorisation across issuers', () => {
  let t: TestKiln;
  let ids: Record<string, string>;
  let outsider: { agent: Agent; email: string };
  let outsiderToken: string;

  beforeAll(async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    const award = await request(t.server)
      .post(`/api/v1/badges/${badge.id}/assertions`)
      .set('Authorization', `Bearer ${token}`)
      .send({ recipient: { email: 'learner@example.org' } });
    outsider = await signedUpAgent(t);
    outsiderToken = await apiToken(t, outsider.email);
    await givenBadge(t, outsiderToken);
    ids = { issuerId: issuer.id, badgeId: badge.id, assertionId: award.body.id, userId: t.kiln.services.accounts.findUserByEmail(owner.email)!.id };
  });
  afterAll(() => t.close());

  const fill = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? 'x');

  it("gives a member of issuer B 404 for every one of issuer A's private pages and API objects, changing nothing", async () => {
    const before = snapshot(t);
    const withIds = t.kiln.routes.filter((r) => /:(issuerId|badgeId|assertionId)/.test(r.path) && /^\/(manage|api)/.test(r.path));
    expect(withIds.length).toBeGreaterThan(15);
    const csrf = await csrfFrom(outsider.agent, '/account');
    for (const route of withIds) {
      const method = route.method.toLowerCase() as 'get';
      const res = route.path.startsWith('/api/')
        ? await request(t.server)[method](fill(route.path)).set('Authorization', `Bearer ${outsiderToken}`).send({ name: 'x', reason: 'x' })
        : await outsider.agent[method](fill(route.path)).type('form').send({ _csrf: csrf, name: 'x', reason: 'x', role: 'owner', email: outsider.email });
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
    }
    expect(snapshot(t)).toEqual(before);
  });
});
