-- What each account chooses for how pages are shown to it. The time zone is an IANA name ('Europe/London');
-- NULL means none chosen yet: pages then show UTC and say so.
CREATE TABLE user_preferences (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  time_zone TEXT,
  updated_at TEXT NOT NULL
);
