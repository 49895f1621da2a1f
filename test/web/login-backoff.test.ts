import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_FREE_FAILURES, loginWaitMs } from '../../src/services/accounts.js';
import { csrfFrom, signedUpAgent, startKiln, uniqueEmail, type Agent, type TestKiln } from '../helpers/app.js';

/*
 * Issue 18, item 11: a per-account failure budget with back-off, besides the per-address limit. An attacker spreading
 * guesses over many addresses (each under the address limit) is slowed per account; unknown emails get the same
 * answers; the owner's own browser is never locked out, and everyone else only waits (never a permanent lock).
 */
describe('login back-off per account', () => {
  let t: TestKiln;
  let offset = 0;
  let ip = 0;
  const PASSWORD = 'correct horse battery';

  /** One login from a fresh browser at a new client address (TRUST_PROXY=1), as a distributed guesser would. */
  async function attempt(email: string, password: string, agent: Agent = request.agent(t.server)) {
    const address = `198.51.100.${++ip % 250}`;
    const csrf = await csrfFrom(agent, '/login');
    return agent.post('/login').set('X-Forwarded-For', address).type('form').send({ _csrf: csrf, email, password });
  }
  /** The page without what legitimately differs (the email typed, the CSRF token). */
  const page = (text: string, email: string) => text.replaceAll(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');

  beforeAll(async () => {
    t = await startKiln({ TRUST_PROXY: '1' }, () => new Date(Date.now() + offset));
  });
  afterAll(() => t.close());

  it('waits after the free failures, with the same answers for an unknown email, and lets the right password in once the wait is over', async () => {
    const alice = await signedUpAgent(t, uniqueEmail('alice'));
    const nobody = uniqueEmail('nobody');
    for (const email of [alice.email, nobody]) {
      for (let i = 0; i < LOGIN_FREE_FAILURES; i++) expect((await attempt(email, 'wrong password')).status, `${email} #${i + 1}`).toBe(401);
    }
    // The failure past the budget is answered as any other; it is the next attempt that waits.
    const lastKnown = await attempt(alice.email, 'wrong password');
    const lastUnknown = await attempt(nobody, 'wrong password');
    expect([lastKnown.status, lastUnknown.status]).toEqual([401, 401]);
    const waitingKnown = await attempt(alice.email, PASSWORD);
    const waitingUnknown = await attempt(nobody, PASSWORD);
    expect(waitingKnown.status).toBe(429);
    expect(waitingUnknown.status).toBe(429);
    expect(Number(waitingKnown.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(waitingKnown.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(waitingUnknown.headers['retry-after']).toBe(waitingKnown.headers['retry-after']);
    expect(page(waitingKnown.text, alice.email)).toBe(page(waitingUnknown.text, nobody));
    expect(waitingKnown.text).toContain('Too many failed sign-ins for this account');
    expect(page(lastKnown.text, alice.email)).toBe(page(lastUnknown.text, nobody));

    offset += 31_000;
    const after = await attempt(alice.email, PASSWORD);
    expect(after.status).toBe(303);
    // Success forgets the failures: a new wrong password is just wrong again.
    expect((await attempt(alice.email, 'wrong password')).status).toBe(401);
    expect((await attempt(alice.email, PASSWORD)).status).toBe(303);
  });

  it('doubles the wait with each further failure, up to 15 minutes (back-off, never a permanent lock)', async () => {
    expect([5, 6, 7, 8, 9].map(loginWaitMs)).toEqual([0, 30_000, 60_000, 120_000, 240_000]);
    expect(loginWaitMs(50)).toBe(15 * 60_000);
    expect(loginWaitMs(1_000_000)).toBe(15 * 60_000);

    const bob = await signedUpAgent(t, uniqueEmail('bob'));
    for (let i = 0; i <= LOGIN_FREE_FAILURES; i++) await attempt(bob.email, 'wrong password');
    offset += 31_000;
    expect((await attempt(bob.email, 'wrong password')).status).toBe(401);
    const waiting = await attempt(bob.email, PASSWORD);
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThan(30);
    expect(Number(waiting.headers['retry-after'])).toBeLessThanOrEqual(60);
    offset += 61_000;
    expect((await attempt(bob.email, PASSWORD)).status).toBe(303);
  });

  it('never shuts out the owner’s own browser: one that signed in before gets in while an attacker keeps the account waiting', async () => {
    const carol = await signedUpAgent(t, uniqueEmail('carol'));
    const own = request.agent(t.server);
    expect((await attempt(carol.email, PASSWORD, own)).status).toBe(303);
    await own.post('/logout').type('form').send({ _csrf: await csrfFrom(own, '/account') });
    for (let i = 0; i <= LOGIN_FREE_FAILURES + 2; i++) await attempt(carol.email, 'wrong password');
    expect((await attempt(carol.email, PASSWORD)).status).toBe(429);
    expect((await attempt(carol.email, PASSWORD, own)).status).toBe(303);
    // The known-browser mark is for that account only.
    const dave = await signedUpAgent(t, uniqueEmail('dave'));
    for (let i = 0; i <= LOGIN_FREE_FAILURES + 1; i++) await attempt(dave.email, 'wrong password');
    expect((await attempt(dave.email, PASSWORD, own)).status).toBe(429);
  });

  it('costs about the same for unknown emails as for known ones (each failure is one argon2 verify and one write)', async () => {
    const known: string[] = [];
    for (let i = 0; i < 12; i++) known.push((await t.kiln.services.accounts.addUser({ email: uniqueEmail('timed'), password: PASSWORD, admin: false })).email);
    const unknown = known.map(() => uniqueEmail('ghost'));
    const time = async (email: string) => {
      const agent = request.agent(t.server);
      const csrf = await csrfFrom(agent, '/login');
      const started = process.hrtime.bigint();
      const res = await agent.post('/login').set('X-Forwarded-For', `203.0.113.${++ip % 250}`).type('form').send({ _csrf: csrf, email, password: 'wrong password' });
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < known.length; i++) {
      a.push(await time(known[i]!));
      b.push(await time(unknown[i]!));
    }
    // A generous bound for a shared machine: the verify itself takes tens of milliseconds.
    expect(Math.abs(median(a) - median(b))).toBeLessThan(25);
  });
});
