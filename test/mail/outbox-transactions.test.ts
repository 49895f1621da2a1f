import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

/* Issue 18, item 15 and part E: an award and its email are one transaction, and so are a revocation and its cancellation. */
describe('the outbox moves with the award in one transaction', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badgeId: string;
  const api = () => request(t.server);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
  const statusOf = (assertionId: string) => t.db.prepare('SELECT status FROM outbox WHERE assertion_id = ?').pluck().all(assertionId);

  beforeAll(async () => {
    // No SMTP_URL and no sender: whatever happens to the email happens in the request's own transaction.
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    badgeId = (await givenBadge(t, token)).badge.id;
  });
  afterAll(() => t.close());

  it('cancels the queued award email in the revocation itself (API), so it can never go out later', async () => {
    const res = await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email: 'gone@example.org' }, notify: true });
    expect(statusOf(res.body.id)).toEqual(['queued']);
    expect((await auth(api().post(`/api/v1/assertions/${res.body.id}/revoke`)).send({ reason: 'Awarded by mistake' })).status).toBe(200);
    expect(statusOf(res.body.id)).toEqual(['cancelled']);
    expect(t.db.prepare('SELECT last_error FROM outbox WHERE assertion_id = ?').pluck().get(res.body.id)).toContain('revoked');
  });

  it('cancels the queued emails of awards revoked together from the badge page', async () => {
    const ids: string[] = [];
    for (const email of ['one@example.org', 'two@example.org']) {
      ids.push((await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email }, notify: true })).body.id);
    }
    const csrf = await csrfFrom(owner.agent, `/manage/badges/${badgeId}`);
    const res = await owner.agent.post(`/manage/badges/${badgeId}/revoke`).type('form').send({ _csrf: csrf, ids, reason: 'Wrong session' });
    expect(res.status).toBe(303);
    for (const id of ids) expect(statusOf(id)).toEqual(['cancelled']);
  });

  it('leaves sent emails alone: only what has not gone out is cancelled', async () => {
    const res = await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email: 'sent@example.org' }, notify: true });
    t.db.prepare("UPDATE outbox SET status = 'sent', sent_at = created_at WHERE assertion_id = ?").run(res.body.id);
    await auth(api().post(`/api/v1/assertions/${res.body.id}/revoke`)).send({ reason: 'Late' });
    expect(statusOf(res.body.id)).toEqual(['sent']);
  });

  it('rolls the award back when its email cannot be written (a trigger refuses the outbox insert)', async () => {
    const awards = tableCount(t.db, 'assertions');
    const mails = tableCount(t.db, 'outbox');
    t.db.exec("CREATE TEMP TRIGGER refuse_award_email BEFORE INSERT ON outbox WHEN NEW.kind = 'award' BEGIN SELECT RAISE(ABORT, 'outbox refused'); END");
    try {
      const res = await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email: 'never@example.org' }, notify: true });
      expect(res.status).toBe(500);
      expect(tableCount(t.db, 'assertions')).toBe(awards);
      expect(tableCount(t.db, 'outbox')).toBe(mails);
    } finally {
      t.db.exec('DROP TRIGGER temp.refuse_award_email');
    }
    // Once the outbox takes it again, the same request stores the award and its email.
    const again = await auth(api().post(`/api/v1/badges/${badgeId}/assertions`)).send({ recipient: { email: 'never@example.org' }, notify: true });
    expect(again.status).toBe(201);
    expect(statusOf(again.body.id)).toEqual(['queued']);
    expect(tableCount(t.db, 'assertions')).toBe(awards + 1);
  });
});
