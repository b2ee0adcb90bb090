/** Calendar routes: list, create, read, change and delete calendars. */
import { FieldErrors, Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { pluginConfig } from "../plugin-config.js";
import { deleteCalendarAppointments } from "../store/appointments.js";
import { deleteCalendar, insertCalendar, listCalendars, requireCalendar, updateCalendar, type CalendarRow, type OwnerType } from "../store/calendars.js";
import { findQueue, findQueues, findUsers } from "../store/core-tables.js";
import { deleteCalendarReminders } from "../store/reminders-sent.js";
import { formatInstant } from "../time/local-time.js";
import { findTimeZone } from "../time/time-zones.js";
import { deleteCalendarFeedTokens } from "../store/feed-tokens.js";
import { requireCalendarManager, requireStaff } from "./access.js";

const BASE = "/api/plugins/calendar";
const CALENDAR_FIELDS = ["name", "owner_type", "owner_id", "timezone"];

/** The owners of calendars, looked up in two queries however many calendars there are. */
function ownersOf(calendars: readonly CalendarRow[]) {
  const users = findUsers(calendars.filter((c) => c.owner_type === "agent").map((c) => c.owner_id));
  const queues = findQueues(calendars.filter((c) => c.owner_type === "team").map((c) => c.owner_id));
  return (calendar: CalendarRow): { id: number; name: string } | null => {
    if (calendar.owner_type === "team") return queues.get(calendar.owner_id) ?? null;
    const user = users.get(calendar.owner_id);
    return user ? { id: user.id, name: `${user.first_name} ${user.last_name}`.trim() || user.login } : null;
  };
}

/**
 * Calendars as the API shows them, with their owner's name, the feed's address (for API
 * clients: it needs the bearer header) and the page where a user makes a URL a calendar app
 * can subscribe to.
 */
function calendarsJSON(calendars: readonly CalendarRow[]) {
  const owner = ownersOf(calendars);
  return calendars.map((calendar) => ({ ...calendar, owner: owner(calendar), feed_url: `${BASE}/calendars/${calendar.id}/feed.ics`, subscriptions_page: `${BASE}/subscriptions` }));
}

const calendarJSON = (calendar: CalendarRow) => calendarsJSON([calendar])[0]!;

function ownerTypeFilter(text: string): OwnerType | undefined {
  if (text === "") return undefined;
  if (text !== "agent" && text !== "team") {
    const errors = new FieldErrors();
    errors.add("owner_type", `must be "agent" or "team"; got ${JSON.stringify(text)}`);
    errors.throwIfAny("request");
  }
  return text as OwnerType;
}

function validName(errors: FieldErrors, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") errors.add("name", value === undefined ? "is required" : `must be non-empty text; got ${JSON.stringify(value)}`);
  else if (value.length > 200) errors.add("name", `is ${value.length} characters long; the limit is 200`);
  return typeof value === "string" ? value.trim() : "";
}

function validZone(errors: FieldErrors, value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  const zone = typeof value === "string" ? findTimeZone(value) : null;
  if (zone === null) errors.add("timezone", `${JSON.stringify(value)} is not a supported time zone; use an IANA name such as "Europe/Berlin" (GET /api/plugins/calendar/time-zones lists them)`);
  return zone?.id ?? fallback;
}

export const calendarRoutes = {
  /** GET /calendars?owner_type=agent&owner_id=5 */
  list_calendars(req: Request) {
    requireStaff(req);
    const ownerId = req.queryInt("owner_id", -1);
    const calendars = listCalendars({ ownerType: ownerTypeFilter(req.query("owner_type")), ownerId: ownerId > 0 ? ownerId : undefined });
    return { calendars: calendarsJSON(calendars) };
  },

  /** POST /calendars {"name", "owner_type": "agent" | "team", "owner_id", "timezone"} */
  create_calendar(req: Request) {
    const user = requireStaff(req);
    const body = req.bodyObject(`{"name": "Support team", "owner_type": "team", "owner_id": 1, "timezone": "Europe/Berlin"}`);
    const errors = new FieldErrors();
    for (const key of Object.keys(body)) if (!CALENDAR_FIELDS.includes(key)) errors.add(key, `is not a field of a calendar; the fields are ${CALENDAR_FIELDS.join(", ")}`);
    const name = validName(errors, body.name);
    const ownerType = body.owner_type ?? "agent";
    if (ownerType !== "agent" && ownerType !== "team") errors.add("owner_type", `must be "agent" or "team"; got ${JSON.stringify(body.owner_type)}`);
    const ownerId = body.owner_id ?? (ownerType === "agent" ? user.id : undefined);
    if (ownerId === undefined) errors.add("owner_id", `is required for a team calendar: the id of the team's queue`);
    else if (typeof ownerId !== "number" || !Number.isSafeInteger(ownerId) || ownerId < 1) errors.add("owner_id", `must be a positive whole number; got ${JSON.stringify(ownerId)}`);
    else if (ownerType === "agent") {
      const owner = findUsers([ownerId]).get(ownerId);
      if (!owner) errors.add("owner_id", `names no user: there is no user ${ownerId}`);
      else if (owner.role === "customer") errors.add("owner_id", `names ${owner.login}, a customer; agent calendars belong to agents`);
    } else if (ownerType === "team" && findQueue(ownerId) === null) errors.add("owner_id", `names no queue: there is no queue ${ownerId} (a team calendar belongs to a queue's team)`);
    const timezone = validZone(errors, body.timezone, pluginConfig(req).defaultZone.id);
    errors.throwIfAny("calendar");
    const id = insertCalendar({ name, owner_type: ownerType as OwnerType, owner_id: ownerId as number, timezone }, formatInstant(Date.now()));
    return new Response(201).header("location", `${BASE}/calendars/${id}`).json(calendarJSON(requireCalendar(String(id))));
  },

  /** GET /calendars/:id */
  get_calendar(req: Request) {
    requireStaff(req);
    return calendarJSON(requireCalendar(req.param("id")));
  },

  /** PATCH /calendars/:id {"name", "timezone"}: the zone is the default for new appointments and views. */
  update_calendar(req: Request) {
    const calendar = requireCalendar(req.param("id"));
    requireCalendarManager(req, calendar);
    const body = req.bodyObject(`{"name": "Emma's calendar", "timezone": "Europe/Berlin"}`);
    const errors = new FieldErrors();
    for (const key of Object.keys(body)) {
      if (key !== "name" && key !== "timezone") errors.add(key, `cannot be changed; a calendar's name and timezone can`);
    }
    const name = body.name === undefined ? calendar.name : validName(errors, body.name);
    const timezone = validZone(errors, body.timezone, calendar.timezone);
    errors.throwIfAny("calendar");
    updateCalendar(calendar.id, { name, timezone }, formatInstant(Date.now()));
    return calendarJSON(requireCalendar(String(calendar.id)));
  },

  /** DELETE /calendars/:id: the calendar and all its appointments. */
  delete_calendar(req: Request) {
    const calendar = requireCalendar(req.param("id"));
    requireCalendarManager(req, calendar);
    deleteCalendarReminders(calendar.id);
    deleteCalendarFeedTokens(calendar.id);
    const appointments = deleteCalendarAppointments(calendar.id);
    deleteCalendar(calendar.id);
    return { deleted: calendar.id, appointments_deleted: appointments };
  },
} satisfies Record<string, Handler>;
