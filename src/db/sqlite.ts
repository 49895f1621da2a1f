import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { BindParams, Db, RunResult, Statement } from './sql.js';

/** What the transaction the current call stack runs in knows: how deep its savepoints go. */
interface Transaction {
  savepoints: number;
}

/**
 * src/db/sql.ts on one better-sqlite3 connection. Statements still run synchronously underneath (so a request that
 * touches no transaction costs what it did before, one resolved promise more); what the wrapper adds is the writer
 * lock an asynchronous transaction needs on a shared connection: while one is open, a statement from anywhere else
 * waits for it to end instead of running inside it.
 */
export function sqliteDb(raw: Database.Database): Db & { readonly raw: Database.Database } {
  const current = new AsyncLocalStorage<Transaction>();
  // Settled when the open transaction ends; null when none is open.
  let lock: Promise<void> | null = null;

  const blocked = () => lock !== null && current.getStore() === undefined;

  async function afterLock<T>(op: () => T): Promise<T> {
    while (blocked()) await lock;
    return op();
  }

  /** Runs `op` now when nothing stands in its way (the common case, with no extra turn of the event loop). */
  function schedule<T>(op: () => T): Promise<T> {
    if (blocked()) return afterLock(op);
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function statement<P extends BindParams, R>(sql: string, pluck: boolean, first?: Database.Statement): Statement<P, R> {
    const prepared = first ?? raw.prepare(sql);
    if (pluck) prepared.pluck();
    type Call = (...params: unknown[]) => unknown;
    const call = (method: 'get' | 'all' | 'run', params: unknown[]) => schedule(() => (prepared[method] as Call)(...params));
    let plucked: Statement<P, unknown> | undefined;
    return {
      get: (...params) => call('get', params) as Promise<R | undefined>,
      all: (...params) => call('all', params) as Promise<R[]>,
      run: (...params) => call('run', params).then((r) => ({ changes: (r as Database.RunResult).changes }) as RunResult),
      pluck: <V>() => (plucked ??= statement<P, unknown>(sql, true)) as Statement<P, V>,
    };
  }

  async function nested<T>(tx: Transaction, fn: () => Promise<T>): Promise<T> {
    const name = `kiln_sp${++tx.savepoints}`;
    raw.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      raw.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      raw.exec(`ROLLBACK TO ${name}`);
      raw.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  return {
    engine: 'sqlite',
    raw,
    prepare: <P extends BindParams = unknown[], R = unknown>(sql: string) => statement<P, R>(sql, false),
    exec: (sql) => schedule(() => void raw.exec(sql)),
    get inTransaction() {
      return current.getStore() !== undefined;
    },
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
      const open = current.getStore();
      if (open) return nested(open, fn);
      while (lock !== null) await lock;
      let release!: () => void;
      lock = new Promise<void>((resolve) => (release = resolve));
      try {
        // IMMEDIATE takes the write lock now, so another process cannot make this transaction fail halfway.
        raw.exec('BEGIN IMMEDIATE');
        try {
          const result = await current.run({ savepoints: 0 }, fn);
          raw.exec('COMMIT');
          return result;
        } catch (err) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw err;
        }
      } finally {
        lock = null;
        release();
      }
    },
    async close() {
      while (lock !== null) await lock;
      raw.close();
    },
  };
}
