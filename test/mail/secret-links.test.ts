import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxSender } from '../../src/mail/outbox-sender.js';
import { maskSecretLinks } from '../../src/services/secret-links.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

describe('learner sign-in links in the outbox', () => {
  let smtp: TestSmtp;
  let t: TestKiln;
  let admin: Agent;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startKiln({ SMTP_URL: smtp.url });
    const owner = await signedUpAgent(t); // the first account is the site admin
    admin = owner.agent;
    const token = await apiToken(t, owner.email);
    const { badge } = await givenBadge(t, token);
    await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'lee@example.org' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const row = (id: string) => t.db.prepare('SELECT status, text_body, html_body FROM outbox WHERE id = ?').get(id) as { status: string; text_body: string; html_body: string };

  it('masks the link on the admin pages while it waits, keeps only a masked copy once sent, and the emailed link still works', async () => {
    const learner = request.agent(t.server);
    const askCsrf = await csrfFrom(learner, '/learner');
    const asked = await learner.post('/learner/sign-in').type('form').send({ _csrf: askCsrf, email: 'lee@example.org' });
    expect(asked.status, asked.text.slice(0, 500)).toBe(200);
    const { id } = t.db.prepare("SELECT id FROM outbox WHERE kind = 'sign_in' ORDER BY rowid DESC").get() as { id: string };
    const queued = row(id);
    const token = /\/learner\/sign-in\/([\w-]{20,})/.exec(queued.text_body)![1]!;
    expect(queued.html_body).toContain(token); // it has to be kept until it is sent

    const pages = async () => [(await admin.get('/admin/outbox')).text, (await admin.get(`/admin/outbox/${id}`)).text];
    for (const page of await pages()) expect(page).not.toContain(token);
    expect((await pages())[1]).toContain('/learner/sign-in/[redacted]');

    const sender = createOutboxSender({ services: t.kiln.services, smtpUrl: smtp.url, from: t.config.mailFrom, logger: pino({ level: 'silent' }) });
    await sender.drain();
    await sender.stop();
    await smtp.waitFor(1);
    const mail = smtp.mails.find((m) => m.to.includes('lee@example.org') && m.text.includes('/learner/sign-in/'))!;
    expect(mail.text).toContain(token);
    expect(mail.html).toContain(token);

    const sent = row(id);
    expect(sent.status).toBe('sent');
    expect(sent.text_body).not.toContain(token);
    expect(sent.html_body).not.toContain(token);
    expect(sent.text_body).toContain(`${t.config.publicUrl}/learner/sign-in/[redacted]`);
    expect(sent.text_body).toContain('The link works once and for 15 minutes.');
    for (const page of await pages()) expect(page).not.toContain(token);

    const signInCsrf = await csrfFrom(learner, `/learner/sign-in/${token}`);
    const signIn = await learner.post(`/learner/sign-in/${token}`).type('form').send({ _csrf: signInCsrf });
    expect(signIn.status).toBe(303);
    expect((await learner.get('/learner')).text).toContain('lee@example.org');
  });
});

describe('maskSecretLinks', () => {
  const base = 'https://badges.example.org/kiln';
  it.each([
    [`${base}/learner/sign-in/abcDEF123_-x`, `${base}/learner/sign-in/[redacted]`],
    [`<a href="${base}/learner/sign-in/abc?x=1&amp;y=2">`, `<a href="${base}/learner/sign-in/[redacted]?[redacted]">`],
    [`[claim](${base}/claimed/tok123) and ${base}/claim/ABCD2345`, `[claim](${base}/claimed/[redacted]) and ${base}/claim/[redacted]`],
    [`${base}/assertions/1234`, `${base}/assertions/1234`],
    ['https://elsewhere.example/learner/sign-in/abc', 'https://elsewhere.example/learner/sign-in/abc'],
  ])('masks %s', (text, masked) => {
    expect(maskSecretLinks(text, base)).toBe(masked);
  });
});
