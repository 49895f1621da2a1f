import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxSender } from '../../src/mail/outbox-sender.js';
import { apiToken, givenBadge, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

/*
 * Issue 18, item 10: names typed by learners (claims) and awarders (API, CSV) are text in the HTML award email,
 * never markup and never links; the only links are Kiln's own award link and those the issuer wrote in the template.
 */
const HOSTILE_NAMES = [
  'https://evil.example/phish',
  'http://evil.example',
  'www.evil.example',
  'evil.example',
  'help@evil.example',
  '<https://evil.example/auto>',
  '[click me](https://evil.example/md)',
  '![pixel](https://evil.example/track.png)',
  '<a href="https://evil.example/raw">raw</a>',
  '<img src=https://evil.example/x.png>',
  'javascript:alert(1)',
  'mailto:help@evil.example',
];

describe('award emails keep substituted values as text (real SMTP server on loopback, HTML part)', () => {
  let smtp: TestSmtp;
  let t: TestKiln;
  let token: string;
  let badge: { id: string };
  let issuerId: string;
  const api = () => request(t.server);

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startKiln({ SMTP_URL: smtp.url });
    const owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    const given = await givenBadge(t, token);
    badge = given.badge;
    issuerId = given.issuer.id;
    const ownerId = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    // Every placeholder in every Markdown context: text, emphasis, a link's text, a heading, inline code, and inside
    // an address the issuer wrote (where a value may only ever be a percent-encoded part of that address).
    t.kiln.services.mail.saveTemplate(badge.id, ownerId, {
      subject: 'For {{recipientName}}',
      body: [
        '# {{recipientName}}',
        'Hello {{recipientName}}, from **{{issuerName}}** and _{{badgeName}}_ `{{recipientName}}`.',
        '',
        '[See your badge, {{recipientName}}]({{awardUrl}})',
        '',
        'Your page: [profile](https://example.org/u/{{recipientName}}) or https://example.org/p?n={{recipientName}}',
        '',
        '> {{recipientName}}',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Every href and src in the HTML part: only Kiln's award link, or an address the template itself starts. */
  function linksOf(html: string) {
    return [...html.matchAll(/\b(href|src)="([^"]*)"/g)].map((m) => m[2]!);
  }

  it('sends each hostile name as escaped text, whether it came from the API, a CSV import or a workshop claim', async () => {
    const recipients = HOSTILE_NAMES.map((name, i) => ({ email: `api-${i}@example.org`, name }));
    for (const r of recipients) {
      const res = await api().post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: r, notify: true });
      expect(res.status).toBe(201);
    }
    const csv = ['email,name', ...HOSTILE_NAMES.map((name, i) => `csv-${i}@example.org,"${name.replace(/"/g, '""')}"`)].join('\n');
    const bulk = await api().post(`/api/v1/badges/${badge.id}/assertions/bulk?notify=true`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/csv').send(csv);
    expect(bulk.status).toBe(201);
    const s = t.kiln.services;
    const owner = s.issuers.members(issuerId).find((m) => m.role === 'owner')!;
    const session = s.workshops.create(badge.id, owner.userId, { title: 'Workshop', closesInMinutes: '480', autoApprove: '1', notify: '1' });
    HOSTILE_NAMES.forEach((name, i) => s.workshops.claim(session.code, { name, email: `claim-${i}@example.org` }));

    const total = HOSTILE_NAMES.length * 3;
    const sender = createOutboxSender({ services: s, smtpUrl: smtp.url, from: t.config.mailFrom, logger: pino({ level: 'silent' }), idleMs: 50 });
    await sender.drain();
    await sender.stop();
    expect(smtp.mails).toHaveLength(total);

    let links = 0;
    for (const mail of smtp.mails) {
      const award = t.db.prepare('SELECT id, recipient_name FROM assertions WHERE recipient_email = ?').get(mail.to[0]) as { id: string; recipient_name: string };
      const awardUrl = `${t.baseUrl}/assertions/${award.id}`;
      expect(mail.html, mail.to[0]).not.toMatch(/<img|<a href="(?!https:\/\/example\.org\/|http:\/\/127\.0\.0\.1)/);
      for (const link of linksOf(mail.html)) {
        links++;
        const ok = link === awardUrl || link.startsWith('https://example.org/u/') || link.startsWith('https://example.org/p?n=');
        expect(ok, `${mail.to[0]} (${award.recipient_name}): ${link}`).toBe(true);
        expect(new URL(link).host, link).not.toContain('evil');
      }
      // Exactly the template's three links: the award link and the issuer's two addresses.
      expect(linksOf(mail.html), mail.to[0]).toHaveLength(3);
      // The name is there, as text.
      const escaped = award.recipient_name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      expect(mail.html, mail.to[0]).toContain(`Hello ${escaped},`);
      expect(mail.html).toContain(`<code>${escaped}</code>`);
      // In the issuer's address the name is one percent-encoded path segment.
      expect(mail.html).toContain(`href="https://example.org/u/${encodeURIComponent(award.recipient_name).replace(/&/g, '&amp;')}"`);
    }
    expect(links).toBe(total * 3);
  });

  it('keeps the default template’s award link live, and the preview the same as the email', async () => {
    const other = await givenBadge(t, token, { name: 'Plain' });
    const res = await api().post(`/api/v1/badges/${other.badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'plain@example.org', name: 'www.evil.example' }, notify: true });
    const sender = createOutboxSender({ services: t.kiln.services, smtpUrl: smtp.url, from: t.config.mailFrom, logger: pino({ level: 'silent' }), idleMs: 50 });
    await sender.drain();
    await sender.stop();
    const mail = smtp.mails.find((m) => m.to[0] === 'plain@example.org')!;
    expect(linksOf(mail.html)).toEqual([res.body.openBadgeId]);
    expect(mail.html).toContain('Hello www.evil.example,');
  });
});
