import crypto from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/json-depth.js';
import { reportFigure } from '../helpers/child-server.js';
import { apiToken, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

/**
 * Issue 18, item 6: deeply nested JSON used to reach code that recurses (JSON.stringify of the verifier's
 * `assertion` object answered 500). Nesting is bounded at MAX_JSON_DEPTH while the body is read, on every JSON body
 * of the API, and in the verifier's own JSON reading (pasted text, uploaded files, fetched documents): the answer is
 * a 4xx with the API's error shape (or, from the verifier, an "unverifiable" report), never a 5xx.
 */

const MB = 1 << 20;

const deepArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const BODIES: Record<string, string> = {
  '1 MB of [': '['.repeat(MB),
  '{"a": repeated to 1 MB': '{"a":'.repeat(MB / 5),
  'closed arrays, 1 MB': deepArrays(MB / 2),
  'closed objects, 1 MB': deepObjects(MB / 6),
  // JSON.stringify of this `assertion` overflowed the stack: the verifier answered 500.
  'verifier assertion object, 1 MB deep': `{"assertion":${deepObjects(MB / 6)}}`,
  'a field nested 200 deep': `{"name":${deepArrays(200)},"url":"https://example.org","email":"a@example.org"}`,
};

describe('JSON nesting is bounded on every JSON body', () => {
  let t: TestKiln;
  let token: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startKiln({ TRUST_PROXY: '1' });
    const { email } = await signedUpAgent(t);
    token = await apiToken(t, email);
    const { issuer, badge } = await givenBadge(t, token);
    ids = { issuerId: issuer.id, badgeId: badge.id };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers 4xx with the JSON error shape for deep nesting on every state-changing API route, never 5xx', async () => {
    const routes = t.kiln.routes.filter((r) => r.path.startsWith('/api/') && ['POST', 'PATCH', 'PUT'].includes(r.method));
    expect(routes.length).toBeGreaterThan(20);
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    let deepRefusals = 0;
    let maxAnswerMs = 0;
    let client = 0;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? crypto.randomUUID());
      for (const [name, body] of Object.entries(BODIES)) {
        const started = performance.now();
        const res = await request(t.server)
          [route.method.toLowerCase() as 'post' | 'patch' | 'put'](path)
          .set('Authorization', `Bearer ${token}`)
          .set('X-Forwarded-For', `203.0.113.${++client % 250}`)
          .set('Content-Type', 'application/json')
          .send(body);
        maxAnswerMs = Math.max(maxAnswerMs, performance.now() - started);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const where = `${route.method} ${route.path} ← ${name}`;
        if (res.status < 400 || res.status >= 500) problems.push(`${where}: ${res.status}`);
        else if (typeof res.body?.error?.code !== 'string' || typeof res.body.error.message !== 'string') problems.push(`${where}: no JSON error`);
        if (res.body?.error?.code === 'json_too_deep') deepRefusals++;
      }
    }
    loop.disable();
    expect(problems.slice(0, 20), `${problems.length} answers were not 4xx JSON errors`).toEqual([]);
    // Every body small enough for its endpoint's limit is refused for its nesting (the rest as too large, 413).
    expect(deepRefusals + (statuses[413] ?? 0)).toBe(routes.length * Object.keys(BODIES).length);
    expect(deepRefusals).toBeGreaterThanOrEqual(routes.length * 2);
    reportFigure('json-nesting', {
      maxDepth: MAX_JSON_DEPTH,
      routes: routes.length,
      bodies: Object.keys(BODIES).length,
      answers: routes.length * Object.keys(BODIES).length,
      refusedTooDeep400: deepRefusals,
      refusedTooLarge413: statuses[413] ?? 0,
      status5xx: Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0),
      maxAnswerMs: Math.round(maxAnswerMs),
      loopDelayMaxMs: Math.round(loop.max / 1e6),
    });
    expect(loop.max / 1e6).toBeLessThan(500);
  }, 300_000);

  it('accepts nesting up to the bound and refuses one level more', async () => {
    // The body object, the assertion object, then arrays: MAX_JSON_DEPTH levels in all, then one more.
    const nested = (depth: number) => `{"assertion":{"a":${deepArrays(depth - 2)}}}`;
    const within = await request(t.server)
      .post('/api/v1/verify')
      .set('X-Forwarded-For', '198.51.100.200')
      .set('Content-Type', 'application/json')
      .send(nested(MAX_JSON_DEPTH));
    expect(within.status).toBe(200);
    expect(within.body.verdict).toBe('unverifiable');
    const beyond = await request(t.server)
      .post('/api/v1/verify')
      .set('X-Forwarded-For', '198.51.100.201')
      .set('Content-Type', 'application/json')
      .send(nested(MAX_JSON_DEPTH + 1));
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toMatchObject({ code: 'json_too_deep', message: expect.stringContaining('128') });
  });

  it('reports deep JSON given to the verifier as text or as a file as damaged badge data, not as an error', async () => {
    const deep = deepObjects(MB / 6);
    const pasted = await request(t.server).post('/api/v1/verify').set('X-Forwarded-For', '198.51.100.202').send({ assertion: deep });
    const uploaded = await request(t.server)
      .post('/api/v1/verify')
      .set('X-Forwarded-For', '198.51.100.203')
      .attach('file', Buffer.from(deep), { filename: 'badge.json', contentType: 'application/json' });
    for (const res of [pasted, uploaded]) {
      expect(res.status).toBe(200);
      expect(res.body.verdict).toBe('unverifiable');
      expect(res.body.checks).toContainEqual(expect.objectContaining({ id: 'badge-data', outcome: 'fail' }));
    }
  });

  it('sizes each body limit to the endpoint: a 300 KB body is too large for a pathway, not for a badge image', async () => {
    const padding = 'x'.repeat(300 * 1024);
    const pathway = await request(t.server).post('/api/v1/pathways').set('Authorization', `Bearer ${token}`).send({ name: padding });
    expect(pathway.status).toBe(413);
    expect(pathway.body.error.code).toBe('too_large');
    const badge = await request(t.server).patch(`/api/v1/badges/${ids.badgeId}`).set('Authorization', `Bearer ${token}`).send({ description: padding });
    expect(badge.status).toBe(422);
  });
});
