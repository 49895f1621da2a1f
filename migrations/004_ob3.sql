-- Open Badges 3.0: issuer signing keys, per-award credential status positions and signed-document caches.

CREATE TABLE issuer_keys (
  id                   TEXT PRIMARY KEY,
  issuer_id            TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  public_key_multibase TEXT NOT NULL UNIQUE,        -- Ed25519 Multikey, published in the issuer's 3.0 profile
  secret_key           TEXT NOT NULL,               -- the 32-byte seed under AES-256-GCM: v1.<iv>.<tag>.<ciphertext>, base64url
  created_at           TEXT NOT NULL,
  retired_at           TEXT                         -- set on rotation; the public key stays published
);
CREATE INDEX issuer_keys_issuer ON issuer_keys (issuer_id, created_at);
-- One active signing key per issuer.
CREATE UNIQUE INDEX issuer_keys_active ON issuer_keys (issuer_id) WHERE retired_at IS NULL;

-- One row per award whose 3.0 credential has been requested: its fixed place in the issuer's revocation list,
-- and the signed credential kept until anything it contains changes (fingerprint of the unsigned document and key).
CREATE TABLE credentials (
  assertion_id TEXT PRIMARY KEY REFERENCES assertions (id),
  issuer_id    TEXT NOT NULL REFERENCES issuers (id),
  status_index INTEGER NOT NULL,
  fingerprint  TEXT,
  document     TEXT,
  signed_at    TEXT,
  UNIQUE (issuer_id, status_index)
);

-- The signed BitstringStatusListCredential per issuer, re-signed when a revocation (or a key) changes it.
CREATE TABLE status_lists (
  issuer_id   TEXT PRIMARY KEY REFERENCES issuers (id),
  fingerprint TEXT NOT NULL,
  document    TEXT NOT NULL,
  signed_at   TEXT NOT NULL
);
