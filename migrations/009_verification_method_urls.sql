-- OB 3.0 verification methods get URLs of their own (/issuers/{id}/ob3/keys/{keyId}) that answer the Multikey
-- document itself. Keys that existed before signed as {issuer 3.0 profile}#{publicKeyMultibase}; credentials baked
-- with those ids stay out in the world, so the controller document keeps listing that form for these keys only.
ALTER TABLE issuer_keys ADD COLUMN signed_with_fragment_id INTEGER NOT NULL DEFAULT 0;
UPDATE issuer_keys SET signed_with_fragment_id = 1;
