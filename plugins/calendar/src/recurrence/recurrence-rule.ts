/**
 * RFC 5545 RRULE values: parsed into a checked structure and written back in one canonical
 * form, so a rule that goes out in the iCalendar feed and comes back through import is the
 * same text. The parts appointments support are those of FREQ DAILY, WEEKLY, MONTHLY and
 * YEARLY; anything else is refused by name instead of being ignored.
 */
import { formatIcalDate, formatIcalUtc, parseIcalDate, parseIcalDateTime } from "../time/local-time.js";

export type Frequency = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";

export interface WeekdayRule {
  /** 0 = every such weekday in the period; 1 = the first, -1 = the last, ... */
  nth: number;
  /** 0 = Sunday. */
  weekday: number;
}

/** UNTIL as written: an instant (`...Z`), a wall-clock time (no `Z`) or a date. */
export type Until = { kind: "utc"; value: number } | { kind: "local"; value: number } | { kind: "date"; value: number };

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  count: number | null;
  until: Until | null;
  byMonth: number[];
  byMonthDay: number[];
  byDay: WeekdayRule[];
  bySetPos: number[];
  /** 0 = Sunday; null when not given (Monday). */
  weekStart: number | null;
}

/** A problem with an RRULE; the message names the part. */
export class RecurrenceRuleError extends Error {
  override name = "RecurrenceRuleError";
}

export const MAX_COUNT = 1000;
const FREQUENCIES: readonly Frequency[] = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const WEEKDAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const PARTS = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"];
const WEEKDAY_RULE = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/;

/** Parses `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10` (an `RRULE:` prefix is accepted); throws RecurrenceRuleError. */
export function parseRecurrenceRule(text: string): RecurrenceRule {
  const source = text.trim().replace(/^RRULE:/i, "");
  if (source === "") throw new RecurrenceRuleError("is empty; write a rule such as FREQ=WEEKLY;BYDAY=MO");
  const parts = new Map<string, string>();
  for (const part of source.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new RecurrenceRuleError(`part "${part}" is not NAME=VALUE`);
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim().toUpperCase();
    if (!PARTS.includes(name)) throw new RecurrenceRuleError(`${name} is not supported; the supported parts are ${PARTS.join(", ")}`);
    if (parts.has(name)) throw new RecurrenceRuleError(`${name} is given twice`);
    parts.set(name, value);
  }

  const freqText = parts.get("FREQ");
  if (freqText === undefined) throw new RecurrenceRuleError("needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)");
  if (!FREQUENCIES.includes(freqText as Frequency)) {
    throw new RecurrenceRuleError(`FREQ=${freqText} is not supported for appointments; use DAILY, WEEKLY, MONTHLY or YEARLY`);
  }
  const freq = freqText as Frequency;
  const rule: RecurrenceRule = {
    freq,
    interval: integerPart(parts, "INTERVAL", 1, 999) ?? 1,
    count: integerPart(parts, "COUNT", 1, MAX_COUNT),
    until: untilPart(parts.get("UNTIL")),
    byMonth: integerList(parts, "BYMONTH", 1, 12, false),
    byMonthDay: integerList(parts, "BYMONTHDAY", 1, 31, true),
    byDay: weekdayList(parts.get("BYDAY"), freq),
    bySetPos: integerList(parts, "BYSETPOS", 1, 366, true),
    weekStart: parts.has("WKST") ? weekdayCode(parts.get("WKST")!, "WKST") : null,
  };
  if (rule.count !== null && rule.until !== null) throw new RecurrenceRuleError("has both COUNT and UNTIL; keep one (RFC 5545 allows only one)");
  if (freq === "WEEKLY" && rule.byMonthDay.length > 0) throw new RecurrenceRuleError("BYMONTHDAY cannot be used with FREQ=WEEKLY");
  if (rule.bySetPos.length > 0 && rule.byDay.length + rule.byMonthDay.length + rule.byMonth.length === 0) {
    throw new RecurrenceRuleError("BYSETPOS needs BYDAY, BYMONTHDAY or BYMONTH to pick from");
  }
  return rule;
}

