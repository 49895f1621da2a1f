import type { Db } from '../db/database.js';
import type { SignedDocument } from './credentials.js';

export function statusListsRepo(db: Db) {
  const find = db.prepare<[string], SignedDocument>('SELECT fingerprint, document FROM status_lists WHERE issuer_id = ?');
  const store = db.prepare(
    `INSERT INTO status_lists (issuer_id, fingerprint, document, signed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (issuer_id) DO UPDATE SET fingerprint = excluded.fingerprint, document = excluded.document, signed_at = excluded.signed_at`,
  );

  return {
    find: (issuerId: string) => find.get(issuerId) ?? null,
    store: (issuerId: string, signed: SignedDocument, at: string) => store.run(issuerId, signed.fingerprint, signed.document, at),
  };
}
