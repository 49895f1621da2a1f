import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { reportFigure } from '../helpers/child-server.js';
import { loopbackClient, send, sessionCookie, visit, type Answer } from '../helpers/loopback-client.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** What a response says, without what legitimately differs per request: tokens, ids, dates and the address typed. */
function shape(a: Answer, typed: string): { status: number; headers: string[]; body: string } {
  // The rate limiter's reset time is a clock reading: it differs by the second a request falls in, not by the email.
  const varying = new Set(['date', 'etag', 'x-request-id', 'set-cookie', 'content-length', 'connection', 'keep-alive', 'x-ratelimit-reset']);
  return {
    status: a.status,
    headers: Object.keys(a.headers)
      .filter((h) => !varying.has(h))
      .sort()
      .map((h) => `${h}: ${String(a.headers[h])}`),
    body: a.body.replaceAll(typed, '{email}').replace(/name="_csrf" value="[^"]+"/g, ''),
  };
}

describe('accounts', () => {
  let t: TestKiln;
  let owner: { email: string; password: string };
  let clients = 0;
  const nextClient = () => loopbackClient(clients++);

  beforeAll(async () => {
    t = await startKiln({ TRUST_PROXY: '0' });
    const signedUp = await signedUpAgent(t, 'owner@accounts.example.org');
    owner = { email: signedUp.email, password: signedUp.password };
  });
  afterAll(() => t.close());

  it('answers 401 to 10 failed logins and 429 to the 11th from the same address, whatever X-Forwarded-For says, and only for that address', async () => {
    const from = nextClient();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const { cookie, csrf } = await visit(t, '/login', from);
      // A different email each time, so the per-account budget (issue 18) plays no part: this is the per-address limit.
      const res = await send(t, { path: '/login', from, cookie, headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` }, form: { _csrf: csrf, email: `guess${i}@nowhere.example.org`, password: `wrong ${i}` } });
      statuses.push(res.status);
    }
    const { cookie, csrf } = await visit(t, '/login', from);
    const rightPasswordNow = await send(t, { path: '/login', from, cookie, headers: { 'X-Forwarded-For': '203.0.113.7' }, form: { _csrf: csrf, email: owner.email, password: owner.password } });
    const elsewhere = nextClient();
    const other = await visit(t, '/login', elsewhere);
    const otherClient = await send(t, { path: '/login', from: elsewhere, cookie: other.cookie, form: { _csrf: other.csrf, email: owner.email, password: 'wrong again' } });

    reportFigure('login-rate-limit', { statuses, withRightPasswordAfter: rightPasswordNow.status, otherAddress: otherClient.status });
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(rightPasswordNow.status).toBe(429);
    expect(otherClient.status).toBe(401);
  });

  it('slows one account down when guesses come from many addresses (per-account back-off), the same for an unknown email', async () => {
    const run = async (email: string, password: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const from = nextClient();
        const { cookie, csrf } = await visit(t, '/login', from);
        statuses.push((await send(t, { path: '/login', from, cookie, form: { _csrf: csrf, email, password: i < 6 ? `wrong ${i}` : password } })).status);
      }
      return statuses;
    };
    const victim = await t.kiln.services.accounts.addUser({ email: 'victim@accounts.example.org', password: 'the right password', admin: false });
    const known = await run(victim.email, 'the right password');
    const unknown = await run('no-account@accounts.example.org', 'the right password');
    reportFigure('login-account-backoff', { addresses: 8, known, unknown, freeFailures: 5, firstWaitSeconds: 30, maxWaitMinutes: 15 });
    // Six failures from six addresses, then even the right password waits (429), from any new address.
    expect(known).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    expect(unknown).toEqual(known);
  });

  it('gives known and unknown emails the same login answer, in the same time (median difference under 10 ms over 50 trials)', async () => {
    // One failure per account, known or not, so each trial is a first failure within its per-account budget.
    const accounts: string[] = [];
    for (let i = 0; i < 53; i++) accounts.push((await t.kiln.services.accounts.addUser({ email: `timed${i}@accounts.example.org`, password: 'a long enough password', admin: false })).email);
    const trial = async (email: string) => {
      const from = nextClient();
      const { cookie, csrf } = await visit(t, '/login', from);
      return send(t, { path: '/login', from, cookie, form: { _csrf: csrf, email, password: 'not my password at all' } });
    };
    for (let i = 0; i < 3; i++) await trial(i % 2 ? accounts[50 + i]! : `warm${i}@nowhere.example.org`);
    const known: Answer[] = [];
    const unknown: Answer[] = [];
    for (let i = 0; i < 50; i++) {
      // Interleaved, in alternating order, so drift in machine load falls on both alike.
      if (i % 2) {
        known.push(await trial(accounts[i]!));
        unknown.push(await trial(`nobody${i}@nowhere.example.org`));
      } else {
        unknown.push(await trial(`nobody${i}@nowhere.example.org`));
        known.push(await trial(accounts[i]!));
      }
    }
    const difference = Math.abs(median(known.map((a) => a.ms)) - median(unknown.map((a) => a.ms)));
    reportFigure('login-timing', { trials: 50, knownMedianMs: +median(known.map((a) => a.ms)).toFixed(2), unknownMedianMs: +median(unknown.map((a) => a.ms)).toFixed(2), differenceMs: +difference.toFixed(2) });
    expect(known.every((a) => a.status === 401)).toBe(true);
    for (let i = 0; i < 50; i++) expect(shape(unknown[i]!, `nobody${i}@nowhere.example.org`)).toEqual(shape(known[i]!, accounts[i]!));
    expect(difference).toBeLessThan(10);
  }, 120_000);

  it('gives learners with and without awards the same sign-in-link answer, in the same time (median difference under 10 ms over 50 trials)', async () => {
    const token = await apiToken(t, owner.email);
    const { badge } = await givenBadge(t, token);
    const holders = Array.from({ length: 53 }, (_, i) => `holder${i}@learners.example.org`);
    const awarded = await fetch(`${t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipients: holders.map((email) => ({ email })) }),
    });
    expect(awarded.status).toBe(201);
    const trial = async (email: string) => {
      const from = nextClient();
      const { cookie, csrf } = await visit(t, '/learner', from);
      return send(t, { path: '/learner/sign-in', from, cookie, form: { _csrf: csrf, email } });
    };
    for (let i = 0; i < 3; i++) await trial(i % 2 ? holders[50 + i]! : `warm${i}@strangers.example.org`);
    const known: Answer[] = [];
    const unknown: Answer[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 2) {
        known.push(await trial(holders[i]!));
        unknown.push(await trial(`stranger${i}@strangers.example.org`));
      } else {
        unknown.push(await trial(`stranger${i}@strangers.example.org`));
        known.push(await trial(holders[i]!));
      }
    }
    const difference = Math.abs(median(known.map((a) => a.ms)) - median(unknown.map((a) => a.ms)));
    reportFigure('learner-link-timing', { trials: 50, knownMedianMs: +median(known.map((a) => a.ms)).toFixed(2), unknownMedianMs: +median(unknown.map((a) => a.ms)).toFixed(2), differenceMs: +difference.toFixed(2) });
    expect(known.every((a) => a.status === 200)).toBe(true);
    for (let i = 0; i < 50; i++) expect(shape(unknown[i]!, `stranger${i}@strangers.example.org`)).toEqual(shape(known[i]!, holders[i]!));
    expect(difference).toBeLessThan(10);
  }, 120_000);

  it('gives a new session id at login and at logout, and the old ones no longer sign anyone in', async () => {
    const from = nextClient();
    const before = await visit(t, '/login', from);
    const login = await send(t, { path: '/login', from, cookie: before.cookie, form: { _csrf: before.csrf, email: owner.email, password: owner.password } });
    expect(login.status).toBe(303);
    const signedIn = sessionCookie(login)!;
    expect(signedIn).toBeTruthy();
    expect(signedIn).not.toBe(before.cookie);
    expect((await send(t, { path: '/manage', from, cookie: signedIn })).status).toBe(200);
    expect((await send(t, { path: '/manage', from, cookie: before.cookie })).status).toBe(303);

    const page = await visit(t, '/manage', from, signedIn);
    const logout = await send(t, { path: '/logout', from, cookie: signedIn, form: { _csrf: page.csrf } });
    expect(logout.status).toBe(303);
    const after = sessionCookie(logout);
    expect(after).not.toBe(signedIn);
    const stale = await send(t, { path: '/manage', from, cookie: signedIn });
    expect(stale.status).toBe(303);
    expect(stale.headers.location).toMatch(/^\/login/);
  });

  it('gives a learner a new session id when a sign-in link is used and again at sign-out', async () => {
    const from = nextClient();
    const email = 'session-learner@learners.example.org';
    const start = await visit(t, '/learner', from);
    expect((await send(t, { path: '/learner/sign-in', from, cookie: start.cookie, form: { _csrf: start.csrf, email } })).status).toBe(200);
    const text = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get(email) as string;
    const linkPath = new URL(/(http[^\s)]+\/learner\/sign-in\/[\w-]+)/.exec(text)![1]!).pathname;
    const confirm = await visit(t, linkPath, from, start.cookie);
    const used = await send(t, { path: linkPath, from, cookie: confirm.cookie, form: { _csrf: confirm.csrf } });
    expect(used.status).toBe(303);
    const learnerSession = sessionCookie(used)!;
    expect(learnerSession).toBeTruthy();
    expect(learnerSession).not.toBe(confirm.cookie);
    expect((await send(t, { path: '/learner', from, cookie: confirm.cookie })).body).not.toContain('action="/learner/sign-out"');
    expect((await send(t, { path: '/learner', from, cookie: learnerSession })).body).toContain('action="/learner/sign-out"');
    const home = await visit(t, '/learner', from, learnerSession);
    const out = await send(t, { path: '/learner/sign-out', from, cookie: learnerSession, form: { _csrf: home.csrf } });
    expect(out.status).toBe(303);
    expect(sessionCookie(out)).not.toBe(learnerSession);
    expect((await send(t, { path: '/learner', from, cookie: learnerSession })).body).not.toContain('action="/learner/sign-out"');
  });

  it('sends people back only to pages of this site after login, whatever `next` says', async () => {
    const attempts = ['//evil.example', '/\\evil.example', 'https://evil.example', '/%2F%2Fevil.example', '/\t/evil.example', '\\\\evil.example', '/%5Cevil.example', 'javascript:alert(1)', ' //evil.example', '/\\/evil.example', 'http:/evil.example', '//evil.example/%2F..'];
    const origin = new URL(t.baseUrl).origin;
    const landed: string[] = [];
    for (const next of attempts) {
      for (const how of ['login page link', 'posted']) {
        const from = nextClient();
        // As a crafted link arrives (?next= on the login page, carried in its hidden field), or posted as it is.
        const page = await send(t, { path: `/login?next=${encodeURIComponent(next)}`, from });
        const hidden = /name="next" value="([^"]*)"/.exec(page.body)![1]!.replace(/&#34;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
        const value = how === 'posted' ? next : hidden;
        const res = await send(t, { path: '/login', from, cookie: sessionCookie(page)!, form: { _csrf: csrf, email: owner.email, password: owner.password, next: value } });
        expect(res.status).toBe(303);
        // Resolved as a browser resolves a Location header.
        const target = new URL(res.headers.location!, t.baseUrl);
        landed.push(`${JSON.stringify(value)} → ${res.headers.location}`);
        expect(target.origin, `${JSON.stringify(value)} sent to ${res.headers.location}`).toBe(origin);
      }
    }
    reportFigure('next-redirects', { attempts: attempts.length * 2, offSite: 0, landed });
  });
});