/** The canonical text of a rule (no `RRULE:` prefix). */
export function formatRecurrenceRule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== null) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== null) parts.push(`UNTIL=${formatUntil(rule.until)}`);
  if (rule.byMonth.length > 0) parts.push(`BYMONTH=${rule.byMonth.join(",")}`);
  if (rule.byMonthDay.length > 0) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(",")}`);
  if (rule.byDay.length > 0) parts.push(`BYDAY=${rule.byDay.map((d) => `${d.nth === 0 ? "" : d.nth}${WEEKDAY_CODES[d.weekday]}`).join(",")}`);
  if (rule.bySetPos.length > 0) parts.push(`BYSETPOS=${rule.bySetPos.join(",")}`);
  if (rule.weekStart !== null) parts.push(`WKST=${WEEKDAY_CODES[rule.weekStart]}`);
  return parts.join(";");
}

function formatUntil(until: Until): string {
  if (until.kind === "date") return formatIcalDate(until.value);
  if (until.kind === "utc") return formatIcalUtc(until.value);
  return formatIcalUtc(until.value).slice(0, -1);
}

function integerPart(parts: Map<string, string>, name: string, min: number, max: number): number | null {
  const text = parts.get(name);
  if (text === undefined) return null;
  if (!/^\d+$/.test(text) || +text < min || +text > max) throw new RecurrenceRuleError(`${name}=${text} must be a whole number from ${min} to ${max}`);
  return +text;
}

function integerList(parts: Map<string, string>, name: string, min: number, max: number, signed: boolean): number[] {
  const text = parts.get(name);
  if (text === undefined) return [];
  return text.split(",").map((item) => {
    const value = Number(item);
    const magnitude = Math.abs(value);
    const ok = /^[+-]?\d+$/.test(item) && magnitude >= min && magnitude <= max && (signed || value > 0);
    if (!ok) throw new RecurrenceRuleError(`${name} value "${item}" must be ${signed ? `from -${max} to -${min} or ` : ""}from ${min} to ${max}`);
    return value;
  });
}

function weekdayCode(text: string, part: string): number {
  const index = WEEKDAY_CODES.indexOf(text);
  if (index < 0) throw new RecurrenceRuleError(`${part} value "${text}" is not a weekday (${WEEKDAY_CODES.join(", ")})`);
  return index;
}

function weekdayList(text: string | undefined, freq: Frequency): WeekdayRule[] {
  if (text === undefined) return [];
  return text.split(",").map((item) => {
    const m = WEEKDAY_RULE.exec(item);
    if (!m) throw new RecurrenceRuleError(`BYDAY value "${item}" is not a weekday such as MO, 1MO or -1FR`);
    const nth = m[1] === undefined ? 0 : Number(m[1]);
    if (nth !== 0) {
      if (freq !== "MONTHLY" && freq !== "YEARLY") throw new RecurrenceRuleError(`BYDAY value "${item}" has a position, which only FREQ=MONTHLY or YEARLY allow`);
      const limit = freq === "MONTHLY" ? 5 : 53;
      if (Math.abs(nth) > limit) throw new RecurrenceRuleError(`BYDAY value "${item}" has position ${nth}; it must be from -${limit} to ${limit}, not 0`);
    }
    return { nth, weekday: weekdayCode(m[2]!, "BYDAY") };
  });
}

function untilPart(text: string | undefined): Until | null {
  if (text === undefined) return null;
  const date = parseIcalDate(text);
  if (date !== null) return { kind: "date", value: date };
  const dateTime = parseIcalDateTime(text);
  if (dateTime === null) throw new RecurrenceRuleError(`UNTIL=${text} is not a date (20261231) or a UTC date-time (20261231T235959Z)`);
  return { kind: dateTime.utc ? "utc" : "local", value: dateTime.value };
}
