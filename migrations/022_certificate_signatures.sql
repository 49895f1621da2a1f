-- The signature line an issuer prints on its certificates: who signs, in what role, and an optional image of the
-- signature (a sanitised PNG, base64 in TEXT so the table is the same on SQLite and PostgreSQL).
CREATE TABLE certificate_signatures (
  issuer_id TEXT PRIMARY KEY REFERENCES issuers(id) ON DELETE CASCADE,
  signatory_name TEXT NOT NULL,
  signatory_role TEXT NOT NULL DEFAULT '',
  signature_png TEXT,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
