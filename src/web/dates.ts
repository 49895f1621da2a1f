// One way to write a date on every page, instead of ISO strings cut by hand. UTC, as the stored values are, until
// pages know the reader's time zone.
const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

function format(value: string, style: Intl.DateTimeFormat): string {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : style.format(new Date(time));
}

/** "3 December 2026". */
export const dateOf = (value: string) => format(value, DATE);

/** "3 Dec 2026, 16:40 UTC". */
export const dateTimeOf = (value: string) => `${format(value, DATE_TIME)} UTC`;
