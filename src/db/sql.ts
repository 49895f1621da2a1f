/**
 * The one storage interface every repository is written against, served by embedded SQLite (src/db/sqlite.ts, the
 * default) and by PostgreSQL (DATABASE_URL). It keeps better-sqlite3's shape (prepare once, then get/all/run with
 * positional `?` or named `@name` parameters) but every call is asynchronous, because node-postgres is.
 *
 * Transactions are explicit and one per use case: `await db.transaction(async () => { ... })`. Every statement run
 * inside the callback (however deep in the call stack, found through AsyncLocalStorage) belongs to that transaction;
 * a statement from any other request waits until it ends, so no request ever reads another's uncommitted writes.
 * Nested calls become savepoints. The callback must not wait on anything slow outside the database (mail, HTTP,
 * worker threads): the transaction holds the writer lock until it returns.
 */

/** Parameters as better-sqlite3 takes them: positional values, or one object for `@name` parameters. */
export type BindParams = unknown[] | Record<string, unknown>;

type Args<P extends BindParams> = P extends unknown[] ? P : [P];

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Statement<P extends BindParams = unknown[], R = unknown> {
  get(...params: Args<P>): Promise<R | undefined>;
  all(...params: Args<P>): Promise<R[]>;
  run(...params: Args<P>): Promise<RunResult>;
  /** The same statement answering only the first column of each row. */
  pluck<V = unknown>(): Statement<P, V>;
}

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly engine: Engine;
  prepare<P extends BindParams = unknown[], R = unknown>(sql: string): Statement<P, R>;
  /** Runs one or more statements with no parameters and no result (migrations, maintenance). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` as one transaction: all of it is kept, or none of it (the error is rethrown). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** True while the caller is inside a transaction of this database. */
  readonly inTransaction: boolean;
  close(): Promise<void>;
}
