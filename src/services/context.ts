import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { publicUrls, type PublicUrls } from '../openbadges/documents.js';
import type { Repos } from '../repos/index.js';
import type { Db as AsyncDb } from '../db/sql.js';
import { sqliteDb } from '../db/sqlite.js';

/** What every service needs: storage, configuration, and time and randomness passed in so tests are exact. */
export interface ServiceContext {
  db: Db;
  /**
   * The same connection through the asynchronous interface (src/db/sql.ts) that every repository moves to for
   * PostgreSQL (issue 16); new repositories are written against it. One per connection: it owns the writer lock.
   */
  sql: AsyncDb;
  repos: Repos;
  config: Config;
  urls: PublicUrls;
  now: () => Date;
}

export function createServiceContext(db: Db, repos: Repos, config: Config, now: () => Date = () => new Date()): ServiceContext {
  return { db, sql: sqliteDb(db), repos, config, urls: publicUrls(config.publicUrl), now };
}

/** ISO-8601 UTC with Z and whole seconds: what every validator parses (openbadges-spec.md §1.10). */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
