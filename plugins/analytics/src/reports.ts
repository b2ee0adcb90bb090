/**
 * The reports, computed from the help desk's tables with portable SQL (`?` placeholders,
 * `SUBSTR` for the day, string comparisons on `YYYY-MM-DD HH:MM:SS`), so they run on SQLite,
 * PostgreSQL and MySQL/MariaDB alike; time differences are computed here, not in SQL.
 */
import { host, PluginError } from "@goatkit/sdk/guest";

export interface DateRange {
  /** First day, `YYYY-MM-DD`. */
  start: string;
  /** Last day, included. */
  end: string;
}

export interface ReportInfo {
  id: string;
  name: string;
  description: string;
}

export const REPORTS: readonly ReportInfo[] = [
  { id: "ticket-volume", name: "Ticket Volume", description: "Daily ticket creation trends" },
  { id: "resolution-time", name: "Resolution Time", description: "Average time to resolve tickets" },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

export function reportInfo(id: string): ReportInfo {
  const report = REPORTS.find((r) => r.id === id);
  if (!report) throw new PluginError(`unknown report "${id}"; the reports are ${REPORTS.map((r) => r.id).join(", ")}`, 404, "UNKNOWN_REPORT");
  return report;
}

/** The day of the most recent ticket: "today" for a help desk that takes tickets every day. */
export function latestDay(): string | null {
  const [row] = host.dbQuery<{ latest: string | null }>("SELECT MAX(create_time) AS latest FROM ticket");
  return row?.latest ? row.latest.slice(0, 10) : null;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The range asked for, or the 30 days up to the latest ticket. */
export function rangeOf(given: Partial<DateRange> | undefined): DateRange {
  const end = given?.end ?? latestDay() ?? new Date().toISOString().slice(0, 10);
  const start = given?.start ?? addDays(end, -29);
  for (const [field, value] of [["start", start], ["end", end]] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(value))) throw new PluginError(`date_range.${field} "${value}" is not a day; write YYYY-MM-DD`, 400, "BAD_DATE_RANGE");
  }
  if (start > end) throw new PluginError(`date_range.start ${start} is after date_range.end ${end}`, 400, "BAD_DATE_RANGE");
  return { start, end };
}

/** Bounds for `column >= ? AND column < ?` covering the range's days. */
function bounds(range: DateRange): [string, string] {
  return [`${range.start} 00:00:00`, `${addDays(range.end, 1)} 00:00:00`];
}

function daysOf(range: DateRange): string[] {
  const days: string[] = [];
  for (let day = range.start; day <= range.end; day = addDays(day, 1)) days.push(day);
  return days;
}

export interface VolumeReport {
  id: "ticket-volume";
  date_range: DateRange;
  total: number;
  days: { date: string; count: number }[];
}

export function ticketVolume(range: DateRange): VolumeReport {
  const rows = host.dbQuery<{ day: string; n: number | string }>(
    "SELECT SUBSTR(create_time, 1, 10) AS day, COUNT(*) AS n FROM ticket WHERE create_time >= ? AND create_time < ? GROUP BY SUBSTR(create_time, 1, 10)",
    bounds(range),
  );
  const counts = new Map(rows.map((r) => [r.day, Number(r.n)]));
  const days = daysOf(range).map((date) => ({ date, count: counts.get(date) ?? 0 }));
  return { id: "ticket-volume", date_range: range, total: days.reduce((n, d) => n + d.count, 0), days };
}

export interface ResolutionReport {
  id: "resolution-time";
  date_range: DateRange;
  /** Tickets closed in the range. */
  closed: number;
  /** Mean hours from creation to close, one decimal; null when none closed. */
  average_hours: number | null;
  days: { date: string; closed: number; average_hours: number | null }[];
}

const hoursBetween = (from: string, to: string) => (Date.parse(`${to.replace(" ", "T")}Z`) - Date.parse(`${from.replace(" ", "T")}Z`)) / 3_600_000;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** GoatFlow's tables (docs/demo-schema.md): a ticket's state type, and when it was closed. */
const STATE_TYPE_JOIN = "JOIN ticket_state s ON s.id = t.ticket_state_id JOIN ticket_state_type st ON st.id = s.type_id";
const CLOSE_TIME = "(SELECT MAX(h.create_time) FROM ticket_history h WHERE h.ticket_id = t.id AND h.state_id = t.ticket_state_id)";

/** Closed tickets of a range with their queue's solution target (minutes). */
function closedTickets(range: DateRange): { create_time: string; close_time: string; solution_time: number }[] {
  return host.dbQuery(
    // GoatFlow's tables: a closed ticket closed when its history last entered its state.
    `SELECT t.create_time, ${CLOSE_TIME} AS close_time, q.solution_time FROM ticket t ${STATE_TYPE_JOIN} JOIN queue q ON q.id = t.queue_id ` +
      `WHERE st.name = 'closed' AND ${CLOSE_TIME} >= ? AND ${CLOSE_TIME} < ?`,
    bounds(range),
  );
}

export function resolutionTime(range: DateRange): ResolutionReport {
  const byDay = new Map<string, number[]>();
  for (const t of closedTickets(range)) {
    const day = t.close_time.slice(0, 10);
    const list = byDay.get(day) ?? [];
    list.push(hoursBetween(t.create_time, t.close_time));
    byDay.set(day, list);
  }
  const all = [...byDay.values()].flat();
  const mean = (xs: number[]) => (xs.length === 0 ? null : round1(xs.reduce((a, b) => a + b, 0) / xs.length));
  return {
    id: "resolution-time",
    date_range: range,
    closed: all.length,
    average_hours: mean(all),
    days: daysOf(range).map((date) => ({ date, closed: byDay.get(date)?.length ?? 0, average_hours: mean(byDay.get(date) ?? []) })),
  };
}

export function runReport(id: string, range: DateRange): VolumeReport | ResolutionReport {
  reportInfo(id);
  return id === "ticket-volume" ? ticketVolume(range) : resolutionTime(range);
}

export interface SummaryStats {
  day: string | null;
  today_tickets: number;
  ticket_delta: number;
  avg_resolution_hours: number | null;
  open_tickets: number;
  /** Share of the tickets closed in the last 7 days that met their queue's solution target, in percent; null when none. */
  sla_compliance_percent: number | null;
}

export function summaryStats(): SummaryStats {
  const day = latestDay();
  const open = host.dbQuery<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ticket t ${STATE_TYPE_JOIN} WHERE st.name <> 'closed'`);
  if (day === null) return { day, today_tickets: 0, ticket_delta: 0, avg_resolution_hours: null, open_tickets: Number(open[0]?.n ?? 0), sla_compliance_percent: null };
  const volume = ticketVolume({ start: addDays(day, -1), end: day });
  const [yesterday, today] = volume.days.map((d) => d.count) as [number, number];
  const week = { start: addDays(day, -6), end: day };
  const closed = closedTickets(week);
  const met = closed.filter((t) => hoursBetween(t.create_time, t.close_time) * 60 <= t.solution_time).length;
  return {
    day,
    today_tickets: today,
    ticket_delta: today - yesterday,
    avg_resolution_hours: resolutionTime(week).average_hours,
    open_tickets: Number(open[0]?.n ?? 0),
    sla_compliance_percent: closed.length === 0 ? null : round1((met / closed.length) * 100),
  };
}
