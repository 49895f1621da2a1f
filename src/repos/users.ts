import type { Db } from '../db/database.js';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  is_admin: number;
  created_at: string;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  isAdmin: row.is_admin === 1,
  createdAt: row.created_at,
});

export function usersRepo(db: Db) {
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  const insert = db.prepare(
    'INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (@id, @email, @passwordHash, @isAdmin, @createdAt)',
  );
  const setPassword = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
  const list = db.prepare<[number, number], UserRow>('SELECT * FROM users ORDER BY created_at, id LIMIT ? OFFSET ?');

  return {
    findById: (id: string) => {
      const row = byId.get(id);
      return row ? toUser(row) : null;
    },
    findByEmail: (email: string) => {
      const row = byEmail.get(email);
      return row ? toUser(row) : null;
    },
    count: () => count.get()!.n,
    insert: (user: User) => insert.run({ ...user, isAdmin: user.isAdmin ? 1 : 0 }),
    setPasswordHash: (id: string, hash: string) => setPassword.run(hash, id),
    list: (limit: number, offset: number) => list.all(limit, offset).map(toUser),
  };
}
