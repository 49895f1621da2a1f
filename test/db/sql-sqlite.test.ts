import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { sqliteDb } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/sql.js';

describe('the asynchronous storage interface on SQLite', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-sql-'));
    db = sqliteDb(openDatabase(path.join(dir, 'kiln.db')));
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  });

  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs positional and named parameters, get, all, run and pluck', async () => {
    const insert = db.prepare<{ id: number; v: string }>('INSERT INTO t (id, v) VALUES (@id, @v)');
    expect(await insert.run({ id: 1, v: 'a' })).toEqual({ changes: 1 });
    await insert.run({ id: 2, v: 'b' });
    const byId = db.prepare<[number], { id: number; v: string }>('SELECT id, v FROM t WHERE id = ?');
    expect(await byId.get(2)).toEqual({ id: 2, v: 'b' });
    expect(await byId.get(3)).toBeUndefined();
    expect(await db.prepare('SELECT v FROM t ORDER BY id').pluck<string>().all()).toEqual(['a', 'b']);
    expect(() => db.prepare('SELECT nope FROM t')).toThrow(/no such column/);
  });

  it('keeps all of a transaction or none of it', async () => {
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    await db.transaction(async () => {
      await insert.run(1, 'kept');
    });
    await expect(
      db.transaction(async () => {
        await insert.run(2, 'lost');
        throw new Error('halfway');
      }),
    ).rejects.toThrow('halfway');
    expect(await db.prepare('SELECT id FROM t').pluck().all()).toEqual([1]);
  });

  it('makes another request wait for an open transaction instead of reading its uncommitted rows', async () => {
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    const count = db.prepare('SELECT count(*) FROM t').pluck<number>();
    let seenOutside: number | undefined;
    let finish!: () => void;
    const holding = new Promise<void>((resolve) => (finish = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const tx = db.transaction(async () => {
      await insert.run(1, 'inside');
      inserted();
      await holding;
      expect(await count.get()).toBe(1);
    });
    await insertedYet;
    // Another request arrives while the transaction is open: it waits, then sees the committed row.
    const outside = count.get().then((n) => (seenOutside = n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seenOutside).toBeUndefined();
    finish();
    await tx;
    await outside;
    expect(seenOutside).toBe(1);
  });

  it('serialises concurrent transactions and rolls back a failed savepoint alone', async () => {
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    const read = db.prepare('SELECT v FROM t WHERE id = 1').pluck<string>();
    const update = db.prepare('UPDATE t SET v = v || ? WHERE id = 1');
    await insert.run(1, '');
    // Each appends after a pause; interleaved read-modify-write would lose letters.
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((letter) =>
        db.transaction(async () => {
          const before = await read.get();
          await new Promise((resolve) => setTimeout(resolve, 5));
          await update.run(letter);
          expect(await read.get()).toBe(`${before}${letter}`);
        }),
      ),
    );
    expect((await read.get())!.length).toBe(4);
    await db.transaction(async () => {
      await insert.run(2, 'outer');
      await expect(
        db.transaction(async () => {
          await insert.run(3, 'inner');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      expect(db.inTransaction).toBe(true);
    });
    expect(await db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([1, 2]);
    expect(db.inTransaction).toBe(false);
  });
});
