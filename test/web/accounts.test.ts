import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { csrfFrom, signedUpAgent, startKiln, tableCount, uniqueEmail, type TestKiln } from '../helpers/app.js';

describe('accounts', () => {
  let t: TestKiln;
  afterEach(() => t?.close());

  it('makes the first account the site admin and later ones not', async () => {
    t = await startKiln();
    const first = await signedUpAgent(t);
    const second = await signedUpAgent(t);
    expect(t.kiln.services.accounts.findUserByEmail(first.email)!.isAdmin).toBe(true);
    expect(t.kiln.services.accounts.findUserByEmail(second.email)!.isAdmin).toBe(false);
    expect((await first.agent.get('/admin')).status).toBe(200);
    expect((await second.agent.get('/admin')).status).toBe(403);
  });

  it('re-renders the sign-up form with the typed email and a message per field, writing nothing', async () => {
    t = await startKiln();
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: csrf, email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).toContain('must be an email address');
    expect(res.text).toContain('Use at least 10 characters.');
    expect(tableCount(t.db, 'users')).toBe(0);
  });

  it('gives one generic message for a wrong password and for an unknown email, with status 401', async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    for (const attempt of [
      { email, password: 'wrong password!!' },
      { email: uniqueEmail('nobody'), password: 'correct horse battery' },
    ]) {
      const agent = request.agent(t.server);
      const csrf = await csrfFrom(agent, '/login');
      const res = await agent.post('/login').type('form').send({ _csrf: csrf, ...attempt });
      expect(res.status).toBe(401);
      expect(res.text).toContain('Email or password is incorrect.');
      expect(res.text).toContain(`value="${attempt.email}"`);
    }
  });

  it('limits failed logins to 10 per 15 minutes per address', async () => {
    t = await startKiln();
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/login');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      // A different email each time: one account's own budget (login-backoff.test.ts) would answer 429 sooner.
      statuses.push((await agent.post('/login').type('form').send({ _csrf: csrf, email: `x${i}@example.org`, password: 'nope nope nope' })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('signs in, signs out and changes the password', async () => {
    t = await startKiln();
    const { agent, email, password } = await signedUpAgent(t);
    let csrf = await csrfFrom(agent, '/account');
    const changed = await agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: password, newPassword: 'a brand new password', confirmPassword: 'a brand new password' });
    expect(changed.status).toBe(303);
    csrf = await csrfFrom(agent, '/account');
    expect((await agent.post('/logout').type('form').send({ _csrf: csrf })).status).toBe(303);
    expect((await agent.get('/manage')).status).toBe(303);
    const fresh = request.agent(t.server);
    const loginCsrf = await csrfFrom(fresh, '/login');
    const login = await fresh.post('/login').type('form').send({ _csrf: loginCsrf, email, password: 'a brand new password' });
    expect(login.status).toBe(303);
    expect((await fresh.get('/manage')).status).toBe(200);
  });

  it('creates an API token shown once and stored hashed, and revokes it', async () => {
    t = await startKiln();
    const { agent } = await signedUpAgent(t);
    const csrf = await csrfFrom(agent, '/account');
    const res = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Moodle' });
    expect(res.status).toBe(200);
    const token = /(kiln_[\w-]+)/.exec(res.text)![1]!;
    const stored = t.db.prepare('SELECT token_hash FROM api_tokens').pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toContain(token);
    expect((await request(t.server).get('/api/v1/issuers').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await agent.get('/account')).text).not.toContain(token);
    const id = t.db.prepare('SELECT id FROM api_tokens').pluck().get() as string;
    const csrf2 = await csrfFrom(agent, '/account');
    expect((await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: csrf2 })).status).toBe(303);
    expect((await request(t.server).get('/api/v1/issuers').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('refuses sign-up when SIGNUP is closed, except for the very first account', async () => {
    t = await startKiln({ SIGNUP: 'closed' });
    await signedUpAgent(t);
    const agent = request.agent(t.server);
    const page = await agent.get('/signup');
    expect(page.text).toContain('Sign-up is closed');
    expect(tableCount(t.db, 'users')).toBe(1);
  });

  it('requires a one-time invitation when SIGNUP is invite', async () => {
    t = await startKiln({ SIGNUP: 'invite' });
    const admin = await signedUpAgent(t);
    const adminId = t.kiln.services.accounts.findUserByEmail(admin.email)!.id;
    const code = t.kiln.services.accounts.createInvitation(adminId);
    const agent = request.agent(t.server);
    let csrf = await csrfFrom(agent, '/signup');
    const refused = await agent.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail(), password: 'long enough password', invitation: 'wrong' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('invitation code is not valid');
    csrf = await csrfFrom(agent, '/signup');
    const ok = await agent.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail(), password: 'long enough password', invitation: code });
    expect(ok.status).toBe(303);
    const again = request.agent(t.server);
    csrf = await csrfFrom(again, '/signup');
    const reused = await again.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail(), password: 'long enough password', invitation: code });
    expect(reused.status).toBe(400);
  });
});
