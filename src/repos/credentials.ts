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
  // Positions are handed out in order per issuer; the UNIQUE constraint guards them.
  const allocate = db.prepare(
    `INSERT INTO credentials (assertion_id, issuer_id, status_index)
     SELECT @assertionId, @issuerId, coalesce(max(status_index) + 1, 0) FROM credentials WHERE issuer_id = @issuerId
     ON CONFLICT (assertion_id) DO NOTHING`,
  );
  const store = db.prepare('UPDATE credentials SET fingerprint = ?, document = ?, signed_at = ? WHERE assertion_id = ?');
  const revokedIndexes = db.prepare<[string], number>(
    `SELECT c.status_index FROM credentials c JOIN assertions a ON a.id = c.assertion_id
     WHERE c.issuer_id = ? AND a.revoked_at IS NOT NULL ORDER BY c.status_index`,
  );
  const allocated = db.prepare<[string], number>('SELECT count(*) FROM credentials WHERE issuer_id = ?');

  return {
    find: (assertionId: string): CredentialRow | null => {
      const row = byAssertion.get(assertionId);
      return row ? { statusIndex: row.status_index, fingerprint: row.fingerprint, document: row.document } : null;
    },
    allocate: (assertionId: string, issuerId: string) => allocate.run({ assertionId, issuerId }),
    storeSigned: (assertionId: string, signed: SignedDocument, at: string) => store.run(signed.fingerprint, signed.document, at, assertionId),
    revokedIndexes: (issuerId: string) => revokedIndexes.pluck().all(issuerId),
    allocatedCount: (issuerId: string) => allocated.pluck().get(issuerId) as number,
  };
}
