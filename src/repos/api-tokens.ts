import type { Db } from '../db/database.js';

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toToken = (row: ApiTokenRow): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export function apiTokensRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (@id, @userId, @name, @tokenHash, @createdAt)',
  );
  const byHash = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL');
  const byUser = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id');
  const revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL');
  const used = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');

  return {
    insert: (token: { id: string; userId: string; name: string; tokenHash: string; createdAt: string }) => insert.run(token),
    findActiveByHash: (hash: string) => {
      const row = byHash.get(hash);
      return row ? toToken(row) : null;
    },
    listForUser: (userId: string) => byUser.all(userId).map(toToken),
    revoke: (id: string, userId: string, at: string) => revoke.run(at, id, userId).changes > 0,
    markUsed: (id: string, at: string) => used.run(at, id),
  };
}
