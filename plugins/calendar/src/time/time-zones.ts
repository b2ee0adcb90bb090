/**
 * The time zones appointments may use, as a small embedded rule table. The JavaScript engine
 * inside a component (StarlingMonkey) is built without `Intl`, so `Intl.DateTimeFormat` and
 * `toLocaleString({ timeZone })` cannot convert between zones there.
 *
 * Each zone is its standard offset plus, where it observes daylight saving time, one of four
 * rules in force today (EU, US/Canada, south-east Australia, New Zealand). The table applies
 * today's rules to every year: instants before a rule's `since` year (or before a zone last
 * changed its offset) may be off by an hour. Zones whose rules do not fit (Cairo, Tehran,
 * Jerusalem, Santiago, ...) are not offered rather than offered wrong. test/time-zones.test.ts
 * checks every zone against Node's ICU data hour by hour.
 */
import { MINUTE_MS, daysInMonth } from "./local-time.js";

/** A daylight saving change: the `week`th (or last) `weekday` of `month`, at `minutes` on a `clock`. */
export interface Transition {
  month: number;
  week: 1 | 2 | 3 | 4 | "last";
  /** 0 = Sunday. */
  weekday: number;
  minutes: number;
  /** `utc`: `minutes` after midnight UTC (EU); `standard`: after midnight in the zone's standard time. */
  clock: "utc" | "standard";
}

export interface DstRule {
  name: string;
  /** The first year the rule held as written (for VTIMEZONE DTSTART). */
  since: number;
  start: Transition;
  end: Transition;
}

export interface TimeZone {
  id: string;
  /** Minutes east of UTC outside daylight saving time. */
  standardOffset: number;
  dst: DstRule | null;
}

const DST_SAVE = 60;

const EU: DstRule = {
  name: "EU",
  since: 1996,
  start: { month: 3, week: "last", weekday: 0, minutes: 60, clock: "utc" },
  end: { month: 10, week: "last", weekday: 0, minutes: 60, clock: "utc" },
};
const US: DstRule = {
  name: "US",
  since: 2007,
  start: { month: 3, week: 2, weekday: 0, minutes: 120, clock: "standard" },
  // 02:00 daylight time is 01:00 standard time.
  end: { month: 11, week: 1, weekday: 0, minutes: 60, clock: "standard" },
};
const AU: DstRule = {
  name: "AU",
  since: 2008,
  start: { month: 10, week: 1, weekday: 0, minutes: 120, clock: "standard" },
  end: { month: 4, week: 1, weekday: 0, minutes: 120, clock: "standard" },
};
const NZ: DstRule = {
  name: "NZ",
  since: 2007,
  start: { month: 9, week: "last", weekday: 0, minutes: 120, clock: "standard" },
  end: { month: 4, week: 1, weekday: 0, minutes: 120, clock: "standard" },
};

const ZONES: [id: string, standardOffsetMinutes: number, dst: DstRule | null][] = [
  ["UTC", 0, null],
  ["Europe/London", 0, EU],
  ["Europe/Dublin", 0, EU],
  ["Europe/Lisbon", 0, EU],
  ["Atlantic/Canary", 0, EU],
  ["Europe/Amsterdam", 60, EU],
  ["Europe/Belgrade", 60, EU],
  ["Europe/Berlin", 60, EU],
  ["Europe/Brussels", 60, EU],
  ["Europe/Budapest", 60, EU],
  ["Europe/Copenhagen", 60, EU],
  ["Europe/Luxembourg", 60, EU],
  ["Europe/Madrid", 60, EU],
  ["Europe/Oslo", 60, EU],
  ["Europe/Paris", 60, EU],
  ["Europe/Prague", 60, EU],
  ["Europe/Rome", 60, EU],
  ["Europe/Stockholm", 60, EU],
  ["Europe/Vienna", 60, EU],
  ["Europe/Warsaw", 60, EU],
  ["Europe/Zurich", 60, EU],
  ["Europe/Athens", 120, EU],
  ["Europe/Bucharest", 120, EU],
  ["Europe/Helsinki", 120, EU],
  ["Europe/Kyiv", 120, EU],
  ["Europe/Riga", 120, EU],
  ["Europe/Sofia", 120, EU],
  ["Europe/Tallinn", 120, EU],
  ["Europe/Vilnius", 120, EU],
  ["Europe/Istanbul", 180, null],
  ["Europe/Minsk", 180, null],
  ["Europe/Moscow", 180, null],
  ["Africa/Lagos", 60, null],
  ["Africa/Johannesburg", 120, null],
  ["Africa/Nairobi", 180, null],
  ["Asia/Dubai", 240, null],
  ["Asia/Karachi", 300, null],
  ["Asia/Kolkata", 330, null],
  ["Asia/Kathmandu", 345, null],
  ["Asia/Dhaka", 360, null],
  ["Asia/Bangkok", 420, null],
  ["Asia/Ho_Chi_Minh", 420, null],
  ["Asia/Jakarta", 420, null],
  ["Asia/Hong_Kong", 480, null],
  ["Asia/Kuala_Lumpur", 480, null],
  ["Asia/Manila", 480, null],
  ["Asia/Shanghai", 480, null],
  ["Asia/Singapore", 480, null],
  ["Asia/Taipei", 480, null],
  ["Asia/Seoul", 540, null],
  ["Asia/Tokyo", 540, null],
  ["Australia/Perth", 480, null],
  ["Australia/Darwin", 570, null],
  ["Australia/Adelaide", 570, AU],
  ["Australia/Brisbane", 600, null],
  ["Australia/Hobart", 600, AU],
  ["Australia/Melbourne", 600, AU],
  ["Australia/Sydney", 600, AU],
  ["Pacific/Auckland", 720, NZ],
  ["Pacific/Honolulu", -600, null],
  ["America/Anchorage", -540, US],
  ["America/Los_Angeles", -480, US],
  ["America/Vancouver", -480, US],
  ["America/Denver", -420, US],
  ["America/Edmonton", -420, US],
  ["America/Phoenix", -420, null],
  ["America/Chicago", -360, US],
  ["America/Mexico_City", -360, null],
  ["America/Winnipeg", -360, US],
  ["America/Bogota", -300, null],
  ["America/Lima", -300, null],
  ["America/New_York", -300, US],
  ["America/Toronto", -300, US],
  ["America/Caracas", -240, null],
  ["America/Halifax", -240, US],
  ["America/St_Johns", -210, US],
  ["America/Argentina/Buenos_Aires", -180, null],
  ["America/Sao_Paulo", -180, null],
];

