import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CalendarHost, emma, farid } from "./support/calendar-host.js";

let cal: CalendarHost;
let ticket: { id: number; tn: string; title: string };

/** The widget's HTML for a user. */
async function render(user = emma): Promise<string> {
  const res = await cal.host.call("calendar", "render_today_widget", { kind: "widget", user });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
  return String(res.body);
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&" };

/** Each list item as the text a browser shows: tags removed, entities decoded. */
function items(html: string): string[] {
  return [...html.matchAll(/<li[^>]*>(.*?)<\/li>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, "")
      .replace(/&(lt|gt|quot|#39|amp);/g, (entity) => ENTITIES[entity]!)
      .replace(/\s+/g, " ")
      .trim(),
  );
}

beforeAll(async () => {
  // Monday 30 March 2026, 07:00 in Berlin.
  cal = await CalendarHost.open("2026-03-30T05:00:00Z");
  [ticket] = (await cal.host.services.db.query("SELECT id, tn, title FROM tickets WHERE id = 4", [])) as (typeof ticket)[];
  const mine = (await cal.createCalendar({ name: "Emma", timezone: "Europe/Berlin" })).id;
  const faridsOwn = (await cal.createCalendar({ name: "Farid", timezone: "Europe/Berlin" }, farid)).id;
  const team = (await cal.createCalendar({ name: "Raw team", owner_type: "team", owner_id: 1, timezone: "Europe/Berlin" })).id;
  const book = (calendar: number, body: Record<string, unknown>, user = emma) => cal.createAppointment(calendar, { allow_conflicts: true, ...body }, user);
  await book(mine, { title: "Customer <b>call</b> & follow-up", start: "2026-03-30T10:00", duration_minutes: 30, ticket_id: 4 });
  await book(mine, { title: "Stand-up", start: "2026-03-27T09:30", duration_minutes: 15, rrule: "FREQ=DAILY" });
  await book(mine, { title: "NY handover", tzid: "America/New_York", start: "2026-03-30T08:00", duration_minutes: 30 });
  await book(mine, { title: "Training day", all_day: true, start: "2026-03-30" });
  await book(mine, { title: "Tomorrow's review", start: "2026-03-31T11:00", duration_minutes: 60 });
  await book(faridsOwn, { title: "Farid's dentist", start: "2026-03-30T12:00", duration_minutes: 60 }, farid);
  await book(team, { title: "Queue triage", start: "2026-03-30T16:00", duration_minutes: 30 });
});
afterAll(() => cal.close());

describe("the today's-appointments widget", () => {
  beforeEach(() => cal.setTime("2026-03-30T05:00:00Z"));

  it("lists the agent's appointments today in time order, series and other zones included", async () => {
    const html = await render();
    expect(html).toContain('<p class="text-sm opacity-70">Monday, 30 March 2026 · Europe/Berlin</p>');
    expect(items(html)).toEqual([
      "All day Training day",
      "09:30–09:45 Stand-up",
      `10:00–10:30 Customer <b>call</b> & follow-up #${ticket.tn}`,
      "14:00–14:30 NY handover (08:00 America/New_York)",
      "16:00–16:30 Queue triage",
    ]);
  });

  it("escapes titles and links the ticket", async () => {
    const html = await render();
    expect(html).toContain("Customer &lt;b&gt;call&lt;/b&gt; &amp; follow-up");
    expect(html).toContain(`<a class="link" href="/agent/tickets/4" title="${ticket.title.replace(/&/g, "&amp;")}">#${ticket.tn}</a>`);
    expect(html).toContain('<time datetime="2026-03-30T08:00:00Z" class="font-mono">10:00–10:30</time>');
  });

  it("follows the agent's day: after midnight in Berlin it shows Tuesday", async () => {
    cal.setTime("2026-03-30T21:59:00Z");
    expect(items(await render()).map((i) => i.split(" ").slice(1).join(" "))).toContain("NY handover (08:00 America/New_York)");
    cal.setTime("2026-03-30T22:00:00Z");
    const tuesday = await render();
    expect(tuesday).toContain("Tuesday, 31 March 2026");
    expect(items(tuesday)).toEqual(["09:30–09:45 Stand-up", "11:00–12:00 Tomorrow's review"]);
  });

  it("shows each agent only their own, says when there is nothing today, and asks anonymous callers to sign in", async () => {
    expect(items(await render(farid))).toEqual(["12:00–13:00 Farid's dentist"]);
    const ada = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" as const };
    expect(await render(ada)).toBe('<div class="goatkit-calendar-today"><p class="text-sm opacity-70">Monday, 30 March 2026 · UTC</p><p class="opacity-70">No appointments today.</p></div>');
    const anonymous = await cal.host.call("calendar", "render_today_widget", { kind: "widget", user: null });
    expect(anonymous.body).toBe('<p class="opacity-70">Sign in to see your appointments.</p>');
  });
});
