/**
 * Subscription URLs: each user can make a secret URL of a calendar's iCalendar feed that a
 * calendar app (Google Calendar, Outlook, Apple Calendar) fetches without a sign-in, revoke it,
 * or rotate it (a new URL; the old one stops working at once). The URL alone is the credential:
 * it works while its user is a valid agent or administrator.
 */
import { PluginError, Response, host, type Handler, type Request } from "@goatkit/sdk/guest";
import { calendarFeed } from "../ical/ical-export.js";
import { listCalendarAppointments } from "../store/appointments.js";
import { findCalendar, requireCalendar } from "../store/calendars.js";
import { findFeedToken, feedTokenOf, issueFeedToken, revokeFeedToken, touchFeedToken } from "../store/feed-tokens.js";
import { formatInstant } from "../time/local-time.js";
import { requireStaff } from "./access.js";

const FEEDS = "/api/plugins/calendar/feeds";

/** The absolute URL a calendar app needs, from the address the request came in on. */
function feedUrl(req: Request, secret: string): string {
  const path = `${FEEDS}/${secret}.ics`;
  const hostName = req.header("x-forwarded-host") || req.header("host");
  if (!hostName) return path;
  const scheme = req.header("x-forwarded-proto").split(",")[0]!.trim() || "http";
  return `${scheme}://${hostName}${path}`;
}

const notFound = () => new PluginError("no calendar feed has this address: it was revoked or rotated, or never existed; make a new one with POST /api/plugins/calendar/calendars/:id/feed-url", 404, "NO_SUCH_FEED");

export const feedRoutes = {
  /** POST /calendars/:id/feed-url: a new secret URL for the signed-in user (the old one stops working). */
  create_feed_url(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const now = formatInstant(Date.now());
    const secret = issueFeedToken(calendar.id, user.id, now);
    return new Response(201).json({
      calendar_id: calendar.id,
      feed_url: feedUrl(req, secret),
      created_at: now,
      note: "Subscribe to this URL in your calendar app. It is shown only now: the calendar keeps only its hash. Anyone with the URL can read the calendar; rotate it (POST again) or revoke it (DELETE) if it leaks.",
    });
  },

  /** GET /calendars/:id/feed-url: whether the signed-in user has a URL (the secret itself is not kept). */
  feed_url_status(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    const token = feedTokenOf(calendar.id, user.id);
    return { calendar_id: calendar.id, active: token !== null, created_at: token?.created_at ?? null, last_used_at: token?.last_used_at ?? null };
  },

  /** DELETE /calendars/:id/feed-url: the signed-in user's URL stops working. */
  revoke_feed_url(req: Request) {
    const user = requireStaff(req);
    const calendar = requireCalendar(req.param("id"));
    return { calendar_id: calendar.id, revoked: revokeFeedToken(calendar.id, user.id) };
  },

  /** GET /feeds/:feed (no sign-in): the calendar of a secret URL, as text/calendar. */
  subscribed_feed(req: Request) {
    const secret = req.param("feed").replace(/\.ics$/, "");
    const token = findFeedToken(secret);
    if (token === null) throw notFound();
    // A URL is worth no more than its user: an agent who left (no longer valid) loses it.
    // `users` holds only agents; customers are in `customer_user`.
    const owner = host.dbQuery<{ valid_id: number }>("SELECT valid_id FROM users WHERE id = ?", [token.user_id])[0];
    if (!owner || Number(owner.valid_id) !== 1) throw notFound();
    const calendar = findCalendar(token.calendar_id);
    if (calendar === null) throw notFound();
    touchFeedToken(secret, formatInstant(Date.now()));
    return new Response(200)
      .header("cache-control", "private, max-age=300")
      .text(calendarFeed(calendar, listCalendarAppointments(calendar.id)), "text/calendar; charset=utf-8");
  },
} satisfies Record<string, Handler>;
