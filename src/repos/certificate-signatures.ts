import type { Db } from '../db/sql.js';

export interface CertificateSignature {
  issuerId: string;
  signatoryName: string;
  signatoryRole: string;
  /** The signature image, a PNG Kiln re-encoded itself; null when the line is printed without one. */
  signaturePng: Buffer | null;
  updatedAt: string;
}

interface Row {
  issuer_id: string;
  signatory_name: string;
  signatory_role: string;
  signature_png: string | null;
  updated_at: string;
}

/** Written against the asynchronous storage interface (src/db/sql.ts), as every repository will be (issue 16). */
export function certificateSignaturesRepo(db: Db) {
  const byIssuer = db.prepare<[string], Row>('SELECT * FROM certificate_signatures WHERE issuer_id = ?');
  // `keepImage` leaves the stored image as it is when the form sent no new one.
  const upsert = db.prepare<{ issuerId: string; name: string; role: string; png: string | null; keepImage: number; by: string; at: string }>(
    `INSERT INTO certificate_signatures (issuer_id, signatory_name, signatory_role, signature_png, updated_by, updated_at)
     VALUES (@issuerId, @name, @role, @png, @by, @at)
     ON CONFLICT (issuer_id) DO UPDATE SET signatory_name = excluded.signatory_name, signatory_role = excluded.signatory_role,
       signature_png = CASE WHEN @keepImage = 1 THEN certificate_signatures.signature_png ELSE excluded.signature_png END,
       updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare<[string]>('DELETE FROM certificate_signatures WHERE issuer_id = ?');

  return {
    async find(issuerId: string): Promise<CertificateSignature | null> {
      const row = await byIssuer.get(issuerId);
      if (!row) return null;
      return {
        issuerId: row.issuer_id,
        signatoryName: row.signatory_name,
        signatoryRole: row.signatory_role,
        signaturePng: row.signature_png === null ? null : Buffer.from(row.signature_png, 'base64'),
        updatedAt: row.updated_at,
      };
    },
    /** `png`: a new image, null to print none, or 'keep' for the one stored. */
    async save(issuerId: string, line: { name: string; role: string; png: Buffer | null | 'keep' }, by: string, at: string): Promise<void> {
      const keep = line.png === 'keep';
      const png = keep || line.png === null ? null : (line.png as Buffer).toString('base64');
      await upsert.run({ issuerId, name: line.name, role: line.role, png, keepImage: keep ? 1 : 0, by, at });
    },
    async remove(issuerId: string): Promise<boolean> {
      return (await remove.run(issuerId)).changes > 0;
    },
  };
}
