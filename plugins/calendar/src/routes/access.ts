/**
 * Who may use the calendar. The manifest's `auth` middleware guarantees a signed-in user;
 * calendars are for the help desk's staff, so customers are refused. Any agent may read and
 * book into any calendar (help desks share calendars); deleting or changing a calendar is for
 * its agent and administrators.
 */
import { PluginError, type Request, type User } from "@goatkit/sdk/guest";
import type { CalendarRow } from "../store/calendars.js";

export function requireStaff(req: Request): User {
  const user = req.user;
  if (user === null) throw new PluginError("sign in first: calendar routes need a signed-in agent", 401, "UNAUTHENTICATED");
  if (user.role !== "agent" && user.role !== "admin") {
    throw new PluginError(`calendar routes are for agents and administrators; ${user.login || `user ${user.id}`} is a ${user.role || "user without a role"}`, 403, "FORBIDDEN");
  }
  return user;
}

export function requireCalendarManager(req: Request, calendar: CalendarRow): User {
  const user = requireStaff(req);
  const ownsIt = calendar.owner_type === "agent" && calendar.owner_id === user.id;
  if (user.role !== "admin" && !ownsIt) {
    throw new PluginError(`only an administrator or the calendar's own agent may change calendar ${calendar.id} ("${calendar.name}")`, 403, "FORBIDDEN");
  }
  return user;
}
