/** Appointment routes: occurrences in a range, create, read, change, delete, and a ticket's appointments. */
import { PluginError, Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { appointmentJSON, draftFields, type AppointmentDraft } from "../appointments/appointment.js";
import { validateAppointment } from "../appointments/appointment-input.js";
import { applyPatch } from "../appointments/appointment-patch.js";
import { pluginConfig } from "../plugin-config.js";
import { expandRows, occurrenceJSON } from "../scheduling/busy-time.js";
import { conflictJSON, type Conflict } from "../scheduling/conflicts.js";
import { draftConflicts } from "../scheduling/draft-conflicts.js";
import {
  deleteAppointment,
  uidHolder,
  findAppointment,
  insertAppointment,
  listAppointmentsTouching,
  listTicketAppointments,
  requireAppointment,
  updateAppointment,
  type AppointmentRow,
} from "../store/appointments.js";
import { findCalendar, requireCalendar, type CalendarRow } from "../store/calendars.js";
import { findTicket } from "../store/core-tables.js";
import { deleteRemindersOf } from "../store/reminders-sent.js";
import { DAY_MS, formatInstant } from "../time/local-time.js";
import { UTC, findTimeZone } from "../time/time-zones.js";
import { requireStaff } from "./access.js";
import { appointmentDefaults } from "./appointment-defaults.js";
import { queryRange, queryZone } from "./time-range.js";

const BASE = "/api/plugins/calendar";
/** The next few occurrences from now, for showing a series. */
function upcoming(row: AppointmentRow, count: number) {
  return expandRows([row], Date.now(), Date.now() + 366 * DAY_MS).slice(0, count).map(occurrenceJSON);
}

function withTicket(row: AppointmentRow) {
  return { ...appointmentJSON(row, row.ticket_id === null ? null : findTicket(row.ticket_id)), next_occurrences: upcoming(row, 5) };
}

/** The 409 answer for a booking that overlaps others, listing them. */
function conflictResponse(conflicts: readonly Conflict[], calendar: CalendarRow): string {
  const first = occurrenceJSON(conflicts[0]!.conflictsWith);
  const mine = occurrenceJSON(conflicts[0]!.occurrence);
  const count = conflicts.length === 1 ? "1 time" : `${conflicts.length} times`;
  const message =
    `"start": the appointment overlaps other appointments in calendar ${calendar.id} ${count}; first its occurrence at ${mine.start} ${mine.tzid} ` +
    `overlaps "${first.title}" (appointment ${first.appointment_id}) ${first.start} to ${first.end} ${first.tzid}; ` +
    `move it, or send "allow_conflicts": true to book it anyway`;
  return new Response(409).json({ error: message, code: "CONFLICT", conflict_count: conflicts.length, conflicts: conflicts.slice(0, 50).map(conflictJSON) });
}

function checkUid(draft: AppointmentDraft, calendarId: number, appointmentId: number | null): void {
  if (draft.uid === null) return;
  const holder = uidHolder(calendarId, draft.uid, appointmentId);
  if (holder !== null) {
    throw new PluginError(`invalid appointment: "uid" ${JSON.stringify(draft.uid)} is already used by appointment ${holder} in calendar ${calendarId}; UIDs are unique per calendar`, 409, "DUPLICATE_UID");
  }
}

export const appointmentRoutes = {
  /** GET /calendars/:id/appointments?from=2026-03-01&to=2026-03-31&tz=Europe/Berlin: occurrences, series expanded. */
  list_appointments(req: Request) {
    requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const zone = queryZone(req, findTimeZone(calendar.timezone) ?? UTC);
    const { from, to } = queryRange(req, zone, { defaultDays: 7, maxDays: 366 });
    const occurrences = expandRows(listAppointmentsTouching([calendar.id], formatInstant(from), formatInstant(to)), from, to);
    return { calendar_id: calendar.id, from: formatInstant(from), to: formatInstant(to), occurrences: occurrences.map(occurrenceJSON) };
  },

  /** POST /calendars/:id/appointments: 201 with the appointment, or 409 listing the conflicts. */
  create_appointment(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const body = req.bodyObject(`{"title": "Call back", "start": "2026-03-30T09:00", "duration_minutes": 30}`);
    const draft = validateAppointment(body, appointmentDefaults(req, calendar, user));
    checkUid(draft, calendar.id, null);
    const conflicts = draftConflicts(draft, calendar.id, null, pluginConfig(req).conflictHorizonDays);
    if (conflicts.length > 0 && body.allow_conflicts !== true) return conflictResponse(conflicts, calendar);
    const id = insertAppointment(draftFields(draft, calendar.id), formatInstant(Date.now()));
    const row = findAppointment(id)!;
    return new Response(201).header("location", `${BASE}/appointments/${id}`).json({ ...withTicket(row), conflicts: conflicts.map(conflictJSON) });
  },

  /** GET /appointments/:id: the series, its ticket and its next occurrences. */
  get_appointment(req: Request) {
    requireStaff(req);
    return withTicket(requireAppointment(req.param("id")));
  },

  /** PATCH /appointments/:id: the fields to change; checked for conflicts like a new booking. */
  update_appointment(req: Request) {
    const user = requireStaff(req);
    const row = requireAppointment(req.param("id"));
    const calendar = findCalendar(row.calendar_id)!;
    const patch = req.bodyObject(`{"start": "2026-03-30T10:00"}`);
    const draft = validateAppointment(applyPatch(row, patch), appointmentDefaults(req, calendar, user));
    checkUid(draft, calendar.id, row.id);
    const conflicts = draftConflicts(draft, calendar.id, row.id, pluginConfig(req).conflictHorizonDays);
    if (conflicts.length > 0 && patch.allow_conflicts !== true) return conflictResponse(conflicts, calendar);
    updateAppointment(row.id, draftFields({ ...draft, uid: draft.uid ?? row.uid }, calendar.id), formatInstant(Date.now()));
    return { ...withTicket(findAppointment(row.id)!), conflicts: conflicts.map(conflictJSON) };
  },

  /** DELETE /appointments/:id */
  delete_appointment(req: Request) {
    requireStaff(req);
    const row = requireAppointment(req.param("id"));
    deleteRemindersOf(row.id);
    deleteAppointment(row.id);
    return { deleted: row.id };
  },

  /** GET /tickets/:ticket_id/appointments: the appointments linked to a ticket, in every calendar. */
  ticket_appointments(req: Request) {
    requireStaff(req);
    const idText = req.param("ticket_id");
    const ticket = /^\d+$/.test(idText) ? findTicket(Number(idText)) : null;
    if (ticket === null) throw new PluginError(`ticket ${JSON.stringify(idText)} does not exist`, 404, "NOT_FOUND");
    return {
      ticket: { id: ticket.id, tn: ticket.tn, title: ticket.title },
      appointments: listTicketAppointments(ticket.id).map((row) => ({ ...appointmentJSON(row, ticket), next_occurrences: upcoming(row, 1) })),
    };
  },
} satisfies Record<string, Handler>;
