/**
 * The calendar plugin (built by `pnpm --filter @goatkit/plugin-calendar build`) in the real
 * host, on the demo help desk, with a clock the test moves. Routes are called the way the
 * host's HTTP layer calls them: `kind: "route"`, the route's params, query, body and user.
 */
import { createHost, type CacheService, type DatabaseService, type Host, type MailService, type PluginResponse, type PluginUser } from "@goatkit/host";
import { expect } from "vitest";

export const pluginDir = new URL("../..", import.meta.url).pathname;

/** The demo help desk the tests run on (deterministic: the same rows on every database). */
export const DEMO = { tickets: 30, anchorDay: "2026-03-20" };

// Users of the demo help desk (packages/host demo data).
export const emma: PluginUser = { id: 5, login: "emma.larsen", email: "emma.larsen@goatflow.example", role: "agent" };
export const farid: PluginUser = { id: 6, login: "farid.costa", email: "farid.costa@goatflow.example", role: "agent" };
export const ada: PluginUser = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" };
export const customer: PluginUser = { id: 900, login: "carla.customer", email: "carla@example.com", role: "customer" };

export interface RouteCall {
  method?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  user?: PluginUser | null;
}

/** A host with the plugin loaded; `clock.now` is the host's (and the plugin's) time. */
export class CalendarHost {
  private constructor(
    readonly host: Host,
    readonly clock: { now: number },
  ) {}

  /** `database`: another database with the demo tables (PostgreSQL, MySQL); default an in-memory SQLite one. */
  static async open(now: string, options: { config?: Record<string, unknown>; mail?: MailService; database?: DatabaseService; cache?: CacheService } = {}): Promise<CalendarHost> {
    const clock = { now: Date.parse(now) };
    const host = await createHost({ database: options.database ?? { demo: DEMO }, now: () => clock.now, mail: options.mail, ...(options.cache ? { cache: options.cache } : {}) });
    await host.load(pluginDir, { config: options.config ?? {} });
    return new CalendarHost(host, clock);
  }

  setTime(iso: string): void {
    this.clock.now = Date.parse(iso);
  }

  /** Calls a handler as a route; a body that is not a string is sent as JSON. */
  call(handler: string, call: RouteCall = {}): Promise<PluginResponse> {
    const body = call.body === undefined ? "" : typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    return this.host.call("calendar", handler, {
      kind: "route",
      method: call.method ?? (call.body === undefined ? "GET" : "POST"),
      params: call.params ?? {},
      query: call.query ?? {},
      body,
      user: call.user === undefined ? emma : call.user,
    });
  }

  /** Calls a route that must answer `status`, and returns its JSON. */
  async json(handler: string, call: RouteCall = {}, status = 200): Promise<any> {
    const res = await this.call(handler, call);
    expect(res.status, `${handler}: ${String(res.body)}`).toBe(status);
    return JSON.parse(String(res.body));
  }

  createCalendar(body: Record<string, unknown>, user: PluginUser = emma): Promise<any> {
    return this.json("create_calendar", { body, user }, 201);
  }

  createAppointment(calendarId: number, body: Record<string, unknown>, user: PluginUser = emma): Promise<any> {
    return this.json("create_appointment", { params: { id: String(calendarId) }, body, user }, 201);
  }

  occurrences(calendarId: number, query: Record<string, string>): Promise<any[]> {
    return this.json("list_appointments", { params: { id: String(calendarId) }, query }).then((r) => r.occurrences);
  }

  close(): Promise<void> {
    return this.host.close();
  }
}

/**
 * The UTC instant of a wall-clock time in a zone, by Node's ICU: the independent oracle for the
 * plugin's own tz table. Like RFC 5545 3.3.5: a repeated time is the first of the two, a skipped
 * time is read with the offset before the gap.
 */
export function zonedInstant(local: string, zone: string): string {
  const wall = Date.parse(`${local}Z`);
  const before = offsetMinutes(zone, wall - 86_400_000);
  const after = offsetMinutes(zone, wall + 86_400_000);
  const valid = [before, after].map((offset) => ({ offset, instant: wall - offset * 60_000 })).filter((c) => offsetMinutes(zone, c.instant) === c.offset);
  const instant = valid.length > 0 ? Math.min(...valid.map((c) => c.instant)) : wall - before * 60_000;
  return `${new Date(instant).toISOString().slice(0, 19)}Z`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC in `zone` at `instant`, by Node's ICU. */
export function offsetMinutes(zone: string, instant: number): number {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formats.set(zone, format);
  }
  const parts = format.formatToParts(new Date(instant));
  const field = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(field("year"), field("month") - 1, field("day"), field("hour"), field("minute"), field("second"));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}
