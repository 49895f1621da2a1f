-- Ids are TEXT (crypto.randomUUID()), timestamps ISO-8601 UTC TEXT, so the schema ports to PostgreSQL unchanged.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,            -- stored trimmed and lower-cased
  password_hash TEXT NOT NULL,
  is_admin      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
  sid        TEXT PRIMARY KEY,
  data       TEXT NOT NULL,
  expires_at INTEGER NOT NULL                    -- epoch milliseconds, for cheap pruning
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,             -- sha256 hex; the token itself is shown once
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE invitations (
  id          TEXT PRIMARY KEY,
  code_hash   TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  TEXT NOT NULL,
  used_at     TEXT,
  used_by     TEXT REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE issuers (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  url         TEXT NOT NULL,
  email       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  image_png   BLOB,
  image_svg   TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE issuer_members (
  issuer_id  TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'awarder')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (issuer_id, user_id)
);
CREATE INDEX issuer_members_user ON issuer_members (user_id);

CREATE TABLE badge_classes (
  id                 TEXT PRIMARY KEY,
  issuer_id          TEXT NOT NULL REFERENCES issuers (id),
  name               TEXT NOT NULL,
  description        TEXT NOT NULL,
  image_png          BLOB NOT NULL,
  image_svg          TEXT,
  image_caption      TEXT NOT NULL DEFAULT '',
  criteria_narrative TEXT NOT NULL DEFAULT '',
  criteria_url       TEXT,
  tags               TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  alignments         TEXT NOT NULL DEFAULT '[]',  -- JSON array of alignment objects
  expires_after_days INTEGER,
  archived_at        TEXT,
  deleted_at         TEXT,                         -- tombstone once awards exist: hosted ids must keep answering
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX badge_classes_issuer ON badge_classes (issuer_id, created_at);

CREATE TABLE assertions (
  id                TEXT PRIMARY KEY,
  badge_class_id    TEXT NOT NULL REFERENCES badge_classes (id),
  issuer_id         TEXT NOT NULL REFERENCES issuers (id),
  recipient_email   TEXT NOT NULL,                -- private: never in a public document
  recipient_name    TEXT,
  salt              TEXT NOT NULL,
  identity_hash     TEXT NOT NULL,
  issued_on         TEXT NOT NULL,
  expires           TEXT,
  narrative         TEXT,
  evidence          TEXT NOT NULL DEFAULT '[]',   -- JSON array of {url?, narrative?, name?}
  revoked_at        TEXT,
  revocation_reason TEXT,
  awarded_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at        TEXT NOT NULL
);
CREATE INDEX assertions_badge ON assertions (badge_class_id, created_at);
CREATE INDEX assertions_issuer ON assertions (issuer_id, created_at);
CREATE INDEX assertions_email ON assertions (recipient_email);
