/**
 * Validates an appointment as a client writes it (JSON from POST or PATCH, or a VEVENT turned
 * into the same shape by the importer) and returns the draft to store. Every problem is
 * reported at once, each naming its field.
 */
import { FieldErrors } from "@goatkit/sdk/guest";
import { RecurrenceRuleError, parseRecurrenceRule, type RecurrenceRule } from "../recurrence/recurrence-rule.js";
import { isOccurrenceStart } from "../recurrence/series.js";
import { findTicket, findUser } from "../store/core-tables.js";
import { DAY_MS, MINUTE_MS, formatLocalDateTime, parseInstant, parseLocalDate, parseLocalDateTime } from "../time/local-time.js";
import { findTimeZone, localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";
import type { AppointmentDraft } from "./appointment.js";

export interface AppointmentDefaults {
  zone: TimeZone;
  ownerUserId: number | null;
  reminderMinutes: number | null;
}

/** How `ticket_id` and `owner_user_id` are checked; the importer passes lookups it made in bulk. */
export interface ReferenceCheck {
  ticketExists(id: number): boolean;
  userExists(id: number): boolean;
}

const DATABASE_CHECK: ReferenceCheck = {
  ticketExists: (id) => findTicket(id) !== null,
  userExists: (id) => findUser(id) !== null,
};

const WRITABLE_FIELDS = [
  "uid",
  "title",
  "description",
  "location",
  "all_day",
  "tzid",
  "start",
  "end",
  "duration_minutes",
  "rrule",
  "exdates",
  "ticket_id",
  "owner_user_id",
  "reminder_minutes",
  "allow_conflicts",
];
/** Fields the API answers with: a client may send an appointment back as it got it. */
const READ_ONLY_FIELDS = ["id", "calendar_id", "start_utc", "end_utc", "series_end_utc", "ticket", "created_at", "updated_at"];

const MAX_DURATION_MINUTES = 31 * 24 * 60;
const MAX_REMINDER_MINUTES = 7 * 24 * 60;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

export function validateAppointment(input: Record<string, unknown>, defaults: AppointmentDefaults, references: ReferenceCheck = DATABASE_CHECK): AppointmentDraft {
  const errors = new FieldErrors();
  for (const key of Object.keys(input)) {
    if (!WRITABLE_FIELDS.includes(key) && !READ_ONLY_FIELDS.includes(key)) errors.add(key, `is not a field of an appointment; the fields are ${WRITABLE_FIELDS.join(", ")}`);
  }

  const title = text(errors, input, "title", 255, true);
  const description = text(errors, input, "description", 10_000, false);
  const location = text(errors, input, "location", 255, false);
  const uid = optionalUid(errors, input.uid);
  const allDay = input.all_day === undefined || input.all_day === null ? false : input.all_day;
  if (typeof allDay !== "boolean") errors.add("all_day", `must be true or false; got ${JSON.stringify(input.all_day)}`);

  let zone = defaults.zone;
  if (input.tzid !== undefined && input.tzid !== null) {
    const found = typeof input.tzid === "string" ? findTimeZone(input.tzid) : null;
    if (found === null) errors.add("tzid", `${JSON.stringify(input.tzid)} is not a supported time zone; use an IANA name such as "Europe/Berlin" (GET /api/plugins/calendar/time-zones lists them)`);
    else zone = found;
  }

  const times = allDay === true ? allDayTimes(errors, input) : timedTimes(errors, input, zone);
  const rule = times === null ? null : recurrence(errors, input.rrule, zone, allDay === true, times.start);
  const ruleRejected = rule === null && typeof input.rrule === "string" && input.rrule !== "";
  const exdates = times === null || ruleRejected ? [] : exceptionDates(errors, input.exdates, { zone, allDay: allDay === true, start: times.start, end: times.end, rule, exdates: [] });

  const ticketId = reference(errors, input, "ticket_id", null, (id) => (references.ticketExists(id) ? null : `names no ticket: there is no ticket ${id}`));
  const ownerUserId = reference(errors, input, "owner_user_id", defaults.ownerUserId, (id) => (references.userExists(id) ? null : `names no user: there is no user ${id}`));
  const reminderMinutes = integerField(errors, input, "reminder_minutes", 0, MAX_REMINDER_MINUTES, defaults.reminderMinutes);
  if (input.allow_conflicts !== undefined && typeof input.allow_conflicts !== "boolean") errors.add("allow_conflicts", "must be true or false");

  errors.throwIfAny("appointment");
  return {
    uid,
    title: title!,
    description: description ?? "",
    location: location ?? "",
    allDay: allDay === true,
    zone,
    start: times!.start,
    end: times!.end,
    rule,
    exdates,
    ticketId,
    ownerUserId,
    reminderMinutes,
  };
}

function text(errors: FieldErrors, input: Record<string, unknown>, field: string, max: number, required: boolean): string | null {
  const value = input[field];
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    if (required) errors.add(field, "is required");
    return null;
  }
  if (typeof value !== "string") {
    errors.add(field, `must be text; got ${JSON.stringify(value)}`);
    return null;
  }
  if (value.length > max) errors.add(field, `is ${value.length} characters long; the limit is ${max}`);
  return field === "title" ? value.trim() : value;
}

