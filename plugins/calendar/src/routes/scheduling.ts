/** Scheduling routes: the conflicts in a calendar, a conflict check before booking, and free slots. */
import { FieldErrors, type Handler, type Request } from "@goatkit/sdk/guest";
import { validateAppointment } from "../appointments/appointment-input.js";
import { pluginConfig } from "../plugin-config.js";
import { expandRows } from "../scheduling/busy-time.js";
import { conflictJSON, conflictsWithin } from "../scheduling/conflicts.js";
import { draftConflicts } from "../scheduling/draft-conflicts.js";
import { freeSlots } from "../scheduling/free-slots.js";
import { listAppointmentsTouching } from "../store/appointments.js";
import { requireCalendar } from "../store/calendars.js";
import { DAY_MS, formatInstant, parseLocalDate, parseTimeOfDay, startOfDay } from "../time/local-time.js";
import { UTC, findTimeZone, localToUtc, utcToLocal } from "../time/time-zones.js";
import { requireStaff } from "./access.js";
import { appointmentDefaults } from "./appointment-defaults.js";
import { queryRange, queryZone } from "./time-range.js";

const WEEKDAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const MAX_SLOT_DAYS = 62;

export const schedulingRoutes = {
  /** GET /calendars/:id/conflicts?from=...&to=...: every overlap between different appointments. */
  list_conflicts(req: Request) {
    requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const zone = queryZone(req, findTimeZone(calendar.timezone) ?? UTC);
    const { from, to } = queryRange(req, zone, { defaultDays: 30, maxDays: 366 });
    const occurrences = expandRows(listAppointmentsTouching([calendar.id], formatInstant(from), formatInstant(to)), from, to);
    const conflicts = conflictsWithin(occurrences);
    return { calendar_id: calendar.id, from: formatInstant(from), to: formatInstant(to), conflicts: conflicts.map(conflictJSON) };
  },

  /**
   * POST /calendars/:id/conflicts with an appointment as it would be booked: its conflicts,
   * without saving. To check a change, send the stored appointment (its `id`) with the change.
   */
  check_conflicts(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const body = req.bodyObject(`{"title": "Call back", "start": "2026-03-30T09:00", "duration_minutes": 30}`);
    const draft = validateAppointment(body, appointmentDefaults(req, calendar, user));
    const ownId = typeof body.id === "number" ? body.id : null;
    const conflicts = draftConflicts(draft, calendar.id, ownId, pluginConfig(req).conflictHorizonDays);
    return { calendar_id: calendar.id, conflict_count: conflicts.length, conflicts: conflicts.slice(0, 50).map(conflictJSON) };
  },

  /**
   * GET /calendars/:id/free-slots?from=2026-03-30&to=2026-04-03&day_start=09:00&day_end=17:00
   * &slot_minutes=30&weekdays=MO,TU,WE,TH,FR&tz=Europe/Berlin: bookable slots per day.
   */
  free_slots(req: Request) {
    requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const config = pluginConfig(req);
    const zone = queryZone(req, findTimeZone(calendar.timezone) ?? UTC);
    const errors = new FieldErrors();

    const today = startOfDay(utcToLocal(zone, Date.now()));
    const day = (name: string, fallback: number) => {
      const text = req.query(name);
      if (text === "") return fallback;
      const value = parseLocalDate(text);
      if (value === null) errors.add(name, `must be a date such as "2026-03-30"; got ${JSON.stringify(text)}`);
      return value ?? fallback;
    };
    const firstDay = day("from", today);
    const lastDay = day("to", firstDay);
    if (lastDay < firstDay) errors.add("to", `is before "from"`);
    else if (lastDay - firstDay >= MAX_SLOT_DAYS * DAY_MS) errors.add("to", `is more than ${MAX_SLOT_DAYS} days after "from"; ask for a shorter range`);

    const time = (name: string, fallback: number) => {
      const text = req.query(name);
      if (text === "") return fallback;
      const value = parseTimeOfDay(text);
      if (value === null) errors.add(name, `must be a time of day such as "09:00" (up to "24:00"); got ${JSON.stringify(text)}`);
      return value ?? fallback;
    };
    const workdayStart = time("day_start", config.workdayStart);
    const workdayEnd = time("day_end", config.workdayEnd);
    if (workdayEnd <= workdayStart) errors.add("day_end", `must be after "day_start"`);

    const slotText = req.query("slot_minutes");
    const slotMinutes = req.queryInt("slot_minutes", slotText === "" ? 30 : -1);
    if (slotMinutes < 5 || slotMinutes > 720) errors.add("slot_minutes", `must be a whole number of minutes from 5 to 720; got ${JSON.stringify(slotText)}`);

    const weekdayText = req.query("weekdays", "MO,TU,WE,TH,FR").toUpperCase();
    const weekdays = new Set<number>();
    for (const code of weekdayText.split(",")) {
      const index = WEEKDAY_CODES.indexOf(code.trim());
      if (index < 0) errors.add("weekdays", `must list weekdays such as "MO,TU,WE,TH,FR"; "${code}" is not one of ${WEEKDAY_CODES.join(", ")}`);
      else weekdays.add(index);
    }
    errors.throwIfAny("request");

    const from = localToUtc(zone, firstDay);
    const to = localToUtc(zone, lastDay + DAY_MS);
    const busy = expandRows(listAppointmentsTouching([calendar.id], formatInstant(from), formatInstant(to)), from, to);
    const days = freeSlots({ zone, firstDay, lastDay, workdayStart, workdayEnd, slotMinutes, weekdays, notBefore: Date.now() }, busy);
    return { calendar_id: calendar.id, tz: zone.id, slot_minutes: slotMinutes, day_start: req.query("day_start") || minutesText(workdayStart), day_end: req.query("day_end") || minutesText(workdayEnd), days };
  },
} satisfies Record<string, Handler>;

function minutesText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
