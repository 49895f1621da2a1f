import type { Db } from '../db/database.js';

export interface CredentialRow {
  statusIndex: number;
  fingerprint: string | null;
  document: string | null;
}

export interface SignedDocument {
  fingerprint: string;
  document: string;
}

export function credentialsRepo(db: Db) {
  const byAssertion = db.prepare<[string], { status_index: number; fingerprint: string | null; document: string | null }>(
    'SELECT status_index, fingerprint, document FROM credentials WHERE assertion_id = ?',
  );
  const nextIndex = db.prepare<[string], number>('SELECT coalesce(max(status_index) + 1, 0) FROM credentials WHERE issuer_id = ?');
  // One write for a first signature: the position and the document together. A clash (another process took the
  // position, or signed this award first) changes nothing and reports false.
  const insertSigned = db.prepare(
    `INSERT INTO credentials (assertion_id, issuer_id, status_index, fingerprint, document, signed_at)
     VALUES (@assertionId, @issuerId, @statusIndex, @fingerprint, @document, @signedAt) ON CONFLICT DO NOTHING`,
  );
  const store = db.prepare('UPDATE credentials SET fingerprint = ?, document = ?, signed_at = ? WHERE assertion_id = ?');
  const revokedIndexes = db.prepare<[string], number>(
    `SELECT c.status_index FROM credentials c JOIN assertions a ON a.id = c.assertion_id
     WHERE c.issuer_id = ? AND a.revoked_at IS NOT NULL ORDER BY c.status_index`,
  );

  return {
    find: (assertionId: string): CredentialRow | null => {
      const row = byAssertion.get(assertionId);
      return row ? { statusIndex: row.status_index, fingerprint: row.fingerprint, document: row.document } : null;
    },
    nextIndex: (issuerId: string) => nextIndex.pluck().get(issuerId) as number,
    insertSigned: (row: { assertionId: string; issuerId: string; statusIndex: number; signedAt: string } & SignedDocument) =>
      insertSigned.run(row).changes > 0,
    storeSigned: (assertionId: string, signed: SignedDocument, at: string) => store.run(signed.fingerprint, signed.document, at, assertionId),
    revokedIndexes: (issuerId: string) => revokedIndexes.pluck().all(issuerId),
  };
}
