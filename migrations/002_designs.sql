-- Badge designer (saved designs and the template library) and the Badge Canvas planner.

CREATE TABLE designs (
  id           TEXT PRIMARY KEY,
  issuer_id    TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  design       TEXT NOT NULL,                    -- JSON: the validated design object (pictures already re-encoded)
  alt_text     TEXT NOT NULL DEFAULT '',
  template_id  TEXT REFERENCES designs (id) ON DELETE SET NULL,  -- the template this one was copied from
  published_at TEXT,                             -- set while other issuers may start from it
  created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX designs_issuer ON designs (issuer_id, created_at);
CREATE INDEX designs_published ON designs (published_at);

CREATE TABLE canvases (
  id             TEXT PRIMARY KEY,
  issuer_id      TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  audience       TEXT NOT NULL DEFAULT '',
  components     TEXT NOT NULL DEFAULT '[]',     -- JSON array of {text, required}
  pathways       TEXT NOT NULL DEFAULT '',
  pathway_badges TEXT NOT NULL DEFAULT '[]',     -- JSON array of {badgeId, relation: prerequisite | related}
  resources      TEXT NOT NULL DEFAULT '',
  alignments     TEXT NOT NULL DEFAULT '[]',     -- JSON array of {targetName, targetUrl}
  evidence       TEXT NOT NULL DEFAULT '',
  design_id      TEXT REFERENCES designs (id) ON DELETE SET NULL,
  created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX canvases_issuer ON canvases (issuer_id, created_at);
