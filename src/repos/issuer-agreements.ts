import type { Db } from '../db/database.js';

export type AgreementStatus = 'requested' | 'accepted' | 'withdrawn';

/** Issuer `granterIssuerId` lets issuer `granteeIssuerId` use its badges as pathway steps. */
export interface IssuerAgreement {
  id: string;
  granteeIssuerId: string;
  granterIssuerId: string;
  status: AgreementStatus;
  message: string;
  requestedBy: string | null;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** With both issuers' names, for lists. */
export interface IssuerAgreementView extends IssuerAgreement {
  granteeName: string;
  granterName: string;
}

interface AgreementRow {
  id: string;
  grantee_issuer_id: string;
  granter_issuer_id: string;
  status: AgreementStatus;
  message: string;
  requested_by: string | null;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
}

const toAgreement = (r: AgreementRow): IssuerAgreement => ({
  id: r.id,
  granteeIssuerId: r.grantee_issuer_id,
  granterIssuerId: r.granter_issuer_id,
  status: r.status,
  message: r.message,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
});

export function issuerAgreementsRepo(db: Db) {
  const byId = db.prepare<[string], AgreementRow>('SELECT * FROM issuer_agreements WHERE id = ?');
  const byPair = db.prepare<[string, string], AgreementRow>(
    'SELECT * FROM issuer_agreements WHERE grantee_issuer_id = ? AND granter_issuer_id = ?',
  );
  // Asking again after a withdrawal reopens the same row, so a pair never has two live agreements.
  const request = db.prepare(
    `INSERT INTO issuer_agreements (id, grantee_issuer_id, granter_issuer_id, status, message, requested_by, requested_at)
     VALUES (@id, @granteeIssuerId, @granterIssuerId, 'requested', @message, @requestedBy, @requestedAt)
     ON CONFLICT (grantee_issuer_id, granter_issuer_id) DO UPDATE SET status = 'requested', message = excluded.message,
       requested_by = excluded.requested_by, requested_at = excluded.requested_at, decided_by = NULL, decided_at = NULL
     WHERE issuer_agreements.status = 'withdrawn'`,
  );
  const decide = db.prepare<[AgreementStatus, string, string, string, string]>(
    'UPDATE issuer_agreements SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?',
  );
  const withNames = `SELECT g.*, ge.name AS grantee_name, gr.name AS granter_name FROM issuer_agreements g
    JOIN issuers ge ON ge.id = g.grantee_issuer_id JOIN issuers gr ON gr.id = g.granter_issuer_id`;
  const forIssuer = db.prepare<[string, string], AgreementRow & { grantee_name: string; granter_name: string }>(
    `${withNames} WHERE g.grantee_issuer_id = ? OR g.granter_issuer_id = ? ORDER BY g.requested_at DESC, g.id`,
  );
  const accepted = db.prepare<[string, string], { id: string }>(
    "SELECT id FROM issuer_agreements WHERE grantee_issuer_id = ? AND granter_issuer_id = ? AND status = 'accepted'",
  );

  return {
    findById: (id: string) => {
      const r = byId.get(id);
      return r ? toAgreement(r) : null;
    },
    findByPair: (granteeIssuerId: string, granterIssuerId: string) => {
      const r = byPair.get(granteeIssuerId, granterIssuerId);
      return r ? toAgreement(r) : null;
    },
    /** False when the pair already has a live (requested or accepted) agreement. */
    request: (a: Pick<IssuerAgreement, 'id' | 'granteeIssuerId' | 'granterIssuerId' | 'message' | 'requestedBy' | 'requestedAt'>) =>
      request.run(a).changes > 0,
    /** Moves an agreement on only from the state it was read in, so two people deciding at once cannot both win. */
    decide: (id: string, from: AgreementStatus, to: AgreementStatus, userId: string, at: string) => decide.run(to, userId, at, id, from).changes > 0,
    isAccepted: (granteeIssuerId: string, granterIssuerId: string) => accepted.get(granteeIssuerId, granterIssuerId) !== undefined,
    listForIssuer: (issuerId: string): IssuerAgreementView[] =>
      forIssuer.all(issuerId, issuerId).map((r) => ({ ...toAgreement(r), granteeName: r.grantee_name, granterName: r.granter_name })),
  };
}
