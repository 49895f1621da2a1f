import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { AppError } from '../../errors.js';
import type { Assertion } from '../../repos/assertions.js';
import type { Services } from '../../services/index.js';
import { hasMailbox } from '../../services/mail.js';
import type { Issuer } from '../../repos/issuers.js';
import type { CertificateSignature } from '../../repos/certificate-signatures.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { discardKeptImage, formImage } from './form-image.js';

const pngDataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** The print view of one award (A4 or US Letter): logo, badge, names, dates, signature line, a QR code to check it. */
async function renderCertificate(services: Services, res: Response, assertion: Assertion, backUrl: string) {
  if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer, so it has no certificate.');
  const { ctx } = services;
  const badge = services.badgeClasses.findIncludingDeleted(assertion.badgeClassId)!;
  const issuer = services.issuers.findPublic(assertion.issuerId)!;
  const awardUrl = ctx.urls.assertion(assertion.id);
  const svg = await QRCode.toString(awardUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const signature = await services.certificates.signatureOf(issuer.id);
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
    signature,
    // Inline, so the image never has a public address of its own.
    signatureImage: signature?.signaturePng ? pngDataUrl(signature.signaturePng) : null,
    backUrl,
  });
}

async function signatureLocals(services: Services, issuer: Issuer) {
  const signature: CertificateSignature | null = await services.certificates.signatureOf(issuer.id);
  return { title: `Certificates · ${issuer.name}`, issuer, signature, signatureImage: signature?.signaturePng ? pngDataUrl(signature.signaturePng) : null, notice: null };
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

    /** GET /manage/issuers/:issuerId/certificate (owners): the signature line certificates carry. */
    async signatureForm(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const locals = await signatureLocals(services, issuer);
      const notice = typeof req.query.notice === 'string' ? req.query.notice : null;
      res.render('certificates/signature', { ...locals, notice, values: { signatoryName: locals.signature?.signatoryName ?? '', signatoryRole: locals.signature?.signatoryRole ?? '' } });
    },

    async saveSignature(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const raw = (req.body ?? {}) as Record<string, unknown>;
      formContext(res, 'certificates/signature', await signatureLocals(services, issuer), raw);
      const image = await formImage(services, req, res);
      await services.certificates.saveSignature(issuer.id, currentUser(req).id, raw, image.upload);
      discardKeptImage(services, req, image.keptId);
      res.redirect(303, `/manage/issuers/${issuer.id}/certificate?notice=saved`);
    },

    async removeSignature(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      await services.certificates.removeSignature(issuer.id, currentUser(req).id);
      res.redirect(303, `/manage/issuers/${issuer.id}/certificate?notice=removed`);
    },
  };
}
