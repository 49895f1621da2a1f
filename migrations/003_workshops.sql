-- Workshops and learners: bulk awards, the mail outbox, recipient corrections, workshop sessions with claim codes,
-- walls, learner sign-in links and collections. Everything that hangs off a badge class cascades, so deleting a
-- badge class that was never awarded still works.

-- A CSV upload: pending (the file kept until it is confirmed) or done (the lines it awarded).
CREATE TABLE award_batches (
  id             TEXT PRIMARY KEY,
  badge_class_id TEXT NOT NULL REFERENCES badge_classes (id) ON DELETE CASCADE,
  created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
  source         TEXT NOT NULL CHECK (source IN ('form', 'api')),
  filename       TEXT,
  status         TEXT NOT NULL CHECK (status IN ('pending', 'done')),
  csv            TEXT,                             -- the upload while pending; NULL once done
  notify         INTEGER NOT NULL DEFAULT 0,
  count          INTEGER NOT NULL,
  created_at     TEXT NOT NULL,
  completed_at   TEXT
);
CREATE INDEX award_batches_badge ON award_batches (badge_class_id, created_at);

CREATE TABLE award_batch_items (
  batch_id     TEXT NOT NULL REFERENCES award_batches (id) ON DELETE CASCADE,
  line         INTEGER NOT NULL,                   -- the CSV line, as the uploader sees it in a spreadsheet
  assertion_id TEXT NOT NULL REFERENCES assertions (id),
  PRIMARY KEY (batch_id, line)
);

-- The award email of a badge class; no row means the default text.
CREATE TABLE award_email_templates (
  badge_class_id TEXT PRIMARY KEY REFERENCES badge_classes (id) ON DELETE CASCADE,
  subject        TEXT NOT NULL,
  body           TEXT NOT NULL,                    -- Markdown with {{placeholders}}
  updated_at     TEXT NOT NULL
);

-- Durable outbox: written in the same transaction as what it announces, delivered by the background sender.
-- The row id is the Message-ID, so a resend after a crash is recognisably the same message.
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('award', 'sign_in')),
  to_address      TEXT NOT NULL,
  to_name         TEXT,
  subject         TEXT NOT NULL,
  text_body       TEXT NOT NULL,
  html_body       TEXT NOT NULL,
  assertion_id    TEXT REFERENCES assertions (id) ON DELETE CASCADE,   -- the baked PNG is made at send time
  status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  claimed_at      TEXT,
  sent_at         TEXT,
  last_error      TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_assertion ON outbox (assertion_id, created_at);
CREATE INDEX outbox_created ON outbox (created_at, id);

-- "Correct the recipient": the revoked award and the one that replaced it.
CREATE TABLE assertion_corrections (
  old_assertion_id TEXT PRIMARY KEY REFERENCES assertions (id),
  new_assertion_id TEXT NOT NULL UNIQUE REFERENCES assertions (id),
  corrected_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at       TEXT NOT NULL
);

CREATE TABLE workshop_sessions (
  id             TEXT PRIMARY KEY,
  badge_class_id TEXT NOT NULL REFERENCES badge_classes (id) ON DELETE CASCADE,
  issuer_id      TEXT NOT NULL REFERENCES issuers (id),
  title          TEXT NOT NULL,
  code           TEXT NOT NULL UNIQUE,             -- shown on the projector; never logged
  closes_at      TEXT NOT NULL,
  max_claims     INTEGER,
  auto_approve   INTEGER NOT NULL DEFAULT 0,
  notify         INTEGER NOT NULL DEFAULT 1,
  wall           INTEGER NOT NULL DEFAULT 0,       -- the session's public wall is switched on
  closed_at      TEXT,
  created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX workshop_sessions_badge ON workshop_sessions (badge_class_id, created_at);
CREATE INDEX workshop_sessions_issuer ON workshop_sessions (issuer_id, created_at);

CREATE TABLE claims (
  id           TEXT PRIMARY KEY,
  session_id   TEXT NOT NULL REFERENCES workshop_sessions (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  email        TEXT,                               -- NULL: no email (under-13s); the private link is their way back
  wall_consent INTEGER NOT NULL DEFAULT 0,
  wall_hidden  INTEGER NOT NULL DEFAULT 0,         -- moderation
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  assertion_id TEXT REFERENCES assertions (id),
  link_hash    TEXT NOT NULL UNIQUE,               -- sha256 of the private claim link's token
  created_at   TEXT NOT NULL,
  decided_at   TEXT
);
CREATE INDEX claims_session ON claims (session_id, created_at);

CREATE TABLE issuer_walls (
  issuer_id  TEXT PRIMARY KEY REFERENCES issuers (id) ON DELETE CASCADE,
  enabled_at TEXT NOT NULL
);

-- Learners sign in with a link by email: single use, short-lived, stored hashed.
CREATE TABLE learner_sign_ins (
  token_hash TEXT PRIMARY KEY,
  email      TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX learner_sign_ins_email ON learner_sign_ins (email, created_at);

CREATE TABLE collections (
  id          TEXT PRIMARY KEY,                    -- also the public page's unguessable id
  owner_email TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX collections_owner ON collections (owner_email, created_at);

CREATE TABLE collection_items (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  assertion_id  TEXT NOT NULL REFERENCES assertions (id),
  added_at      TEXT NOT NULL,
  PRIMARY KEY (collection_id, assertion_id)
);
