import type { Db } from '../db/database.js';

export interface IssuerKey {
  id: string;
  issuerId: string;
  publicKeyMultibase: string;
  /** Encrypted seed; only src/services/keys.ts can open it. */
  secretKey: string;
  createdAt: string;
  retiredAt: string | null;
  /** Made before verification methods had URLs of their own: it also signed as `{profile}#{publicKeyMultibase}`. */
  signedWithFragmentId: boolean;
}

interface IssuerKeyRow {
  id: string;
  issuer_id: string;
  public_key_multibase: string;
  secret_key: string;
  created_at: string;
  retired_at: string | null;
  signed_with_fragment_id: number;
}

const toKey = (row: IssuerKeyRow): IssuerKey => ({
  id: row.id,
  issuerId: row.issuer_id,
  publicKeyMultibase: row.public_key_multibase,
  secretKey: row.secret_key,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
  signedWithFragmentId: row.signed_with_fragment_id === 1,
});

export function issuerKeysRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO issuer_keys (id, issuer_id, public_key_multibase, secret_key, created_at)
     VALUES (@id, @issuerId, @publicKeyMultibase, @secretKey, @createdAt)`,
  );
  const active = db.prepare<[string], IssuerKeyRow>('SELECT * FROM issuer_keys WHERE issuer_id = ? AND retired_at IS NULL');
  const all = db.prepare<[string], IssuerKeyRow>('SELECT * FROM issuer_keys WHERE issuer_id = ? ORDER BY created_at, id');
  const retire = db.prepare('UPDATE issuer_keys SET retired_at = ? WHERE issuer_id = ? AND retired_at IS NULL');

  return {
    insert: (key: Omit<IssuerKey, 'retiredAt' | 'signedWithFragmentId'>) => insert.run(key),
    active: (issuerId: string) => {
      const row = active.get(issuerId);
      return row ? toKey(row) : null;
    },
    /** Every key the issuer has had, oldest first: retired ones stay published. */
    all: (issuerId: string) => all.all(issuerId).map(toKey),
    retireActive: (issuerId: string, at: string) => retire.run(at, issuerId).changes > 0,
  };
}
