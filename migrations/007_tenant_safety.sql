-- Issue 18: cross-issuer agreements for pathway steps, and the per-account login failure budget.

-- Issuer `granter` lets issuer `grantee` use its badges as pathway steps (and so learn, when a learner completes
-- a pathway, who holds them). Requested by an owner of the grantee, accepted by an owner of the granter; either may
-- withdraw. One row per pair: asking again after a withdrawal reopens it.
CREATE TABLE issuer_agreements (
  id                TEXT PRIMARY KEY,
  grantee_issuer_id TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  granter_issuer_id TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  status            TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'withdrawn')),
  message           TEXT NOT NULL DEFAULT '',
  requested_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
  requested_at      TEXT NOT NULL,
  decided_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
  decided_at        TEXT,
  UNIQUE (grantee_issuer_id, granter_issuer_id),
  CHECK (grantee_issuer_id <> granter_issuer_id)
);
CREATE INDEX issuer_agreements_granter ON issuer_agreements (granter_issuer_id, status);

-- Failed logins per account (a hash of the normalised email, known or not, so unknown emails behave the same):
-- after a free budget each failure doubles a short wait, capped, and the count decays.
CREATE TABLE login_failures (
  email_hash      TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  blocked_until   TEXT
);
