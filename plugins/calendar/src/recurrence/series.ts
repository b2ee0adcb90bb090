/**
 * An appointment's occurrences. Recurrence is expanded on the wall clock of the appointment's
 * zone (rrule works on "floating" dates, local-time.ts), and each occurrence is then placed on
 * the time line with that zone's rules: a weekly 09:00 Europe/Berlin meeting is at 08:00 UTC in
 * winter and 07:00 UTC in summer, and always at 09:00 in Berlin.
 */
import { Frequency as RRuleFrequency, RRule, Weekday, type Options as RRuleOptions } from "rrule";
import { DAY_MS, HOUR_MS } from "../time/local-time.js";
import { localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";
import type { RecurrenceRule, Until } from "./recurrence-rule.js";

export interface Series {
  zone: TimeZone;
  allDay: boolean;
  /** Wall-clock start and end of the first occurrence (local-time.ts values). */
  start: number;
  end: number;
  rule: RecurrenceRule | null;
  /** Wall-clock starts of the occurrences left out (EXDATE). */
  exdates: readonly number[];
}

export interface Occurrence {
  /** Instants, UTC ms. */
  start: number;
  end: number;
  /** Wall-clock times in the series' zone. */
  localStart: number;
  localEnd: number;
}

// No zone is more than 14 hours from UTC, so this margin turns an instant window into a
// wall-clock window that certainly contains it.
const ZONE_MARGIN_MS = 14 * HOUR_MS;

const FREQUENCIES = { DAILY: RRuleFrequency.DAILY, WEEKLY: RRuleFrequency.WEEKLY, MONTHLY: RRuleFrequency.MONTHLY, YEARLY: RRuleFrequency.YEARLY };

/** rrule numbers weekdays from Monday (0); ours from Sunday (0), like Date#getUTCDay. */
const rruleWeekday = (weekday: number) => (weekday + 6) % 7;

function untilWallClock(until: Until, zone: TimeZone): number {
  if (until.kind === "utc") return utcToLocal(zone, until.value);
  // A date includes the whole day.
  if (until.kind === "date") return until.value + DAY_MS - 1;
  return until.value;
}

function toRRule(rule: RecurrenceRule, series: Series): RRule {
  const options: Partial<RRuleOptions> = {
    freq: FREQUENCIES[rule.freq],
    interval: rule.interval,
    dtstart: new Date(series.start),
    count: rule.count,
    until: rule.until === null ? null : new Date(untilWallClock(rule.until, series.zone)),
    wkst: rule.weekStart === null ? null : rruleWeekday(rule.weekStart),
  };
  if (rule.byMonth.length > 0) options.bymonth = rule.byMonth;
  if (rule.byMonthDay.length > 0) options.bymonthday = rule.byMonthDay;
  if (rule.bySetPos.length > 0) options.bysetpos = rule.bySetPos;
  if (rule.byDay.length > 0) options.byweekday = rule.byDay.map((d) => new Weekday(rruleWeekday(d.weekday), d.nth === 0 ? undefined : d.nth));
  return new RRule(options);
}

/**
 * Wall-clock starts of the whole series within [from, to] (wall clock), sorted. RFC 5545 counts
 * DTSTART as the first occurrence even when the rule would not produce it (rrule, like
 * python-dateutil, leaves it out), and COUNT includes it.
 */
function wallClockStarts(series: Series, from: number, to: number): number[] {
  const { rule } = series;
  if (rule === null) return series.start >= from && series.start <= to ? [series.start] : [];
  const rrule = toRRule(rule, series);
  const firstByRule = rrule.after(new Date(series.start), true)?.getTime() ?? null;
  let starts: number[];
  if (firstByRule === series.start) {
    starts = rrule.between(new Date(from), new Date(to), true).map((d) => d.getTime());
  } else if (rule.count !== null) {
    const all = [series.start, ...rrule.all().slice(0, rule.count - 1).map((d) => d.getTime())];
    starts = all.filter((s) => s >= from && s <= to);
  } else {
    starts = rrule.between(new Date(from), new Date(to), true).map((d) => d.getTime());
    if (series.start >= from && series.start <= to) starts.unshift(series.start);
  }
  if (series.exdates.length === 0) return starts;
  const excluded = new Set(series.exdates);
  return starts.filter((s) => !excluded.has(s));
}

function occurrenceAt(series: Series, localStart: number): Occurrence {
  if (series.allDay) {
    const localEnd = localStart + (series.end - series.start);
    return { start: localToUtc(series.zone, localStart), end: localToUtc(series.zone, localEnd), localStart, localEnd };
  }
  // RFC 5545 3.8.5.3: every occurrence lasts exactly as long as the first, in elapsed time.
  const start = localToUtc(series.zone, localStart);
  const end = start + (localToUtc(series.zone, series.end) - localToUtc(series.zone, series.start));
  return { start, end, localStart, localEnd: utcToLocal(series.zone, end) };
}

/** The occurrences that overlap [from, to) (instants); a zero-length one counts when it starts inside. */
export function occurrencesBetween(series: Series, from: number, to: number): Occurrence[] {
  const wallLength = series.end - series.start;
  const starts = wallClockStarts(series, from - ZONE_MARGIN_MS - wallLength - HOUR_MS, to + ZONE_MARGIN_MS);
  return starts.map((s) => occurrenceAt(series, s)).filter((o) => (o.end > o.start ? o.start < to && o.end > from : o.start >= from && o.start < to));
}

/** The first occurrence (DTSTART's), whether or not EXDATE removes it. */
export function firstOccurrence(series: Series): Occurrence {
  return occurrenceAt(series, series.start);
}

/** When the last occurrence ends (instant), or null for a series without end. */
export function seriesEnd(series: Series): number | null {
  const { rule } = series;
  if (rule === null) return firstOccurrence(series).end;
  if (rule.count === null && rule.until === null) return null;
  const rrule = toRRule(rule, series);
  const lastByRule = (rule.count !== null ? rrule.all().at(-1) : rrule.before(new Date(untilWallClock(rule.until!, series.zone)), true))?.getTime() ?? series.start;
  const lastStart = wallClockStarts({ ...series, exdates: [] }, series.start, Math.max(series.start, lastByRule)).at(-1) ?? series.start;
  return occurrenceAt(series, lastStart).end;
}

/** Whether `localStart` is the wall-clock start of one of the series' occurrences (for EXDATE checks). */
export function isOccurrenceStart(series: Series, localStart: number): boolean {
  return wallClockStarts({ ...series, exdates: [] }, localStart, localStart).includes(localStart);
}
