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
  // The first account is the site admin: decided by the insert itself, so two first sign-ups cannot both be admin.
  const insertDecidingAdmin = db.prepare(
    `INSERT INTO users (id, email, password_hash, is_admin, created_at)
     VALUES (@id, @email, @passwordHash, CASE WHEN @isAdmin = 1 OR NOT EXISTS (SELECT 1 FROM users) THEN 1 ELSE 0 END, @createdAt)`,
  );
  // Sign-up closed (or by invitation) still lets the very first account in: only while the table is empty.
  const insertIfFirst = db.prepare(
    `INSERT INTO users (id, email, password_hash, is_admin, created_at)
     SELECT @id, @email, @passwordHash, 1, @createdAt WHERE NOT EXISTS (SELECT 1 FROM users)`,
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
    /** Inserts the account, admin when asked or when it is the first; answers whether it became admin. */
    insertDecidingAdmin: (user: Omit<User, 'isAdmin'> & { isAdmin: boolean }) => {
      insertDecidingAdmin.run({ ...user, isAdmin: user.isAdmin ? 1 : 0 });
      return byId.get(user.id)!.is_admin === 1;
    },
    /** Inserts the account as the site admin only if there is no account yet; false (nothing written) otherwise. */
    insertIfFirst: (user: Omit<User, 'isAdmin'>) => insertIfFirst.run(user).changes > 0,
    setPasswordHash: (id: string, hash: string) => setPassword.run(hash, id),
    list: (limit: number, offset: number) => list.all(limit, offset).map(toUser),
  };
}
