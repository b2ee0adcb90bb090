/** What a new appointment gets when its input does not say: the calendar's zone, its owner, the configured reminder. */
import type { Request, User } from "@goatkit/sdk/guest";
import type { AppointmentDefaults } from "../appointments/appointment-input.js";
import { pluginConfig } from "../plugin-config.js";
import type { CalendarRow } from "../store/calendars.js";
import { UTC, findTimeZone } from "../time/time-zones.js";

export function appointmentDefaults(req: Request, calendar: CalendarRow, user: User): AppointmentDefaults {
  return {
    zone: findTimeZone(calendar.timezone) ?? UTC,
    // Reminders go to the owner: the calendar's agent, or for a team calendar whoever booked it.
    ownerUserId: calendar.owner_type === "agent" ? calendar.owner_id : user.id,
    reminderMinutes: pluginConfig(req).defaultReminderMinutes,
  };
}
