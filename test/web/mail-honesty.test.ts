import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

// Issue 19 "Honest status": without SMTP_URL nothing leaves the outbox, so no page may say an email is on its way.
describe.each([
  { smtp: false, env: {} as Record<string, string> },
  // Never contacted: the pages only read whether mail is configured; no sender runs in these tests.
  { smtp: true, env: { SMTP_URL: 'smtp://127.0.0.1:9' } as Record<string, string> },
])('what pages say about award emails (SMTP_URL set: $smtp)', ({ smtp, env }) => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };

  beforeAll(async () => {
    t = await startKiln(env);
    owner = await signedUpAgent(t);
    ({ badge } = await givenBadge(t, await apiToken(t, owner.email)));
  });
  afterAll(() => t.close());

  const onItsWay = /on (its|their) way/;

  it('the CSV preview and result say where the emails are', async () => {
    const page = `/manage/badges/${badge.id}/award/bulk`;
    const csrf = await csrfFrom(owner.agent, page);
    const preview = await owner.agent
      .post(page)
      .field('_csrf', csrf)
      .field('notify', '1')
      .attach('csv', Buffer.from('email,name\nhonest1@example.org,One\n'), { filename: 'group.csv', contentType: 'text/csv' });
    expect(preview.status).toBe(200);
    expect(preview.text.includes('wait in the outbox')).toBe(!smtp);
    const action = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(preview.text)![1]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(preview.text)![1]!;
    const done = await owner.agent.post(action).type('form').send({ _csrf: token });
    expect(done.status).toBe(303);
    const result = await owner.agent.get(done.headers.location!);
    expect(onItsWay.test(result.text)).toBe(smtp);
    expect(result.text.includes('wait in the outbox')).toBe(!smtp);
  });

  it('the learner’s claim page does not promise an email that is not sent, and the award page offers its link to copy', async () => {
    let csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}/sessions/new`);
    const opened = await owner.agent
      .post(`/manage/badges/${badge.id}/sessions`)
      .type('form')
      .send({ _csrf: csrf, title: 'Honest club', closesInMinutes: '60', notify: ['0', '1'], autoApprove: '1' });
    expect(opened.status).toBe(303);
    const sessionId = opened.headers.location!.split('/').pop()!;
    const code = t.db.prepare('SELECT code FROM workshop_sessions WHERE id = ?').pluck().get(sessionId) as string;
    const learner = request.agent(t.server);
    csrf = await csrfFrom(learner, `/claim/${code}`);
    const claimed = await learner.post(`/claim/${code}`).type('form').send({ _csrf: csrf, name: 'Ada', email: 'ada-honest@example.org' });
    expect(claimed.status).toBe(303);
    const status = await learner.get(claimed.headers.location!);
    expect(status.text).toContain('Your badge is awarded.');
    expect(onItsWay.test(status.text)).toBe(smtp);

    const assertionId = t.db.prepare('SELECT assertion_id FROM claims WHERE session_id = ?').pluck().get(sessionId) as string;
    const manage = await owner.agent.get(`/manage/assertions/${assertionId}`);
    expect(manage.text).toContain('data-copy-target="award-link"');
    expect(manage.text).toContain(`value="${t.baseUrl}/assertions/${assertionId}"`);
    expect(manage.text).toContain('data-confirm="Revoke this award?');
  });
});
