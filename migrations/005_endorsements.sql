-- Quality standards, endorsement review, hosted endorsements, pathways and alignment frameworks (issue 8).

-- A named checklist, defined by a site admin. Rules are fixed once created (a new version is a new standard),
-- so a review always means what the checklist said when it was submitted.
CREATE TABLE quality_standards (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  rules       TEXT NOT NULL,                       -- JSON array: {type:'automatic', check, minWords?} | {type:'judgement', guidance}
  created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL
);

-- Issuer profiles whose members review and endorse (a council, an awarding body), designated by a site admin.
CREATE TABLE endorsers (
  issuer_id  TEXT PRIMARY KEY REFERENCES issuers (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
);

CREATE TABLE endorsement_submissions (
  id                 TEXT PRIMARY KEY,
  badge_class_id     TEXT NOT NULL REFERENCES badge_classes (id),
  standard_id        TEXT NOT NULL REFERENCES quality_standards (id),
  endorser_issuer_id TEXT NOT NULL REFERENCES issuers (id),
  submitted_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'returned', 'approved')),
  message            TEXT NOT NULL DEFAULT '',    -- the facilitator's note to the reviewer
  notes              TEXT NOT NULL DEFAULT '',    -- the reviewer's latest notes when returned
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX endorsement_submissions_endorser ON endorsement_submissions (endorser_issuer_id, status, updated_at);
CREATE INDEX endorsement_submissions_badge ON endorsement_submissions (badge_class_id, created_at);

-- A hosted Open Badges 2.0 Endorsement (openbadges-spec.md §1.8), published on approval.
CREATE TABLE endorsements (
  id                 TEXT PRIMARY KEY,
  submission_id      TEXT NOT NULL UNIQUE REFERENCES endorsement_submissions (id),
  badge_class_id     TEXT NOT NULL REFERENCES badge_classes (id),
  endorser_issuer_id TEXT NOT NULL REFERENCES issuers (id),
  comment            TEXT NOT NULL,
  issued_on          TEXT NOT NULL,
  approved_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
  withdrawn_at       TEXT,
  withdrawal_reason  TEXT,
  created_at         TEXT NOT NULL
);
CREATE INDEX endorsements_badge ON endorsements (badge_class_id, created_at);

-- Every review action, in order: who did what to which submission, and what they wrote. Append-only.
CREATE TABLE review_audit_log (
  id             TEXT PRIMARY KEY,
  submission_id  TEXT NOT NULL REFERENCES endorsement_submissions (id),
  endorsement_id TEXT REFERENCES endorsements (id),
  actor_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
  action         TEXT NOT NULL CHECK (action IN ('submitted', 'resubmitted', 'approved', 'returned', 'withdrawn')),
  message        TEXT NOT NULL DEFAULT '',
  created_at     TEXT NOT NULL
);
CREATE INDEX review_audit_log_submission ON review_audit_log (submission_id, created_at);

-- Pathways: ordered (optionally grouped) badge classes from any issuer on this Kiln, with a completion rule.
CREATE TABLE pathways (
  id                      TEXT PRIMARY KEY,
  issuer_id               TEXT NOT NULL REFERENCES issuers (id),
  name                    TEXT NOT NULL,
  description             TEXT NOT NULL DEFAULT '',
  rule_type               TEXT NOT NULL CHECK (rule_type IN ('all', 'atLeast')),
  rule_n                  INTEGER,
  capstone_badge_class_id TEXT REFERENCES badge_classes (id),
  created_by              TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL
);
CREATE INDEX pathways_issuer ON pathways (issuer_id, created_at);

CREATE TABLE pathway_steps (
  pathway_id     TEXT NOT NULL REFERENCES pathways (id) ON DELETE CASCADE,
  badge_class_id TEXT NOT NULL REFERENCES badge_classes (id),
  position       INTEGER NOT NULL,
  group_label    TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pathway_id, badge_class_id)
);
CREATE INDEX pathway_steps_badge ON pathway_steps (badge_class_id);

-- One row per learner (normalised email) who completed a pathway: the capstone is awarded at most once.
CREATE TABLE pathway_completions (
  id                    TEXT PRIMARY KEY,
  pathway_id            TEXT NOT NULL REFERENCES pathways (id) ON DELETE CASCADE,
  recipient_email       TEXT NOT NULL,             -- private, as in assertions
  capstone_assertion_id TEXT REFERENCES assertions (id),
  completed_at          TEXT NOT NULL,
  flagged_at            TEXT,                      -- a component was revoked: the capstone needs a person's decision
  flag_reason           TEXT,
  resolved_at           TEXT,
  UNIQUE (pathway_id, recipient_email)
);

-- Frameworks loaded by a site admin from CSV, so facilitators pick alignment targets from a list.
CREATE TABLE alignment_frameworks (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  url        TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE alignment_targets (
  id           TEXT PRIMARY KEY,
  framework_id TEXT NOT NULL REFERENCES alignment_frameworks (id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  code         TEXT NOT NULL DEFAULT '',
  name         TEXT NOT NULL,
  url          TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alignment_targets_framework ON alignment_targets (framework_id, position);
