-- Targeted invalidation of the public cache (src/web/public-cache.ts), for every process sharing this database.
-- Each write that can change a hosted document (an issuer, badge class, award, key or endorsement row) appends the
-- tags of the documents it changed; every process reads the rows newer than the last one it saw before answering a
-- request, and evicts exactly the cached documents carrying those tags. New awards append nothing: no cached
-- document contains them. Only the newest 10,000 rows are kept: a process further behind than that empties its cache.
--   issuer:{id}       everything that embeds the issuer (profiles, badge classes, awards, baked images, lists)
--   badge:{id}        the badge class, its images, and every award and baked image embedding it
--   assertion:{id}    one award's hosted documents and baked images (2.0 and 3.0)
--   revocations:{id}  the issuer's 2.0 RevocationList and 3.0 status list
--   status:{id}       the issuer's 3.0 status list (its length grows as credentials take positions)
--   keys:{id}         the issuer's 3.0 Profile, key documents and everything signed with its key
--   endorsement:{id}  one endorsement's documents

CREATE TABLE public_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tag TEXT NOT NULL
);

CREATE TRIGGER public_changes_keep_recent AFTER INSERT ON public_changes BEGIN
  DELETE FROM public_changes WHERE seq <= new.seq - 10000;
END;

CREATE TRIGGER public_changes_issuer_update AFTER UPDATE ON issuers BEGIN
  INSERT INTO public_changes (tag) VALUES ('issuer:' || old.id);
END;
CREATE TRIGGER public_changes_issuer_delete AFTER DELETE ON issuers BEGIN
  INSERT INTO public_changes (tag) VALUES ('issuer:' || old.id);
END;

CREATE TRIGGER public_changes_badge_update AFTER UPDATE ON badge_classes BEGIN
  INSERT INTO public_changes (tag) VALUES ('badge:' || old.id);
END;
CREATE TRIGGER public_changes_badge_delete AFTER DELETE ON badge_classes BEGIN
  INSERT INTO public_changes (tag) VALUES ('badge:' || old.id);
END;

CREATE TRIGGER public_changes_assertion_update AFTER UPDATE ON assertions BEGIN
  INSERT INTO public_changes (tag) VALUES ('assertion:' || old.id);
  INSERT INTO public_changes (tag) SELECT 'revocations:' || old.issuer_id WHERE old.revoked_at IS NOT new.revoked_at;
END;
CREATE TRIGGER public_changes_assertion_delete AFTER DELETE ON assertions BEGIN
  INSERT INTO public_changes (tag) VALUES ('assertion:' || old.id), ('revocations:' || old.issuer_id);
END;

-- A credential taking its first position lengthens the status list; a re-signed one has new bytes.
CREATE TRIGGER public_changes_credential_insert AFTER INSERT ON credentials BEGIN
  INSERT INTO public_changes (tag) VALUES ('status:' || new.issuer_id);
END;
CREATE TRIGGER public_changes_credential_update AFTER UPDATE ON credentials BEGIN
  INSERT INTO public_changes (tag) VALUES ('assertion:' || old.assertion_id);
END;
CREATE TRIGGER public_changes_status_list_insert AFTER INSERT ON status_lists BEGIN
  INSERT INTO public_changes (tag) VALUES ('status:' || new.issuer_id);
END;
CREATE TRIGGER public_changes_status_list_update AFTER UPDATE ON status_lists BEGIN
  INSERT INTO public_changes (tag) VALUES ('status:' || old.issuer_id);
END;

CREATE TRIGGER public_changes_key_insert AFTER INSERT ON issuer_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('keys:' || new.issuer_id);
END;
CREATE TRIGGER public_changes_key_update AFTER UPDATE ON issuer_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('keys:' || old.issuer_id);
END;
CREATE TRIGGER public_changes_key_delete AFTER DELETE ON issuer_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('keys:' || old.issuer_id);
END;

-- Signed 2.0: the RSA key is listed in the issuer's Profile and signs its baked badges and revocation list.
CREATE TRIGGER public_changes_rsa_key_insert AFTER INSERT ON issuer_rsa_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('issuer:' || new.issuer_id);
END;
CREATE TRIGGER public_changes_rsa_key_update AFTER UPDATE ON issuer_rsa_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('issuer:' || old.issuer_id);
END;
CREATE TRIGGER public_changes_rsa_key_delete AFTER DELETE ON issuer_rsa_keys BEGIN
  INSERT INTO public_changes (tag) VALUES ('issuer:' || old.issuer_id);
END;

-- The BadgeClass lists its current endorsements.
CREATE TRIGGER public_changes_endorsement_insert AFTER INSERT ON endorsements BEGIN
  INSERT INTO public_changes (tag) VALUES ('endorsement:' || new.id), ('badge:' || new.badge_class_id);
END;
CREATE TRIGGER public_changes_endorsement_update AFTER UPDATE ON endorsements BEGIN
  INSERT INTO public_changes (tag) VALUES ('endorsement:' || old.id), ('badge:' || old.badge_class_id);
END;
CREATE TRIGGER public_changes_endorsement_delete AFTER DELETE ON endorsements BEGIN
  INSERT INTO public_changes (tag) VALUES ('endorsement:' || old.id), ('badge:' || old.badge_class_id);
END;
