import type { Db } from '../db/database.js';

/** An award as its learner sees it in their home: the assertion plus badge and issuer names. */
export interface LearnerAward {
  id: string;
  badgeClassId: string;
  badgeName: string;
  badgeDescription: string;
  issuerId: string;
  issuerName: string;
  recipientName: string | null;
  issuedOn: string;
  expires: string | null;
  revokedAt: string | null;
}

export interface Collection {
  id: string;
  ownerEmail: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

interface LearnerAwardRow {
  id: string;
  badge_class_id: string;
  badge_name: string;
  badge_description: string;
  issuer_id: string;
  issuer_name: string;
  recipient_name: string | null;
  issued_on: string;
  expires: string | null;
  revoked_at: string | null;
}

const toAward = (r: LearnerAwardRow): LearnerAward => ({
  id: r.id,
  badgeClassId: r.badge_class_id,
  badgeName: r.badge_name,
  badgeDescription: r.badge_description,
  issuerId: r.issuer_id,
  issuerName: r.issuer_name,
  recipientName: r.recipient_name,
  issuedOn: r.issued_on,
  expires: r.expires,
  revokedAt: r.revoked_at,
});

interface CollectionRow {
  id: string;
  owner_email: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

const toCollection = (r: CollectionRow): Collection => ({
  id: r.id,
  ownerEmail: r.owner_email,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const awardColumns = `a.id, a.badge_class_id, b.name AS badge_name, b.description AS badge_description, a.issuer_id, i.name AS issuer_name,
  a.recipient_name, a.issued_on, a.expires, a.revoked_at`;

export function learnersRepo(db: Db) {
  const insertSignIn = db.prepare('INSERT INTO learner_sign_ins (token_hash, email, expires_at, created_at) VALUES (?, ?, ?, ?)');
  const peekSignIn = db.prepare<[string, string], { email: string }>(
    'SELECT email FROM learner_sign_ins WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
  );
  const useSignIn = db.prepare<[string, string, string], { email: string }>(
    'UPDATE learner_sign_ins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING email',
  );
  const recentSignIns = db.prepare<[string, string], { n: number }>(
    'SELECT count(*) AS n FROM learner_sign_ins WHERE email = ? AND created_at > ?',
  );
  const pruneSignIns = db.prepare('DELETE FROM learner_sign_ins WHERE expires_at < ?');
  const awards = db.prepare<[string], LearnerAwardRow>(
    `SELECT ${awardColumns} FROM assertions a JOIN badge_classes b ON b.id = a.badge_class_id JOIN issuers i ON i.id = a.issuer_id
     WHERE a.recipient_email = ? ORDER BY a.issued_on DESC, a.id DESC`,
  );
  const award = db.prepare<[string, string], LearnerAwardRow>(
    `SELECT ${awardColumns} FROM assertions a JOIN badge_classes b ON b.id = a.badge_class_id JOIN issuers i ON i.id = a.issuer_id
     WHERE a.id = ? AND a.recipient_email = ?`,
  );
  const insertCollection = db.prepare(
    'INSERT INTO collections (id, owner_email, name, description, created_at, updated_at) VALUES (@id, @ownerEmail, @name, @description, @createdAt, @updatedAt)',
  );
  const collection = db.prepare<[string], CollectionRow>('SELECT * FROM collections WHERE id = ?');
  const collectionsOf = db.prepare<[string], CollectionRow & { item_count: number }>(
    `SELECT c.*, (SELECT count(*) FROM collection_items i WHERE i.collection_id = c.id) AS item_count
     FROM collections c WHERE owner_email = ? ORDER BY created_at, id`,
  );
  const updateCollection = db.prepare('UPDATE collections SET name = ?, description = ?, updated_at = ? WHERE id = ?');
  const deleteCollection = db.prepare('DELETE FROM collections WHERE id = ?');
  const addItem = db.prepare(
    'INSERT INTO collection_items (collection_id, assertion_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const removeItem = db.prepare('DELETE FROM collection_items WHERE collection_id = ? AND assertion_id = ?');
  const items = db.prepare<[string], LearnerAwardRow>(
    `SELECT ${awardColumns} FROM collection_items ci JOIN assertions a ON a.id = ci.assertion_id
     JOIN badge_classes b ON b.id = a.badge_class_id JOIN issuers i ON i.id = a.issuer_id
     WHERE ci.collection_id = ? ORDER BY ci.added_at, a.id`,
  );

  return {
    insertSignIn: (tokenHash: string, email: string, expiresAt: string, createdAt: string) =>
      insertSignIn.run(tokenHash, email, expiresAt, createdAt),
    /** The address a link is for, without using it up (the confirmation page). */
    peekSignIn: (tokenHash: string, now: string) => peekSignIn.get(tokenHash, now)?.email ?? null,
    /** Uses the link up in one statement, so two clicks cannot both sign in. */
    useSignIn: (tokenHash: string, now: string) => useSignIn.get(now, tokenHash, now)?.email ?? null,
    countSignInsSince: (email: string, since: string) => recentSignIns.get(email, since)!.n,
    pruneSignIns: (before: string) => pruneSignIns.run(before).changes,
    awardsFor: (email: string) => awards.all(email).map(toAward),
    awardFor: (assertionId: string, email: string) => {
      const r = award.get(assertionId, email);
      return r ? toAward(r) : null;
    },
    insertCollection: (c: Collection) => insertCollection.run(c),
    findCollection: (id: string) => {
      const r = collection.get(id);
      return r ? toCollection(r) : null;
    },
    collectionsOf: (email: string) => collectionsOf.all(email).map((r) => ({ ...toCollection(r), itemCount: r.item_count })),
    updateCollection: (id: string, name: string, description: string, at: string) => updateCollection.run(name, description, at, id),
    deleteCollection: (id: string) => deleteCollection.run(id),
    addToCollection: (collectionId: string, assertionId: string, at: string) => addItem.run(collectionId, assertionId, at),
    removeFromCollection: (collectionId: string, assertionId: string) => removeItem.run(collectionId, assertionId),
    collectionItems: (collectionId: string) => items.all(collectionId).map(toAward),
  };
}
