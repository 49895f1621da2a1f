import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { publicUrls, type PublicUrls } from '../openbadges/documents.js';
import type { Repos } from '../repos/index.js';

/** What every service needs: storage, configuration, and time and randomness passed in so tests are exact. */
export interface ServiceContext {
  db: Db;
  repos: Repos;
  config: Config;
  urls: PublicUrls;
  now: () => Date;
}

export function createServiceContext(db: Db, repos: Repos, config: Config, now: () => Date = () => new Date()): ServiceContext {
  return { db, repos, config, urls: publicUrls(config.publicUrl), now };
}

/** ISO-8601 UTC with Z and whole seconds: what every validator parses (openbadges-spec.md §1.10). */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
