import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { AppError } from '../../errors.js';
import type { Assertion } from '../../repos/assertions.js';
import type { Services } from '../../services/index.js';
import { hasMailbox } from '../../services/mail.js';
import { currentUser } from '../auth.js';

/** The A4 print view of one award: badge, names, dates and a QR code to the hosted assertion. */
async function renderCertificate(services: Services, res: Response, assertion: Assertion, backUrl: string) {
  if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer, so it has no certificate.');
  const { ctx } = services;
  const badge = services.badgeClasses.findIncludingDeleted(assertion.badgeClassId)!;
  const issuer = services.issuers.findPublic(assertion.issuerId)!;
  const awardUrl = ctx.urls.assertion(assertion.id);
  const svg = await QRCode.toString(awardUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  res.set('Cache-Control', 'no-store');
  res.render('certificates/certificate', {
    title: `${badge.name} · certificate`,
    badge,
    issuer,
    assertion,
    recipient: assertion.recipientName || (hasMailbox(assertion.recipientEmail) ? assertion.recipientEmail : ''),
    awardUrl,
    qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    status: services.assertions.statusOf(assertion),
    urls: ctx.urls,
    backUrl,
  });
}

export function certificatePages(services: Services) {
  return {
    /** For the awarder, from the award page. */
    async forAwarder(req: Request, res: Response) {
      const { assertion } = services.assertions.requireAssertion(String(req.params.assertionId), currentUser(req).id, 'awarder');
      await renderCertificate(services, res, assertion, `/manage/assertions/${assertion.id}`);
    },

    /** For a learner without email: their private claim link is the key. */
    async forClaim(req: Request, res: Response) {
      const token = String(req.params.token);
      const { assertion } = services.workshops.byToken(token);
      if (!assertion) throw new AppError(404, 'not_found', 'This badge has not been awarded yet.');
      res.set('Referrer-Policy', 'same-origin');
      await renderCertificate(services, res, assertion, `/claimed/${token}`);
    },

    render: (res: Response, assertion: Assertion, backUrl: string) => renderCertificate(services, res, assertion, backUrl),
  };
}
