// One way to write a date on every page, instead of ISO strings cut by hand: in the reader's time zone when the
// account has one (src/services/preferences.ts), else in UTC, as the stored values are, and always saying which.
interface Formats {
  date: Intl.DateTimeFormat;
  dateTime: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
  month: Intl.DateTimeFormat;
}

// Zones are checked against Intl's own list before they get here, so this holds at most a few hundred entries.
const formatsByZone = new Map<string, Formats>();

function formatsFor(timeZone: string): Formats {
  let formats = formatsByZone.get(timeZone);
  if (!formats) {
    formats = {
      date: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone }),
      dateTime: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }),
      time: new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }),
      month: new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone }),
    };
    formatsByZone.set(timeZone, formats);
  }
  return formats;
}

function format(value: string, style: Intl.DateTimeFormat): string {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : style.format(new Date(time));
}

export interface DateWriters {
  /** "3 December 2026". */
  dateOf(value: string): string;
  /** "3 Dec 2026, 16:40 UTC" (or "3 Dec 2026, 11:40 GMT-5" in the reader's zone). */
  dateTimeOf(value: string): string;
  /** "16:40 UTC": for today's times, such as when a workshop session closes. */
  timeOf(value: string): string;
  /** "Dec 2026": a chart's axis, where a full date does not fit. */
  monthOf(value: string): string;
}

/** The date writers for one reader's zone (UTC when they have none). */
export function datesIn(timeZone: string | null): DateWriters {
  const formats = formatsFor(timeZone ?? 'UTC');
  return {
    dateOf: (value) => format(value, formats.date),
    dateTimeOf: (value) => format(value, formats.dateTime),
    timeOf: (value) => format(value, formats.time),
    monthOf: (value) => format(value, formats.month),
  };
}

export const { dateOf, dateTimeOf, timeOf, monthOf } = datesIn(null);
