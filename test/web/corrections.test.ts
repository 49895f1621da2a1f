import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxSender } from '../../src/mail/outbox-sender.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

describe('correcting the recipient of an award', () => {
  let smtp: TestSmtp;
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };
  const api = () => request(t.server);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startKiln({ SMTP_URL: smtp.url });
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge } = await givenBadge(t, token));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('revokes with "recipient corrected", re-issues with the same dates, narrative and evidence, links both and emails the new address', async () => {
    const original = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({
      recipient: { email: 'sam@exmaple.org', name: 'Sam' },
      narrative: 'Led the group story.',
      evidence: [{ url: 'https://example.org/story', narrative: 'The video' }],
      issuedOn: '2026-01-10',
      expires: '2028-01-10',
      notify: true,
    });
    const page = `/manage/assertions/${original.body.id}`;
    let csrf = await csrfFrom(owner.agent, page);
    const same = await owner.agent.post(`${page}/correct`).type('form').send({ _csrf: csrf, email: 'SAM@exmaple.org' });
    expect(same.status).toBe(400);
    expect(same.text).toContain('This is the address the badge was already awarded to.');

    csrf = await csrfFrom(owner.agent, page);
    const res = await owner.agent.post(`${page}/correct`).type('form').send({ _csrf: csrf, email: 'sam@example.org' });
    expect(res.status).toBe(303);
    const newId = /\/manage\/assertions\/([^?]+)\?notice=corrected/.exec(res.headers.location!)![1]!;

    const old = await api().get(new URL(original.body.openBadgeId).pathname);
    expect(old.status).toBe(410);
    expect(JSON.parse(old.text).revocationReason).toBe('recipient corrected');
    const replacement = (await auth(api().get(`/api/v1/assertions/${newId}`))).body;
    expect(replacement).toMatchObject({
      recipient: { email: 'sam@example.org', name: 'Sam' },
      issuedOn: original.body.issuedOn,
      expires: original.body.expires,
      narrative: 'Led the group story.',
      evidence: original.body.evidence,
      status: 'active',
    });
    expect(t.db.prepare('SELECT new_assertion_id FROM assertion_corrections WHERE old_assertion_id = ?').pluck().get(original.body.id)).toBe(newId);
    expect((await owner.agent.get(page)).text).toContain(`/manage/assertions/${newId}`);
    expect((await owner.agent.get(`/manage/assertions/${newId}`)).text).toContain('replaces');

    // The email to the mistyped address never leaves; the new one does.
    const statuses = t.db.prepare('SELECT to_address, status FROM outbox ORDER BY created_at, rowid').all();
    expect(statuses).toEqual([
      { to_address: 'sam@exmaple.org', status: 'cancelled' },
      { to_address: 'sam@example.org', status: 'queued' },
    ]);
    const sender = createOutboxSender({ services: t.kiln.services, smtpUrl: smtp.url, from: t.config.mailFrom, logger: pino({ level: 'silent' }) });
    await sender.drain();
    await sender.stop();
    expect(smtp.mails.map((m) => m.to[0])).toEqual(['sam@example.org']);
    expect(smtp.mails[0]!.text).toContain(replacement.openBadgeId);
  });

  it('corrects through the API and refuses a revoked award, changing nothing', async () => {
    const a = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'ana@exmple.org' } });
    const res = await auth(api().post(`/api/v1/assertions/${a.body.id}/correct`)).send({ email: 'ana@example.org', name: 'Ana' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ replaces: a.body.id, recipient: { email: 'ana@example.org', name: 'Ana' } });
    const before = tableCount(t.db, 'assertions');
    const again = await auth(api().post(`/api/v1/assertions/${a.body.id}/correct`)).send({ email: 'ana2@example.org' });
    expect(again.status).toBe(409);
    const bad = await auth(api().post(`/api/v1/assertions/${res.body.id}/correct`)).send({ email: 'not-an-email' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.email).toBeDefined();
    expect(tableCount(t.db, 'assertions')).toBe(before);
  });
});
