/** The iCalendar routes: a calendar's feed, and importing an .ics file into a calendar. */
import { PluginError, Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { draftFields } from "../appointments/appointment.js";
import { validateAppointment, type ReferenceCheck } from "../appointments/appointment-input.js";
import { calendarFeed } from "../ical/ical-export.js";
import { IcalendarError, readEvents } from "../ical/ical-import.js";
import { insertAppointment, listCalendarAppointments, updateAppointment } from "../store/appointments.js";
import { requireCalendar } from "../store/calendars.js";
import { findTickets, findUsers } from "../store/core-tables.js";
import { formatInstant } from "../time/local-time.js";
import { UTC, findTimeZone } from "../time/time-zones.js";
import { requireStaff } from "./access.js";
import { appointmentDefaults } from "./appointment-defaults.js";

const MAX_EVENTS = 2000;

export const icalRoutes = {
  /** GET /calendars/:id/feed.ics: the calendar as text/calendar. */
  export_ical(req: Request) {
    requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    return new Response(200)
      .header("content-disposition", `attachment; filename="calendar-${calendar.id}.ics"`)
      .text(calendarFeed(calendar, listCalendarAppointments(calendar.id)), "text/calendar; charset=utf-8");
  },

  /**
   * POST /calendars/:id/import with an .ics body: each VEVENT becomes an appointment, or
   * updates the one with its UID. Imports record what happened; they are not refused for
   * conflicts (the events happened elsewhere already).
   */
  import_ical(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    let events;
    try {
      events = readEvents(req.body, findTimeZone(calendar.timezone) ?? UTC);
    } catch (error) {
      if (error instanceof IcalendarError) throw new PluginError(error.message, 400, "BAD_ICALENDAR");
      throw error;
    }
    if (events.length > MAX_EVENTS) throw new PluginError(`the file has ${events.length} events; import at most ${MAX_EVENTS} at a time`, 413, "TOO_MANY_EVENTS");
    const defaults = appointmentDefaults(req, calendar, user);

    // Looked up in bulk: a handler call may make at most 10,000 host calls, so each event costs one write.
    const tickets = findTickets(events.flatMap((e) => (typeof e.input?.ticket_id === "number" ? [e.input.ticket_id] : [])));
    const users = findUsers(events.flatMap((e) => (typeof e.input?.owner_user_id === "number" ? [e.input.owner_user_id] : [])));
    const references: ReferenceCheck = { ticketExists: (id) => tickets.has(id), userExists: (id) => users.has(id) || defaults.ownerUserId === id };
    const existing = new Map(listCalendarAppointments(calendar.id).map((row) => [row.uid, row.id]));

    const now = formatInstant(Date.now());
    const result = { imported: 0, updated: 0, skipped: [] as { uid: string | null; reason: string }[], warnings: [] as { uid: string | null; warning: string }[] };
    for (const event of events) {
      for (const warning of event.warnings) result.warnings.push({ uid: event.uid, warning });
      if (event.input === null) {
        result.skipped.push({ uid: event.uid, reason: event.skipReason! });
        continue;
      }
      const input = event.input;
      // A link to a ticket or user of another help desk is dropped, not a reason to lose the event.
      if (typeof input.ticket_id === "number" && !tickets.has(input.ticket_id)) {
        result.warnings.push({ uid: event.uid, warning: `ticket ${input.ticket_id} does not exist here; the link was left out` });
        delete input.ticket_id;
      }
      if (typeof input.owner_user_id === "number" && !users.has(input.owner_user_id)) {
        result.warnings.push({ uid: event.uid, warning: `user ${input.owner_user_id} does not exist here; the calendar's default owner was used` });
        delete input.owner_user_id;
      }
      let draft;
      try {
        draft = validateAppointment(input, defaults, references);
      } catch (error) {
        if (!(error instanceof PluginError)) throw error;
        result.skipped.push({ uid: event.uid, reason: error.message });
        continue;
      }
      const fields = draftFields(draft, calendar.id);
      const existingId = existing.get(fields.uid);
      if (existingId === undefined) {
        existing.set(fields.uid, insertAppointment(fields, now));
        result.imported++;
      } else {
        updateAppointment(existingId, fields, now);
        result.updated++;
      }
    }
    return { calendar_id: calendar.id, ...result };
  },
} satisfies Record<string, Handler>;