/** Other names for supported zones: they resolve to the zone and are stored under its name. */
const ALIASES: Record<string, string> = {
  "Etc/UTC": "UTC",
  "Etc/GMT": "UTC",
  GMT: "UTC",
  Z: "UTC",
  "Europe/Kiev": "Europe/Kyiv",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "US/Eastern": "America/New_York",
  "US/Central": "America/Chicago",
  "US/Mountain": "America/Denver",
  "US/Pacific": "America/Los_Angeles",
};

const BY_ID = new Map<string, TimeZone>(ZONES.map(([id, standardOffset, dst]) => [id, { id, standardOffset, dst }]));

/** The supported zone ids, in the table's order (by offset, roughly west to east within regions). */
export const SUPPORTED_TIME_ZONES: readonly string[] = ZONES.map(([id]) => id);

export const UTC: TimeZone = BY_ID.get("UTC")!;

/** The zone for an IANA id or one of its aliases; null when unsupported. */
export function findTimeZone(id: string): TimeZone | null {
  return BY_ID.get(id) ?? BY_ID.get(ALIASES[id] ?? "") ?? null;
}

/** The day of month of a transition in `year`. */
function transitionDay(year: number, t: Transition): number {
  if (t.week === "last") {
    const last = daysInMonth(year, t.month);
    const weekdayOfLast = new Date(Date.UTC(year, t.month - 1, last)).getUTCDay();
    return last - ((weekdayOfLast - t.weekday + 7) % 7);
  }
  const weekdayOfFirst = new Date(Date.UTC(year, t.month - 1, 1)).getUTCDay();
  return 1 + ((t.weekday - weekdayOfFirst + 7) % 7) + (t.week - 1) * 7;
}

/** The instant (UTC ms) of a transition in `year`, for a zone with `standardOffset`. */
export function transitionInstant(year: number, t: Transition, standardOffset: number): number {
  const midnight = Date.UTC(year, t.month - 1, transitionDay(year, t));
  return midnight + t.minutes * MINUTE_MS - (t.clock === "standard" ? standardOffset * MINUTE_MS : 0);
}

/** The wall-clock time (local ms) a transition happens at, read on the clock in force just before it. */
export function transitionWallTime(year: number, t: Transition, zone: TimeZone, fromOffset: number): number {
  return transitionInstant(year, t, zone.standardOffset) + fromOffset * MINUTE_MS;
}

/** Minutes east of UTC in `zone` at the instant `utc`. */
export function offsetAt(zone: TimeZone, utc: number): number {
  const { dst, standardOffset } = zone;
  if (dst === null) return standardOffset;
  const year = new Date(utc + standardOffset * MINUTE_MS).getUTCFullYear();
  const start = transitionInstant(year, dst.start, standardOffset);
  const end = transitionInstant(year, dst.end, standardOffset);
  // Southern-hemisphere zones start daylight time late in the year and end it early in the next.
  const inDst = start < end ? utc >= start && utc < end : utc >= start || utc < end;
  return inDst ? standardOffset + DST_SAVE : standardOffset;
}

/** The daylight-time offset of a zone (its standard offset when it has none). */
export function daylightOffset(zone: TimeZone): number {
  return zone.dst === null ? zone.standardOffset : zone.standardOffset + DST_SAVE;
}

/** The wall-clock time in `zone` at the instant `utc`. */
export function utcToLocal(zone: TimeZone, utc: number): number {
  return utc + offsetAt(zone, utc) * MINUTE_MS;
}

/**
 * The instant a wall-clock time in `zone` names. As RFC 5545 (3.3.5) asks: a time that occurs
 * twice (the hour repeated when clocks go back) is the first of the two, and a time that does
 * not exist (skipped when clocks go forward) is read with the offset before the gap, so
 * 02:30 on a spring-forward night becomes 03:30 daylight time.
 */
export function localToUtc(zone: TimeZone, local: number): number {
  const standard = zone.standardOffset;
  const daylight = daylightOffset(zone);
  const asDaylight = local - daylight * MINUTE_MS;
  if (daylight !== standard && offsetAt(zone, asDaylight) === daylight) return asDaylight;
  return local - standard * MINUTE_MS;
}

/** `+0100`, as iCalendar UTC-OFFSET values are written. */
export function formatUtcOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

