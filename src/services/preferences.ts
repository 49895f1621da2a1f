import { ValidationError } from '../errors.js';
import { userPreferencesRepo } from '../repos/user-preferences.js';
import type { ServiceContext } from './context.js';

/** The IANA zones this Node knows (with UTC, which Intl lists under another name), in a set for exact lookups. */
const ZONES: ReadonlySet<string> = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
export const TIME_ZONES: readonly string[] = [...ZONES].sort();

/**
 * The zone's name as this Node's list spells it (browsers may send a newer alias: Asia/Kolkata for Asia/Calcutta),
 * or null for anything unknown (a typo, an old browser's guess, a long string).
 */
export function knownTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(value)) return null;
  if (ZONES.has(value)) return value;
  try {
    const canonical = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    return ZONES.has(canonical) ? canonical : null;
  } catch {
    return null;
  }
}

/** How an account wants pages shown: for now its time zone (issue 19: never bare UTC for a facilitator). */
export function preferencesService(ctx: ServiceContext) {
  const repo = userPreferencesRepo(ctx.sql);
  return {
    timeZoneOf: async (userId: string) => (await repo.find(userId)).timeZone,

    /** The zone chosen on the account page; an empty value clears it (back to the browser's on next sign-in). */
    async chooseTimeZone(userId: string, raw: unknown): Promise<string | null> {
      if (raw === '' || raw === undefined) {
        await repo.setTimeZone(userId, null, ctx.now().toISOString());
        return null;
      }
      const zone = knownTimeZone(raw);
      if (!zone) throw new ValidationError({ timeZone: 'Choose a time zone from the list.' });
      await repo.setTimeZone(userId, zone, ctx.now().toISOString());
      return zone;
    },

    /** The browser's own zone, sent along with sign-up and sign-in: taken only while the account has none. */
    async rememberBrowserZone(userId: string, raw: unknown): Promise<void> {
      const zone = knownTimeZone(raw);
      if (zone) await repo.setTimeZone(userId, zone, ctx.now().toISOString(), true);
    },
  };
}

export type PreferencesService = ReturnType<typeof preferencesService>;
