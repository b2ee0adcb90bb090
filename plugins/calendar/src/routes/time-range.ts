/**
 * The `from` and `to` query parameters of range routes. A date means a whole local day in the
 * zone (`to` included), a local date-time a wall-clock time in the zone, and an instant with
 * `Z` or an offset itself.
 */
import { FieldErrors, type Request } from "@goatkit/sdk/guest";
import { DAY_MS, formatInstant, parseInstant, parseLocalDate, parseLocalDateTime, startOfDay } from "../time/local-time.js";
import { findTimeZone, localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";

export interface TimeRange {
  from: number;
  to: number;
}

const FORMAT = `a date ("2026-03-30"), a local date-time ("2026-03-30T09:00") or an instant ("2026-03-30T07:00:00Z")`;

function bound(text: string, zone: TimeZone, endOfDay: boolean): number | null {
  const date = parseLocalDate(text);
  if (date !== null) return localToUtc(zone, endOfDay ? date + DAY_MS : date);
  const local = parseLocalDateTime(text);
  if (local !== null) return localToUtc(zone, local);
  return parseInstant(text);
}

/** [from, to) from the query; `from` defaults to today in `zone`, `to` to `defaultDays` after `from`. */
export function queryRange(req: Request, zone: TimeZone, limits: { defaultDays: number; maxDays: number }): TimeRange {
  const errors = new FieldErrors();
  const fromText = req.query("from");
  const toText = req.query("to");
  let from: number | null = localToUtc(zone, startOfDay(utcToLocal(zone, Date.now())));
  if (fromText !== "") {
    from = bound(fromText, zone, false);
    if (from === null) errors.add("from", `must be ${FORMAT}; got ${JSON.stringify(fromText)}`);
  }
  let to: number | null = from === null ? null : from + limits.defaultDays * DAY_MS;
  if (toText !== "") {
    to = bound(toText, zone, true);
    if (to === null) errors.add("to", `must be ${FORMAT}; got ${JSON.stringify(toText)}`);
  }
  if (from !== null && to !== null) {
    if (to <= from) errors.add("to", `(${formatInstant(to)}) must be after "from" (${formatInstant(from)})`);
    else if (to - from > limits.maxDays * DAY_MS) errors.add("to", `is more than ${limits.maxDays} days after "from"; ask for a shorter range`);
  }
  errors.throwIfAny("request");
  return { from: from!, to: to! };
}

/** The zone of the `tz` query parameter, else `fallback`. */
export function queryZone(req: Request, fallback: TimeZone): TimeZone {
  const name = req.query("tz");
  if (name === "") return fallback;
  const zone = findTimeZone(name);
  if (zone === null) {
    const errors = new FieldErrors();
    errors.add("tz", `${JSON.stringify(name)} is not a supported time zone; use an IANA name such as "Europe/Berlin" (GET /api/plugins/calendar/time-zones lists them)`);
    errors.throwIfAny("request");
  }
  return zone!;
}
