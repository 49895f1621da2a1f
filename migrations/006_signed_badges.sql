-- Signed Open Badges 2.0 (openbadges-spec.md §2): an issuer may switch its baked badges to RS256 JWS signed with an
-- RSA key of its own. The public key is hosted as a CryptographicKey and listed in the issuer Profile's publicKey.

ALTER TABLE issuers ADD COLUMN signed_assertions INTEGER NOT NULL DEFAULT 0 CHECK (signed_assertions IN (0, 1));

CREATE TABLE issuer_rsa_keys (
  id             TEXT PRIMARY KEY,                  -- in the key's URL: /issuers/{issuerId}/public-keys/{id}
  issuer_id      TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  public_key_pem TEXT NOT NULL,                     -- SPKI PEM, published as CryptographicKey.publicKeyPem
  secret_key     TEXT NOT NULL,                     -- PKCS#8 DER under AES-256-GCM: v1.<iv>.<tag>.<ciphertext>, base64url
  created_at     TEXT NOT NULL
);
-- One key per issuer, made the first time signing is switched on; it stays published when signing is switched off,
-- so badges signed with it keep verifying.
CREATE UNIQUE INDEX issuer_rsa_keys_issuer ON issuer_rsa_keys (issuer_id);