function optionalUid(errors: FieldErrors, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // Control characters and non-ASCII would need escaping in the feed, and UIDs are identifiers.
  if (typeof value !== "string" || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    errors.add("uid", `must be 1 to 255 printable ASCII characters without spaces; got ${JSON.stringify(value)}`);
    return null;
  }
  return value;
}

function yearProblem(local: number): string | null {
  const year = new Date(local).getUTCFullYear();
  return year < FIRST_YEAR || year > LAST_YEAR ? `is in ${year}; appointments are from ${FIRST_YEAR} to ${LAST_YEAR}` : null;
}

/** A wall-clock time in `zone` from a local date-time, or from an instant with an offset. */
export function wallClock(value: string, zone: TimeZone): number | null {
  const local = parseLocalDateTime(value);
  if (local !== null) return local;
  const instant = parseInstant(value);
  return instant === null ? null : utcToLocal(zone, instant);
}

function timedTimes(errors: FieldErrors, input: Record<string, unknown>, zone: TimeZone): { start: number; end: number } | null {
  const format = `a date-time such as "2026-03-30T09:00" (wall clock in "tzid") or an instant such as "2026-03-30T07:00:00Z"`;
  const start = typeof input.start === "string" ? wallClock(input.start, zone) : null;
  if (input.start === undefined || input.start === null) errors.add("start", `is required: ${format}`);
  else if (start === null) {
    const hint = typeof input.start === "string" && parseLocalDate(input.start) !== null ? ` (for a whole day set "all_day": true)` : "";
    errors.add("start", `must be ${format}; got ${JSON.stringify(input.start)}${hint}`);
  } else if (yearProblem(start) !== null) errors.add("start", yearProblem(start)!);

  const hasEnd = input.end !== undefined && input.end !== null;
  const hasDuration = input.duration_minutes !== undefined && input.duration_minutes !== null;
  let end: number | null = null;
  if (hasEnd && hasDuration) errors.add("end", `and "duration_minutes" are both given; give one`);
  else if (hasEnd) {
    end = typeof input.end === "string" ? wallClock(input.end, zone) : null;
    if (end === null) errors.add("end", `must be ${format}; got ${JSON.stringify(input.end)}`);
  } else if (hasDuration) {
    const minutes = integerField(errors, input, "duration_minutes", 0, MAX_DURATION_MINUTES, null);
    if (minutes !== null && start !== null) end = utcToLocal(zone, localToUtc(zone, start) + minutes * MINUTE_MS);
  } else errors.add("end", `is required (or give "duration_minutes")`);

  if (start === null || end === null) return null;
  const elapsed = localToUtc(zone, end) - localToUtc(zone, start);
  if (elapsed < 0) {
    errors.add("end", `(${formatLocalDateTime(end)}) is before "start" (${formatLocalDateTime(start)})`);
    return null;
  }
  if (elapsed > MAX_DURATION_MINUTES * MINUTE_MS) errors.add("end", `is more than 31 days after "start"; split the appointment`);
  return { start, end };
}

