/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, UTC) and the demo schema's
 * `YYYY-MM-DD HH:MM:SS` timestamps. Reports compute dates here instead of in SQL, because date
 * functions differ between SQLite, PostgreSQL and MySQL while string comparisons do not.
 */

/** "Not a day": what `parseDay` returns for text that is not a valid date. */
export const NO_DAY: i32 = i32.MIN_VALUE;
/** "Not a time": what `parseTimestamp` returns for text it cannot read. */
export const NO_TIME: i64 = i64.MIN_VALUE;

const SECONDS_PER_DAY: i64 = 86_400;

/** Today's day number, by the host's clock. */
export function today(): i32 {
  return <i32>(Date.now() / 86_400_000);
}

/** The host's clock in seconds since 1970-01-01. */
export function nowSeconds(): i64 {
  return Date.now() / 1000;
}

/** Day number of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: i32, month: i32, day: i32): i32 {
  const y = month <= 2 ? year - 1 : year;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yearOfEra = y - era * 400;
  const dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** `YYYY-MM-DD` of a day number (H. Hinnant's `civil_from_days`). */
export function formatDay(days: i32): string {
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const dayOfEra = z - era * 146097;
  const yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const mp = (5 * dayOfYear + 2) / 153;
  const day = dayOfYear - (153 * mp + 2) / 5 + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
}

/** `MM-DD` of a day number: short axis labels. */
export function formatMonthDay(days: i32): string {
  return formatDay(days).substring(5);
}

/** The day number of a strict `YYYY-MM-DD` date that exists in the calendar, else `NO_DAY`. */
export function parseDay(text: string): i32 {
  if (text.length != 10 || text.charCodeAt(4) != 0x2d || text.charCodeAt(7) != 0x2d) return NO_DAY;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NO_DAY;
  return daysFromCivil(year, month, day);
}

/**
 * Seconds since 1970-01-01 of `YYYY-MM-DD HH:MM:SS` (a `T` instead of the space, and anything
 * after the seconds, as in ISO 8601 text from other drivers, are accepted), else `NO_TIME`.
 */
export function parseTimestamp(text: string): i64 {
  if (text.length < 19) return NO_TIME;
  const day = parseDay(text.substring(0, 10));
  const separator = text.charCodeAt(10);
  if (day == NO_DAY || (separator != 0x20 && separator != 0x54)) return NO_TIME;
  if (text.charCodeAt(13) != 0x3a || text.charCodeAt(16) != 0x3a) return NO_TIME;
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 60) return NO_TIME;
  return <i64>day * SECONDS_PER_DAY + <i64>(hours * 3600 + minutes * 60 + seconds);
}

/** The SQL bound for the start of a day: `YYYY-MM-DD 00:00:00`. */
export function startOfDay(days: i32): string {
  return formatDay(days) + " 00:00:00";
}

function daysInMonth(year: i32, month: i32): i32 {
  if (month == 2) return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
  return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

/** The decimal number in `text[start, start + count)`, or -1 when a character is not a digit. */
function digits(text: string, start: i32, count: i32): i32 {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function pad(value: i32, width: i32): string {
  return value.toString().padStart(width, "0");
}
