/**
 * Calendar & Appointments: calendars per agent or team, appointments linked to tickets,
 * recurring events in their own time zone, conflict detection, free slots, an iCalendar feed
 * and import, email reminders, and a "today's appointments" widget. The routes, widget, job,
 * permissions and tables are declared in manifest.json; README.md describes them.
 */
import { Registration, definePlugin } from "@goatkit/sdk/guest";
import { reminderJob } from "./reminders/send-reminders.js";
import { appointmentRoutes } from "./routes/appointments.js";
import { calendarRoutes } from "./routes/calendars.js";
import { feedRoutes } from "./routes/feeds.js";
import { icalRoutes } from "./routes/ical.js";
import { schedulingRoutes } from "./routes/scheduling.js";
import { subscriptionsPage } from "./routes/subscriptions-page.js";
import { timeZoneRoutes } from "./routes/time-zones.js";
import { todayWidget } from "./widget/today-widget.js";

export default definePlugin({
  register: new Registration("calendar", "0.1.0").description(
    "Calendar & Appointments: calendars per agent or team, appointments linked to tickets, recurring events across time zones, conflicts, free slots, iCalendar feed and import, email reminders",
  ),
  handlers: {
    ...calendarRoutes,
    ...appointmentRoutes,
    ...schedulingRoutes,
    ...icalRoutes,
    ...feedRoutes,
    ...subscriptionsPage,
    ...timeZoneRoutes,
    ...reminderJob,
    ...todayWidget,
  },
});
