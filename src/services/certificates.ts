import { z } from 'zod';
import { certificateSignaturesRepo, type CertificateSignature } from '../repos/certificate-signatures.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { normaliseUpload, type Upload } from './uploads.js';
import { parseInput, text } from './validation.js';

export const SignatureInput = z.object({
  signatoryName: text.required('The name of who signs', 120),
  signatoryRole: text.optional(120),
  // A ticked "remove the signature image" box; an unticked one sends nothing.
  removeImage: z.preprocess((v) => v === '1' || v === 'on' || v === true, z.boolean()).default(false),
});

/** What an issuer prints on its certificates besides the award itself: for now, a signature line. */
export function certificatesService(ctx: ServiceContext, issuers: IssuersService) {
  const repo = certificateSignaturesRepo(ctx.sql);
  return {
    signatureOf: (issuerId: string): Promise<CertificateSignature | null> => repo.find(issuerId),

    /** Owners set who signs; a new image goes through the same checks as every uploaded image. */
    async saveSignature(issuerId: string, userId: string, raw: unknown, upload: Upload | null): Promise<void> {
      await issuers.requireRole(issuerId, userId, 'owner');
      const input = parseInput(SignatureInput, raw);
      const image = upload ? await normaliseUpload(upload, 'image') : null;
      const png = image ? image.png : input.removeImage ? null : 'keep';
      await repo.save(issuerId, { name: input.signatoryName, role: input.signatoryRole, png }, userId, ctx.now().toISOString());
    },

    async removeSignature(issuerId: string, userId: string): Promise<void> {
      await issuers.requireRole(issuerId, userId, 'owner');
      await repo.remove(issuerId);
    },
  };
}

export type CertificatesService = ReturnType<typeof certificatesService>;
