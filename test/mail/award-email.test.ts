import pino from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxSender, type OutboxSender } from '../../src/mail/outbox-sender.js';
import { extractPng } from '../../src/openbadges/png.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const silent = pino({ level: 'silent' });

describe('award emails through a real SMTP server on loopback', () => {
  let smtp: TestSmtp;
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string; name: string };
  let sender: OutboxSender | null = null;
  let offset = 0;
  const api = () => request(t.server);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
  const newSender = () =>
    (sender = createOutboxSender({ services: t.kiln.services, smtpUrl: smtp.url, from: t.config.mailFrom, logger: silent, now: () => new Date(Date.now() + offset), idleMs: 50 }));
  const outboxRow = (assertionId: string) =>
    t.db.prepare('SELECT * FROM outbox WHERE assertion_id = ? ORDER BY created_at DESC, rowid DESC').get(assertionId) as Record<string, unknown>;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startKiln({ SMTP_URL: smtp.url, MAIL_FROM: 'Riverside Badges <badges@riverside.example.org>' });
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge } = await givenBadge(t, token));
  });
  afterEach(async () => {
    smtp.onMessage = null;
    await sender?.stop();
    sender = null;
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('delivers the award email: recipient, subject, award link, and a baked PNG that unbakes to the hosted JSON', async () => {
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'Maya@Example.org', name: 'Maya' }, notify: true });
    expect(res.status).toBe(201);
    expect(outboxRow(res.body.id)).toMatchObject({ status: 'queued', to_address: 'maya@example.org' });
    newSender().start();
    await smtp.waitFor(1);
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toEqual(['maya@example.org']);
    expect(mail.from).toBe('badges@riverside.example.org');
    expect(mail.subject).toBe('You have been awarded “Digital Storyteller”');
    expect(mail.text).toContain('Hello Maya,');
    expect(mail.text).toContain(res.body.openBadgeId);
    expect(mail.html).toContain(`href="${res.body.openBadgeId}"`);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: 'badge.png', contentType: 'image/png' });
    const hosted = JSON.parse((await api().get(new URL(res.body.openBadgeId).pathname)).text);
    expect(JSON.parse(extractPng(mail.attachments[0]!.content)!)).toEqual(hosted);
    const row = outboxRow(res.body.id);
    expect(mail.messageId).toBe(`<${row.id}@127.0.0.1>`);
    await expect.poll(() => outboxRow(res.body.id).status).toBe('sent');
    const page = await owner.agent.get(`/manage/assertions/${res.body.id}`);
    expect(page.text).toContain('status-mail-sent');
  });

  it('sends nothing when notify is not asked for in the API, and writes nothing when the award is refused', async () => {
    const before = tableCount(t.db, 'outbox');
    expect((await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'quiet@example.org' } })).status).toBe(201);
    const bad = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipients: [{ email: 'ok@example.org' }, { email: 'nope' }], notify: true });
    expect(bad.status).toBe(422);
    expect(tableCount(t.db, 'outbox')).toBe(before);
  });

  it('answers the award before a slow SMTP server has taken the message', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    smtp.onMessage = () => held;
    newSender().start();
    const started = Date.now();
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'slow@example.org' }, notify: true });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => outboxRow(res.body.id).status).toBe('sending');
    release();
    await expect.poll(() => outboxRow(res.body.id).status).toBe('sent');
  });

  it('retries a temporary refusal with back-off, marks a permanent one failed with its reason, and resends on request', async () => {
    let refusals = 1;
    smtp.onMessage = (mail) => {
      if (mail.to[0] === 'bounce@example.org') return { code: 550, message: 'No such mailbox here' };
      if (refusals-- > 0) return { code: 451, message: 'Try again later' };
    };
    const s = newSender();
    const temp = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'later@example.org' }, notify: true });
    await s.drain();
    const deferred = outboxRow(temp.body.id);
    expect(deferred).toMatchObject({ status: 'queued', attempts: 1 });
    expect(String(deferred.last_error)).toContain('Try again later');
    const wait = Date.parse(String(deferred.next_attempt_at)) - Date.now();
    expect(wait).toBeGreaterThan(28_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    expect(await s.drain()).toBe(0); // not due yet
    offset += 31_000;
    await s.drain();
    expect(outboxRow(temp.body.id)).toMatchObject({ status: 'sent', attempts: 2 });

    const perm = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'bounce@example.org' }, notify: true });
    await s.drain();
    expect(outboxRow(perm.body.id)).toMatchObject({ status: 'failed', attempts: 1 });
    const page = await owner.agent.get(`/manage/assertions/${perm.body.id}`);
    expect(page.text).toContain('status-mail-failed');
    expect(page.text).toContain('No such mailbox here');

    smtp.onMessage = null;
    const csrf = await csrfFrom(owner.agent, `/manage/assertions/${perm.body.id}`);
    const resend = await owner.agent.post(`/manage/assertions/${perm.body.id}/resend`).type('form').send({ _csrf: csrf });
    expect(resend.status).toBe(303);
    expect(outboxRow(perm.body.id).status).toBe('queued');
    await s.drain();
    expect(outboxRow(perm.body.id).status).toBe('sent');
    expect(smtp.mails.filter((m) => m.to[0] === 'bounce@example.org')).toHaveLength(1);
  });

  it('cancels an email whose award was revoked before it went out', async () => {
    const s = newSender();
    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({ recipient: { email: 'revoked@example.org' }, notify: true });
    await auth(api().post(`/api/v1/assertions/${res.body.id}/revoke`)).send({ reason: 'Awarded by mistake' });
    await s.drain();
    expect(outboxRow(res.body.id).status).toBe('cancelled');
    expect(smtp.mails.filter((m) => m.to[0] === 'revoked@example.org')).toHaveLength(0);
  });

  it('uses the badge’s own email text: preview writes nothing, save applies it, learner names cannot inject Markdown', async () => {
    const path = `/manage/badges/${badge.id}/email`;
    let csrf = await csrfFrom(owner.agent, path);
    const form = { _csrf: csrf, subject: 'Well done, {{recipientName}}: {{badgeName}}', body: 'Dear {{recipientName}},\n\n[Open your badge]({{awardUrl}}) from **{{issuerName}}**, issued {{issuedOn}}.' };
    const preview = await owner.agent.post(path).type('form').send({ ...form, action: 'preview' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Well done, Sam: Digital Storyteller');
    expect(preview.text).toContain('<strong>Riverside Youth Club</strong>');
    expect(t.db.prepare('SELECT count(*) AS n FROM award_email_templates').get()).toEqual({ n: 0 });

    csrf = await csrfFrom(owner.agent, path);
    const empty = await owner.agent.post(path).type('form').send({ _csrf: csrf, subject: '', body: 'x', action: 'save' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('A subject is required.');

    csrf = await csrfFrom(owner.agent, path);
    const saved = await owner.agent.post(path).type('form').send({ ...form, _csrf: csrf, action: 'save' });
    expect(saved.status).toBe(303);

    const res = await auth(api().post(`/api/v1/badges/${badge.id}/assertions`)).send({
      recipient: { email: 'injector@example.org', name: '[click me](https://evil.example)' },
      notify: true,
    });
    await newSender().drain();
    const mail = smtp.mails.find((m) => m.to[0] === 'injector@example.org')!;
    expect(mail.subject).toBe('Well done, [click me](https://evil.example): Digital Storyteller');
    expect(mail.html).not.toContain('href="https://evil.example"');
    expect(mail.html).toContain(`href="${res.body.openBadgeId}"`);
    expect(mail.text).toContain(`issued ${res.body.issuedOn.slice(0, 10)}`);
  });

  it('emails the learners from the award form by default, and not when the box is unchecked', async () => {
    const path = `/manage/badges/${badge.id}/award`;
    let csrf = await csrfFrom(owner.agent, path);
    const page = await owner.agent.get(path);
    expect(page.text).toMatch(/<input id="f-notify" name="notify" type="checkbox" value="1" checked>/);
    await owner.agent.post(path).type('form').send({ _csrf: csrf, recipients: 'formmail@example.org', notify: ['0', '1'] });
    csrf = await csrfFrom(owner.agent, path);
    await owner.agent.post(path).type('form').send({ _csrf: csrf, recipients: 'formquiet@example.org', notify: '0' });
    const addresses = t.db.prepare('SELECT to_address FROM outbox').pluck().all();
    expect(addresses).toContain('formmail@example.org');
    expect(addresses).not.toContain('formquiet@example.org');
  });
});

describe('without SMTP_URL', () => {
  let t: TestKiln;
  afterAll(() => t.close());

  it('keeps mail in the outbox, where the site admin reads it; other users cannot', async () => {
    t = await startKiln();
    const admin = await signedUpAgent(t);
    const token = await apiToken(t, admin.email);
    const { badge } = await givenBadge(t, token);
    const res = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'kept@example.org' }, notify: true });
    const sender = createOutboxSender({ services: t.kiln.services, smtpUrl: t.config.smtpUrl, from: t.config.mailFrom, logger: silent });
    expect(sender.enabled).toBe(false);
    sender.start();
    expect(await sender.drain()).toBe(0);
    await sender.stop();
    const list = await admin.agent.get('/admin/outbox');
    expect(list.status).toBe(200);
    expect(list.text).toContain('SMTP_URL');
    expect(list.text).toContain('kept@example.org');
    const id = /href="\/admin\/outbox\/([^"]+)"/.exec(list.text)![1]!;
    const message = await admin.agent.get(`/admin/outbox/${id}`);
    expect(message.text).toContain(res.body.openBadgeId);
    expect(message.text).toContain('status-mail-queued');
    // The message as the learner sees it: its rendered body (a link, bold badge name), without the mail wrapper.
    const preview = /<div class="markdown email-preview">([\s\S]*?)<\/div>/.exec(message.text);
    expect(preview).not.toBeNull();
    expect(preview![1]).toMatch(/<a href="[^"]*\/assertions\/[^"]+"[^>]*>See your badge<\/a>/);
    expect(preview![1]).toContain('<strong>');
    expect(preview![1]).not.toContain('<body');
    expect(preview![1]).not.toContain('style=');
    expect(message.text).toMatch(/Queued<\/dt><dd><time datetime="[^"]+">\d{1,2} \w{3} 20\d\d, \d\d:\d\d UTC<\/time>/);
    const other = await signedUpAgent(t);
    expect((await other.agent.get('/admin/outbox')).status).toBe(403);
    expect((await other.agent.get(`/admin/outbox/${id}`)).status).toBe(403);
  });
});
