import crypto from 'node:crypto';
import { z } from 'zod';
import { notFound } from '../errors.js';
import { markdown } from '../markdown.js';
import type { Assertion } from '../repos/assertions.js';
import type { OutboxMessage, OutboxStatus } from '../repos/outbox.js';
import { maskSecretLinks } from './secret-links.js';
import type { PageQuery } from '../repos/pagination.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { parseInput, text } from './validation.js';

/** Learners without an email (under-13s claiming in a workshop) get an address in a reserved TLD: never mailed. */
export const NO_EMAIL_DOMAIN = 'no-email.invalid';
export const hasMailbox = (address: string) => !address.endsWith('.invalid');

export const DEFAULT_AWARD_EMAIL = Object.freeze({
  subject: 'You have been awarded “{{badgeName}}”',
  body: [
    'Hello {{recipientName}},',
    '',
    '{{issuerName}} has awarded you the **{{badgeName}}** badge.',
    '',
    '[See your badge]({{awardUrl}})',
    '',
    'Your badge image is attached. It carries the award inside it, so anyone can check it, wherever you share it.',
  ].join('\n'),
});

export const PLACEHOLDERS = ['recipientName', 'badgeName', 'issuerName', 'awardUrl', 'issuedOn'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const AwardEmailInput = z.object({
  subject: text.required('A subject', 200).refine((v) => !/[\r\n]/.test(v), 'The subject must be one line.'),
  body: text.required('A message', 20000),
});

function fill(template: string, values: Record<Placeholder, string>, escape: (v: string) => string): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? escape(values[name as Placeholder]) : whole,
  );
}

const htmlPage = (inner: string) =>
  `<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40em">${inner}</body></html>`;

/** The inside of htmlPage's <body>: shown inside Kiln's own page, whose CSP refuses the wrapper's inline style. */
const bodyOf = (page: string) => /<body[^>]*>([\s\S]*)<\/body>/.exec(page)?.[1] ?? '';

type Token = ReturnType<typeof markdown.parse>[number];

/**
 * The HTML body. Values typed by learners and awarders (names from claims, CSV, the API) must never become markup or
 * links: the template is parsed (and linkified) as the issuer wrote it, with only Kiln's own award link put in first;
 * every other placeholder is filled into the parsed text afterwards, where the renderer escapes it and linkify has
 * already run. In a link's address a value stays a percent-encoded part of the issuer's own address.
 */
function renderHtml(body: string, values: Record<Placeholder, string>): string {
  // The only value that may be a link: Kiln generates it. Anything but a plain http(s) address is left as text.
  const ownLinks = (name: string, whole: string) => (name === 'awardUrl' && /^https?:\/\/[\w.:/-]+$/.test(values.awardUrl) ? values.awardUrl : whole);
  const source = body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => ownLinks(name, whole));
  const tokens = markdown.parse(source, {});
  const inText = (text: string) => fill(text, values, (v) => v);
  const inAddress = (address: string) =>
    address.replace(/(?:\{|%7B)(?:\{|%7B)\s*(\w+)\s*(?:\}|%7D)(?:\}|%7D)/gi, (whole, name: string) =>
      (PLACEHOLDERS as readonly string[]).includes(name) ? encodeURIComponent(values[name as Placeholder]) : whole,
    );
  const visit = (list: Token[]) => {
    for (const token of list) {
      if (token.type === 'text' || token.type === 'code_inline' || token.type === 'code_block' || token.type === 'fence') token.content = inText(token.content);
      if (token.attrs) token.attrs = token.attrs.map(([k, v]) => [k, k === 'href' || k === 'src' ? inAddress(String(v)) : inText(String(v))]);
      if (token.children) visit(token.children);
    }
  };
  visit(tokens);
  return markdown.renderer.render(tokens, markdown.options, {});
}

/** A subject, a plain-text body and an HTML body from a Markdown template. Pure: the preview shows exactly this. */
export function renderEmail(template: { subject: string; body: string }, values: Record<Placeholder, string>) {
  const html = renderHtml(template.body, values);
  return {
    subject: fill(template.subject, values, (v) => v).replace(/[\r\n]+/g, ' ').slice(0, 250),
    text: fill(template.body, values, (v) => v),
    html: htmlPage(html),
    htmlFragment: html,
  };
}

export const SAMPLE_VALUES: Record<Placeholder, string> = {
  recipientName: 'Sam',
  badgeName: 'Your badge',
  issuerName: 'Your organisation',
  awardUrl: 'https://example.org/assertions/…',
  issuedOn: '2026-05-01',
};

type Listener = () => void;

