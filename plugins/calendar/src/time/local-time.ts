/**
 * Wall-clock ("local") times as numbers: a local date-time is held as the milliseconds of the
 * same fields read as UTC (`2026-03-29T02:30` → `Date.UTC(2026, 2, 29, 2, 30)`), so date
 * arithmetic on it is plain arithmetic and never crosses a time zone rule. time-zones.ts turns
 * such a value into an instant for a given zone.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})$/;
const ICAL_DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/;
const ICAL_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The local value of the fields, or null when a field is out of range (month 13, 30 February, 24:00). */
function fields(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `2026-03-30T09:00` or `2026-03-30T09:00:00` (a space instead of `T` is accepted). */
export function parseLocalDateTime(text: string): number | null {
  const m = LOCAL_DATE_TIME.exec(text);
  return m ? fields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)) : null;
}

/** `2026-03-30`, as local midnight. */
export function parseLocalDate(text: string): number | null {
  const m = LOCAL_DATE.exec(text);
  return m ? fields(+m[1]!, +m[2]!, +m[3]!) : null;
}

/** `09:30` as minutes after midnight; `24:00` is allowed as the end of a day. */
export function parseTimeOfDay(text: string): number | null {
  const m = TIME_OF_DAY.exec(text);
  if (!m) return null;
  const minutes = +m[1]! * 60 + +m[2]!;
  return +m[2]! < 60 && minutes <= 24 * 60 ? minutes : null;
}

/** An instant with an explicit offset: `2026-03-30T07:00:00Z`, `2026-03-30T09:00+02:00`. */
export function parseInstant(text: string): number | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const local = fields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (local === null) return null;
  const zone = m[7]!;
  if (zone === "Z") return local;
  const sign = zone.startsWith("-") ? -1 : 1;
  return local - sign * (+zone.slice(1, 3) * 60 + +zone.slice(4, 6)) * MINUTE_MS;
}

/** iCalendar DATE-TIME `20260330T090000` (local) or `20260330T070000Z` (UTC). */
export function parseIcalDateTime(text: string): { value: number; utc: boolean } | null {
  const m = ICAL_DATE_TIME.exec(text);
  if (!m) return null;
  const value = fields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return value === null ? null : { value, utc: m[7] === "Z" };
}

/** iCalendar DATE `20260330`. */
export function parseIcalDate(text: string): number | null {
  const m = ICAL_DATE.exec(text);
  return m ? fields(+m[1]!, +m[2]!, +m[3]!) : null;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2026-03-30T09:00:00`. */
export function formatLocalDateTime(local: number): string {
  const d = new Date(local);
  return `${formatLocalDate(local)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2026-03-30`. */
export function formatLocalDate(local: number): string {
  const d = new Date(local);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `09:00`. */
export function formatTimeOfDay(local: number): string {
  const d = new Date(local);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `2026-03-30T07:00:00Z`: how instants are stored and returned (sorts as text). */
export function formatInstant(utc: number): string {
  return `${new Date(utc).toISOString().slice(0, 19)}Z`;
}

/** iCalendar `20260330T090000`. */
export function formatIcalLocal(local: number): string {
  return formatLocalDateTime(local).replace(/[-:]/g, "");
}

/** iCalendar `20260330T070000Z`. */
export function formatIcalUtc(utc: number): string {
  return `${formatIcalLocal(utc)}Z`;
}

/** iCalendar `20260330`. */
export function formatIcalDate(local: number): string {
  return formatLocalDate(local).replace(/-/g, "");
}

/** Local midnight of the day `local` falls on. */
export function startOfDay(local: number): number {
  return Math.floor(local / DAY_MS) * DAY_MS;
}

const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** `Monday, 30 March 2026`. */
export function formatLongDate(local: number): string {
  const d = new Date(local);
  return `${WEEKDAY_NAMES[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
