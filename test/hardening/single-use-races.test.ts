import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, uniqueEmail, type Agent, type TestKiln } from '../helpers/app.js';
import { reportFigure } from '../helpers/child-server.js';
import { signInToken } from './helpers/world.js';

/*
 * Issue 18, item 9: every single-use secret is used up in the transaction that uses it, by a conditional update that
 * fails when it changed no row. N requests are fired at once over real HTTP at a listening server; exactly one wins.
 * Sign-up hashes the password (argon2, tens of milliseconds, awaited) between reading and writing, so a check made
 * before the hash is stale by the time the account is written: that is where the races were real.
 */
const N = 8;
const figures: Record<string, { requests: number; winners: number; others: Record<number, number> }> = {};

/** How many answered each status. */
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

/** N agents, each with its own session and the CSRF token of `page` (fetched before anyone fires). */
async function armed(t: TestKiln, page: string): Promise<Array<{ agent: Agent; csrf: string }>> {
  return Promise.all(Array.from({ length: N }, async () => {
    const agent = request.agent(t.server);
    return { agent, csrf: await csrfFrom(agent, page) };
  }));
}

describe('single-use secrets under concurrent requests (exactly one wins)', () => {
  let t: TestKiln | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });
  const users = () => t!.db.prepare('SELECT count(*) FROM users').pluck().get() as number;

  it('an invitation code makes one account, however many sign-ups use it at once', async () => {
    t = await startKiln({ SIGNUP: 'invite' });
    const admin = await signedUpAgent(t);
    const code = t.kiln.services.accounts.createInvitation(t.kiln.services.accounts.findUserByEmail(admin.email)!.id);
    const shooters = await armed(t, `/signup?invitation=${code}`);
    const answers = await Promise.all(
      shooters.map(({ agent, csrf }) => agent.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail('invited'), password: 'correct horse battery', invitation: code })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 303).every((s) => s === 400)).toBe(true);
    expect(users()).toBe(2);
    expect(t.db.prepare('SELECT count(*) FROM invitations WHERE used_at IS NOT NULL').pluck().get()).toBe(1);
    figures.invitation = { requests: N, winners: 1, others: tally(statuses.filter((s) => s !== 303)) };
  });

  it('"the first account becomes admin" is decided once: with sign-up closed, one of N first sign-ups gets in', async () => {
    t = await startKiln({ SIGNUP: 'closed' });
    const shooters = await armed(t, '/signup');
    const answers = await Promise.all(
      shooters.map(({ agent, csrf }) => agent.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail('first'), password: 'correct horse battery' })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 303).every((s) => s === 403)).toBe(true);
    expect(users()).toBe(1);
    expect(t.db.prepare('SELECT count(*) FROM users WHERE is_admin = 1').pluck().get()).toBe(1);
    figures.firstAccount = { requests: N, winners: 1, others: tally(statuses.filter((s) => s !== 303)) };
  });

  it('with sign-up open, N first sign-ups at once make exactly one site admin', async () => {
    t = await startKiln({ SIGNUP: 'open' });
    const shooters = await armed(t, '/signup');
    const answers = await Promise.all(
      shooters.map(({ agent, csrf }) => agent.post('/signup').type('form').send({ _csrf: csrf, email: uniqueEmail('open'), password: 'correct horse battery' })),
    );
    expect(answers.every((r) => r.status === 303)).toBe(true);
    expect(t.db.prepare('SELECT count(*) FROM users WHERE is_admin = 1').pluck().get()).toBe(1);
    figures.firstAdmin = { requests: N, winners: 1, others: {} };
  });

  it('a learner sign-in link signs in one browser, however many post it at once', async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    const { badge } = await givenBadge(t, await apiToken(t, owner.email));
    t.kiln.services.assertions.award(badge.id, t.kiln.services.accounts.findUserByEmail(owner.email)!.id, { recipients: [{ email: 'racer@example.org' }] });
    const token = signInToken(t, 'racer@example.org');
    const shooters = await armed(t, `/learner/sign-in/${token}`);
    const answers = await Promise.all(shooters.map(({ agent, csrf }) => agent.post(`/learner/sign-in/${token}`).type('form').send({ _csrf: csrf })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 303).every((s) => s === 410)).toBe(true);
    // Only the winner's browser is signed in.
    const homes = await Promise.all(shooters.map(({ agent }) => agent.get('/learner')));
    expect(homes.filter((h) => h.text.includes('Sign out'))).toHaveLength(1);
    figures.learnerSignInLink = { requests: N, winners: 1, others: tally(statuses.filter((s) => s !== 303)) };
  });

  it('the last place of a workshop session goes to one learner, however many claim it at once', async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    const { badge } = await givenBadge(t, await apiToken(t, owner.email));
    const ownerId = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    const session = t.kiln.services.workshops.create(badge.id, ownerId, { title: 'One seat', closesInMinutes: '60', maxClaims: '1', autoApprove: '1' });
    const shooters = await armed(t, `/claim/${session.code}`);
    const answers = await Promise.all(
      shooters.map(({ agent, csrf }, i) => agent.post(`/claim/${session.code}`).type('form').send({ _csrf: csrf, name: `Learner ${i}`, email: `seat-${i}@example.org` })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 303).every((s) => s === 404)).toBe(true);
    expect(t.db.prepare('SELECT count(*) FROM claims WHERE session_id = ?').pluck().get(session.id)).toBe(1);
    expect(t.db.prepare('SELECT count(*) FROM assertions WHERE badge_class_id = ?').pluck().get(badge.id)).toBe(1);
    figures.claimSeat = { requests: N, winners: 1, others: tally(statuses.filter((s) => s !== 303)) };
  });

  it('a pending claim is approved into one award, however many facilitators approve it at once', async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    const { badge } = await givenBadge(t, await apiToken(t, owner.email));
    const ownerId = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    const session = t.kiln.services.workshops.create(badge.id, ownerId, { title: 'Approve once', closesInMinutes: '60' });
    const { claim } = t.kiln.services.workshops.claim(session.code, { name: 'Pat', email: 'pat@example.org' });
    const csrf = await csrfFrom(owner.agent, `/manage/sessions/${session.id}`);
    const answers = await Promise.all(Array.from({ length: N }, () => owner.agent.post(`/manage/sessions/${session.id}/approve`).type('form').send({ _csrf: csrf, ids: [claim.id] })));
    expect(answers.every((r) => r.status === 303 || r.status === 409)).toBe(true);
    expect(answers.filter((r) => r.headers.location?.endsWith('approved-1'))).toHaveLength(1);
    expect(t.db.prepare("SELECT count(*) FROM assertions WHERE recipient_email = 'pat@example.org'").pluck().get()).toBe(1);
    figures.claimApproval = { requests: N, winners: 1, others: tally(answers.filter((r) => !r.headers.location?.endsWith('approved-1')).map((r) => r.status)) };
  });

  it('a checked CSV upload is awarded once, however many confirmations arrive at once', async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    const { badge } = await givenBadge(t, await apiToken(t, owner.email));
    const ownerId = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    const { batch } = await t.kiln.services.bulkAwards.preview(badge.id, ownerId, { bytes: Buffer.from('email\nbatch-1@example.org\nbatch-2@example.org\n'), filename: 'a.csv' }, true);
    const csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}/award/bulk`);
    const answers = await Promise.all(Array.from({ length: N }, () => owner.agent.post(`/manage/badges/${badge.id}/award/bulk/${batch.id}`).type('form').send({ _csrf: csrf })));
    expect(answers.every((r) => r.status === 303 || r.status === 409)).toBe(true);
    expect(t.db.prepare('SELECT count(*) FROM assertions WHERE badge_class_id = ?').pluck().get(badge.id)).toBe(2);
    expect(t.db.prepare("SELECT count(*) FROM outbox WHERE kind = 'award'").pluck().get()).toBe(2);
    figures.batchConfirm = { requests: N, winners: 1, others: tally(answers.map((r) => r.status).filter((s) => s !== 303)) };
  });

  it('reports the figures', () => {
    expect(Object.keys(figures).length).toBe(7);
    reportFigure('single-use-races', figures);
  });
});