function allDayTimes(errors: FieldErrors, input: Record<string, unknown>): { start: number; end: number } | null {
  const format = `a date such as "2026-03-30" for an all-day appointment`;
  const start = typeof input.start === "string" ? parseLocalDate(input.start) : null;
  if (input.start === undefined || input.start === null) errors.add("start", `is required: ${format}`);
  else if (start === null) errors.add("start", `must be ${format}; got ${JSON.stringify(input.start)}`);
  else if (yearProblem(start) !== null) errors.add("start", yearProblem(start)!);
  if (input.duration_minutes !== undefined && input.duration_minutes !== null) {
    errors.add("duration_minutes", `does not apply to all-day appointments; give "end" as the day after the last day`);
  }
  let end = start === null ? null : start + DAY_MS;
  if (input.end !== undefined && input.end !== null) {
    end = typeof input.end === "string" ? parseLocalDate(input.end) : null;
    if (end === null) errors.add("end", `must be ${format} (the day after the last day); got ${JSON.stringify(input.end)}`);
  }
  if (start === null || end === null) return null;
  if (end <= start) {
    errors.add("end", `must be after "start": it is the day after the last day, so a one-day appointment on 2026-03-30 ends "2026-03-31"`);
    return null;
  }
  if (end - start > 31 * DAY_MS) errors.add("end", `is more than 31 days after "start"; split the appointment`);
  return { start, end };
}

/** The rule, with UNTIL turned into what RFC 5545 asks for: UTC for timed appointments, a date for all-day ones. */
function recurrence(errors: FieldErrors, value: unknown, zone: TimeZone, allDay: boolean, start: number): RecurrenceRule | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") {
    errors.add("rrule", `must be RRULE text such as "FREQ=WEEKLY;BYDAY=MO"; got ${JSON.stringify(value)}`);
    return null;
  }
  let rule: RecurrenceRule;
  try {
    rule = parseRecurrenceRule(value);
  } catch (error) {
    if (!(error instanceof RecurrenceRuleError)) throw error;
    errors.add("rrule", error.message);
    return null;
  }
  const until = rule.until;
  if (until === null) return rule;
  let normalized = until;
  if (allDay && until.kind !== "date") {
    const local = until.kind === "utc" ? utcToLocal(zone, until.value) : until.value;
    normalized = { kind: "date", value: local - (local % DAY_MS) };
  } else if (!allDay && until.kind === "local") {
    normalized = { kind: "utc", value: localToUtc(zone, until.value) };
  } else if (!allDay && until.kind === "date") {
    normalized = { kind: "utc", value: localToUtc(zone, until.value + DAY_MS - 1000) };
  }
  const untilLocal = normalized.kind === "utc" ? utcToLocal(zone, normalized.value) : normalized.kind === "date" ? normalized.value + DAY_MS - 1 : normalized.value;
  if (untilLocal < start) errors.add("rrule", `UNTIL is before "start" (${formatLocalDateTime(start)}), so the series would have no occurrence after the first`);
  return { ...rule, until: normalized };
}

function exceptionDates(errors: FieldErrors, value: unknown, series: Parameters<typeof isOccurrenceStart>[0]): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add("exdates", `must be a list of occurrence starts such as ["2026-04-06T09:00"]; got ${JSON.stringify(value)}`);
    return [];
  }
  if (value.length > 0 && series.rule === null) {
    errors.add("exdates", `leaves out occurrences of a series, but the appointment has no "rrule"`);
    return [];
  }
  const dates = new Set<number>();
  value.forEach((item, index) => {
    const field = `exdates[${index}]`;
    const local = typeof item !== "string" ? null : series.allDay ? parseLocalDate(item) : wallClock(item, series.zone);
    if (local === null) {
      errors.add(field, `must be ${series.allDay ? `a date such as "2026-04-06"` : `a date-time such as "2026-04-06T09:00"`}; got ${JSON.stringify(item)}`);
    } else if (!isOccurrenceStart(series, local)) {
      errors.add(field, `(${formatLocalDateTime(local)}) is not the start of an occurrence of the series`);
    } else dates.add(local);
  });
  return [...dates].sort((a, b) => a - b);
}

function integerField(errors: FieldErrors, input: Record<string, unknown>, field: string, min: number, max: number, fallback: number | null): number | null {
  const value = input[field];
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    errors.add(field, `must be a whole number from ${min} to ${max} (or null); got ${JSON.stringify(value)}`);
    return null;
  }
  return value;
}

function reference(errors: FieldErrors, input: Record<string, unknown>, field: string, fallback: number | null, check: (id: number) => string | null): number | null {
  const value = input[field];
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    errors.add(field, `must be a positive whole number (or null); got ${JSON.stringify(value)}`);
    return null;
  }
  const problem = check(value);
  if (problem !== null) errors.add(field, problem);
  return problem === null ? value : null;
}
