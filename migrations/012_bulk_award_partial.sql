-- CSV bulk awards that award the good lines and hand back the bad ones as a CSV to fix (issue 19).
ALTER TABLE award_batches ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
-- The refused lines in the uploader's own columns plus an `error` column (formula-defused), kept for the download.
ALTER TABLE award_batches ADD COLUMN rejected_csv TEXT;
ALTER TABLE award_batches ADD COLUMN rejected_count INTEGER NOT NULL DEFAULT 0;
