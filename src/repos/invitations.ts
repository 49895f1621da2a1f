import type { Db } from '../db/database.js';

export function invitationsRepo(db: Db) {
  const insert = db.prepare('INSERT INTO invitations (id, code_hash, created_by, created_at) VALUES (?, ?, ?, ?)');
  const use = db.prepare('UPDATE invitations SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL');
  const open = db.prepare<[string], { id: string }>('SELECT id FROM invitations WHERE code_hash = ? AND used_at IS NULL');

  return {
    insert: (id: string, codeHash: string, createdBy: string, createdAt: string) => insert.run(id, codeHash, createdBy, createdAt),
    isOpen: (codeHash: string) => open.get(codeHash) !== undefined,
    markUsed: (codeHash: string, userId: string, at: string) => use.run(at, userId, codeHash).changes > 0,
  };
}
