import { verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { loopbackClient, send, visit } from '../helpers/loopback-client.js';

const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe('passwords', () => {
  let t: TestKiln;
  let clients = 0;
  const storedHash = (email: string) => t.db.prepare('SELECT password_hash FROM users WHERE email = ?').pluck().get(email) as string;

  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(() => t.close());

  it('stores argon2id hashes, never the password, at sign-up, from the CLI service and after a change', async () => {
    const signedUp = await signedUpAgent(t, 'owner@passwords.example.org');
    expect(storedHash(signedUp.email)).toMatch(ARGON2ID);
    expect(await verify(storedHash(signedUp.email), signedUp.password)).toBe(true);

    await t.kiln.services.accounts.addUser({ email: 'cli@passwords.example.org', password: 'typed at a terminal', admin: false });
    expect(storedHash('cli@passwords.example.org')).toMatch(ARGON2ID);
    expect(await verify(storedHash('cli@passwords.example.org'), 'typed at a terminal')).toBe(true);

    const csrf = await csrfFrom(signedUp.agent, '/account');
    const changed = await signedUp.agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: signedUp.password, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
    expect(changed.status).toBe(303);
    const hash = storedHash(signedUp.email);
    expect(hash).toMatch(ARGON2ID);
    expect(await verify(hash, 'a brand new passphrase')).toBe(true);
    const everything = JSON.stringify(t.db.prepare('SELECT * FROM users').all());
    for (const plain of [signedUp.password, 'typed at a terminal', 'a brand new passphrase']) expect(everything).not.toContain(plain);
  });

  /**
   * CPU time (all of this process's threads, so argon2's worker threads too) spent by one failed login. CPU time,
   * not wall time, so a busy machine does not blur it; the server runs in this process.
   */
  async function failedLoginCpuMs(email: string): Promise<number> {
    const from = loopbackClient(clients++); // a fresh client each time, so the per-address limit never answers instead
    const { cookie, csrf } = await visit(t, '/login', from);
    const before = process.cpuUsage();
    const res = await send(t, { path: '/login', from, cookie, form: { _csrf: csrf, email, password: 'not my password at all' } });
    const used = process.cpuUsage(before);
    expect(res.status).toBe(401);
    return (used.user + used.system) / 1000;
  }

  it('spends an argon2 verify on an unknown email as on a known one (CPU time of a failed login)', async () => {
    // One failed attempt per known account, so no per-account budget steps in either.
    const known = Array.from({ length: 15 }, (_, i) => `known${i}@passwords.example.org`);
    for (const email of known) await t.kiln.services.accounts.addUser({ email, password: 'the right password', admin: false });
    for (let i = 0; i < 4; i++) await failedLoginCpuMs(i % 2 ? known[0]! : `warm${i}@nowhere.example.org`);
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 1; i < known.length; i++) {
      knownMs.push(await failedLoginCpuMs(known[i]!));
      unknownMs.push(await failedLoginCpuMs(`nobody${i}@nowhere.example.org`));
    }
    // Measured here: about 16 ms each with the dummy verify; without it an unknown email costs about 4 ms (a quarter).
    expect(median(unknownMs), `known ${knownMs.map((x) => x.toFixed(1))} / unknown ${unknownMs.map((x) => x.toFixed(1))}`).toBeGreaterThan(
      0.6 * median(knownMs),
    );
  });
});