export function mailService(ctx: ServiceContext, issuers: IssuersService) {
  const { repos } = ctx;
  const listeners = new Set<Listener>();
  const wake = () => {
    for (const l of listeners) l();
  };

  const templateOf = (badgeClassId: string) => repos.awardEmailTemplates.find(badgeClassId) ?? DEFAULT_AWARD_EMAIL;

  function valuesFor(award: Assertion, badgeName: string, issuerName: string): Record<Placeholder, string> {
    return {
      recipientName: award.recipientName || 'there',
      badgeName,
      issuerName,
      awardUrl: ctx.urls.assertion(award.id),
      issuedOn: award.issuedOn.slice(0, 10),
    };
  }

  /** Call inside the transaction that writes the awards. */
  function enqueueAwardEmails(awards: Assertion[]): void {
    const createdAt = ctx.now().toISOString();
    const cache = new Map<string, { template: { subject: string; body: string }; badgeName: string; issuerName: string }>();
    let queued = 0;
    for (const award of awards) {
      if (!hasMailbox(award.recipientEmail)) continue;
      let facts = cache.get(award.badgeClassId);
      if (!facts) {
        const badge = repos.badgeClasses.findById(award.badgeClassId)!;
        const issuer = repos.issuers.findById(award.issuerId)!;
        facts = { template: templateOf(badge.id), badgeName: badge.name, issuerName: issuer.name };
        cache.set(award.badgeClassId, facts);
      }
      const email = renderEmail(facts.template, valuesFor(award, facts.badgeName, facts.issuerName));
      repos.outbox.insert({
        id: crypto.randomUUID(),
        kind: 'award',
        toAddress: award.recipientEmail,
        toName: award.recipientName,
        subject: email.subject,
        textBody: email.text,
        htmlBody: email.html,
        assertionId: award.id,
        createdAt,
      });
      queued += 1;
    }
    if (queued > 0) setImmediate(wake);
  }

  return {
    enqueueAwardEmails,

    /** A sign-in link for a learner; the text never says whether the address has awards. */
    enqueueSignIn(address: string, link: string): void {
      const body = [
        'Hello,',
        '',
        'Someone (hopefully you) asked to sign in to see the badges awarded to this address.',
        '',
        `[Sign in to your badges](${link})`,
        '',
        'The link works once and for 15 minutes. If you did not ask for it, you can ignore this email.',
      ].join('\n');
      repos.outbox.insert({
        id: crypto.randomUUID(),
        kind: 'sign_in',
        toAddress: address,
        toName: null,
        subject: 'Your sign-in link for your badges',
        textBody: body,
        htmlBody: htmlPage(markdown.render(body)),
        assertionId: null,
        createdAt: ctx.now().toISOString(),
      });
      setImmediate(wake);
    },

    /** The background sender subscribes so it hears about new mail at once instead of polling. */
    onQueued(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    template(badgeClassId: string) {
      const saved = repos.awardEmailTemplates.find(badgeClassId);
      return { subject: saved?.subject ?? DEFAULT_AWARD_EMAIL.subject, body: saved?.body ?? DEFAULT_AWARD_EMAIL.body, isDefault: !saved };
    },

    /** Validates and renders with sample values; writes nothing. */
    preview(badge: { id: string; name: string; issuerId: string }, raw: unknown) {
      const input = parseInput(AwardEmailInput, raw);
      const issuer = issuers.findPublic(badge.issuerId);
      return renderEmail(input, { ...SAMPLE_VALUES, badgeName: badge.name, issuerName: issuer?.name ?? SAMPLE_VALUES.issuerName });
    },

    saveTemplate(badgeClassId: string, userId: string, raw: unknown): void {
      const badge = repos.badgeClasses.findById(badgeClassId);
      if (!badge) throw notFound('Badge');
      issuers.requireRole(badge.issuerId, userId, 'editor');
      const input = parseInput(AwardEmailInput, raw);
      repos.awardEmailTemplates.save(badgeClassId, input.subject, input.body, ctx.now().toISOString());
    },

    resetTemplate(badgeClassId: string, userId: string): void {
      const badge = repos.badgeClasses.findById(badgeClassId);
      if (!badge) throw notFound('Badge');
      issuers.requireRole(badge.issuerId, userId, 'editor');
      repos.awardEmailTemplates.remove(badgeClassId);
    },

    /** The delivery state of an award's latest email, or null when none was queued. */
    deliveryOf: (assertionId: string) => repos.outbox.latestForAssertion(assertionId),
    deliveriesOf: (assertionId: string) => repos.outbox.listForAssertion(assertionId),

    /** Queues the award email again (a new message: the first may have arrived and been lost by the learner). */
    resend(award: Assertion): void {
      if (!hasMailbox(award.recipientEmail)) return;
      ctx.db.transaction(() => enqueueAwardEmails([award]))();
    },

    /** Emails that must not go out any more (the award was revoked or corrected before sending). */
    cancelForAssertion: (assertionId: string, reason: string) => repos.outbox.cancelQueuedForAssertion(assertionId, reason),

    list: (page: PageQuery & { status?: OutboxStatus | '' }) => repos.outbox.list(page),
    counts: () => repos.outbox.counts(),
    /** A message as the admin outbox shows it: secret links masked, also while it waits to be sent. */
    find(id: string): OutboxMessage & { htmlFragment: string } {
      const m = repos.outbox.findById(id);
      if (!m) throw notFound('Message');
      const mask = (body: string) => maskSecretLinks(body, ctx.config.publicUrl);
      const htmlBody = mask(m.htmlBody);
      return { ...m, textBody: mask(m.textBody), htmlBody, htmlFragment: bodyOf(htmlBody) };
    },
  };
}

export type MailService = ReturnType<typeof mailService>;
