import type { Request, Response } from 'express';
import type { Assertion } from '../../repos/assertions.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { OutboxStatus } from '../../repos/outbox.js';
import type { Services } from '../../services/index.js';
import { hasMailbox, PLACEHOLDERS } from '../../services/mail.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { pageQuery } from './form-input.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const STATUSES: OutboxStatus[] = ['queued', 'sending', 'sent', 'failed', 'cancelled'];

/** What the award page shows about its emails and corrections; spread into the award page's view model. */
export function awardMailLocals(services: Services, assertion: Assertion) {
  return {
    deliveries: services.mail.deliveriesOf(assertion.id),
    canEmail: hasMailbox(assertion.recipientEmail),
    smtpConfigured: Boolean(services.ctx.config.smtpUrl),
    ...services.corrections.linksOf(assertion.id),
  };
}

export function mailPages(services: Services) {
  const { mail, assertions, ctx } = services;

  const templateLocals = (badge: BadgeClass, issuer: Issuer) => ({
    title: `Award email · ${badge.name}`,
    badge,
    issuer,
    placeholders: PLACEHOLDERS,
    preview: null as null | ReturnType<typeof mail.preview>,
    isDefault: mail.template(badge.id).isDefault,
    notice: null as string | null,
  });

  return {
    templateForm(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const { subject, body: text } = mail.template(badge.id);
      res.render('mail/template', {
        ...templateLocals(badge, res.locals.issuer as Issuer),
        values: { subject, body: text },
        notice: req.query.notice === 'saved' ? 'saved' : req.query.notice === 'reset' ? 'reset' : null,
      });
    },

    /** One form, three buttons: preview (writes nothing), save, or go back to the default text. */
    saveTemplate(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      const locals = templateLocals(badge, res.locals.issuer as Issuer);
      const values = { subject: body(req).subject, body: body(req).body };
      formContext(res, 'mail/template', locals, values);
      const action = body(req).action;
      if (action === 'reset') {
        mail.resetTemplate(badge.id, currentUser(req).id);
        res.redirect(303, `/manage/badges/${badge.id}/email?notice=reset`);
        return;
      }
      if (action === 'preview') {
        res.render('mail/template', { ...locals, values, preview: mail.preview(badge, values) });
        return;
      }
      mail.saveTemplate(badge.id, currentUser(req).id, values);
      res.redirect(303, `/manage/badges/${badge.id}/email?notice=saved`);
    },

    resend(req: Request, res: Response) {
      const { assertion } = assertions.requireAssertion(String(req.params.assertionId), currentUser(req).id, 'awarder');
      if (!assertion.revokedAt) mail.resend(assertion);
      res.redirect(303, `/manage/assertions/${assertion.id}?notice=resent`);
    },

    outbox(req: Request, res: Response) {
      const status: OutboxStatus | '' = STATUSES.find((s) => s === req.query.status) ?? '';
      const query = { ...pageQuery(req, 50), status };
      res.render('mail/outbox', {
        title: 'Outbox',
        messages: mail.list(query),
        counts: mail.counts(),
        statuses: STATUSES,
        query,
        smtpConfigured: Boolean(ctx.config.smtpUrl),
      });
    },

    message(req: Request, res: Response) {
      const message = mail.find(String(req.params.messageId));
      res.render('mail/message', { title: message.subject, message, smtpConfigured: Boolean(ctx.config.smtpUrl) });
    },
  };
}
