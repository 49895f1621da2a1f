import type { Db } from '../db/database.js';

/** An issuer's RSA key for signed Open Badges 2.0 (RS256). */
export interface IssuerRsaKey {
  id: string;
  issuerId: string;
  publicKeyPem: string;
  /** Encrypted PKCS#8 private key; only src/services/keys.ts can open it. */
  secretKey: string;
  createdAt: string;
}

interface IssuerRsaKeyRow {
  id: string;
  issuer_id: string;
  public_key_pem: string;
  secret_key: string;
  created_at: string;
}

const toKey = (row: IssuerRsaKeyRow): IssuerRsaKey => ({
  id: row.id,
  issuerId: row.issuer_id,
  publicKeyPem: row.public_key_pem,
  secretKey: row.secret_key,
  createdAt: row.created_at,
});

export function issuerRsaKeysRepo(db: Db) {
  // OR IGNORE: two owners switching signing on at once keep the first key.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO issuer_rsa_keys (id, issuer_id, public_key_pem, secret_key, created_at)
     VALUES (@id, @issuerId, @publicKeyPem, @secretKey, @createdAt)`,
  );
  const forIssuer = db.prepare<[string], IssuerRsaKeyRow>('SELECT * FROM issuer_rsa_keys WHERE issuer_id = ?');
  const byId = db.prepare<[string, string], IssuerRsaKeyRow>('SELECT * FROM issuer_rsa_keys WHERE issuer_id = ? AND id = ?');

  return {
    insert: (key: IssuerRsaKey) => insert.run(key).changes > 0,
    forIssuer: (issuerId: string) => {
      const row = forIssuer.get(issuerId);
      return row ? toKey(row) : null;
    },
    find: (issuerId: string, keyId: string) => {
      const row = byId.get(issuerId, keyId);
      return row ? toKey(row) : null;
    },
  };
}
