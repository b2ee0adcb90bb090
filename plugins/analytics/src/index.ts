/**
 * The gRPC tutorial's analytics plugin, in TypeScript: the same handlers, built with
 * `gk plugin build` into one executable that the host runs as a gRPC process plugin.
 */
import { definePlugin, escapeHTML, host, html, Registration, type Request } from "@goatkit/sdk/guest";
import { addDays, latestDay, rangeOf, reportInfo, REPORTS, runReport, summaryStats, type DateRange } from "./reports.js";

const CACHE_TTL_SECONDS = 3600;
const lastRunKey = (id: string) => `last_run_${id}`;

function requestedRange(req: Request): Partial<DateRange> | undefined {
  if (req.body === "") return undefined;
  const body = req.json<{ date_range?: Partial<DateRange> }>();
  return body?.date_range;
}

export default definePlugin({
  register: new Registration("analytics", "1.0.0").description("Advanced ticket analytics and reporting"),
  handlers: {
    list_reports: () =>
      REPORTS.map((r) => {
        const last = host.cacheGet(lastRunKey(r.id));
        return { ...r, last_run: last === null ? null : (JSON.parse(last) as { ran_at: string }).ran_at };
      }),

    get_report(req) {
      const report = reportInfo(req.param("id"));
      const cached = host.cacheGet(lastRunKey(report.id));
      return { ...report, last_run: cached === null ? null : JSON.parse(cached) };
    },

    run_report(req) {
      const id = req.param("id");
      reportInfo(id);
      const range = rangeOf(requestedRange(req));
      host.log("info", "Running report", { report_id: id });
      const key = `report_${id}_${range.start}_${range.end}`;
      const cached = host.cacheGet(key);
      const data = cached === null ? runReport(id, range) : JSON.parse(cached);
      if (cached === null) host.cacheSet(key, JSON.stringify(data), CACHE_TTL_SECONDS);
      host.cacheSet(lastRunKey(id), JSON.stringify({ ran_at: new Date().toISOString(), date_range: range }), CACHE_TTL_SECONDS * 24);
      return data;
    },

    render_summary() {
      const s = summaryStats();
      const hours = s.avg_resolution_hours === null ? "–" : `${s.avg_resolution_hours.toFixed(1)}h`;
      const sla = s.sla_compliance_percent === null ? "–" : `${Math.round(s.sla_compliance_percent)}%`;
      const delta = `${s.ticket_delta >= 0 ? "+" : ""}${s.ticket_delta} from the day before`;
      return html(
        `<div class="grid grid-cols-4 gap-4" data-day="${s.day ?? ""}">` +
          stat("Today's Tickets", String(s.today_tickets), delta) +
          stat("Avg Resolution", hours, "Last 7 days; target: 24h") +
          stat("Open Tickets", String(s.open_tickets), "Across all queues") +
          stat("SLA Compliance", sla, "Last 7 days") +
          `</div>`,
      );
    },

    generate_daily_report() {
      host.log("info", "Generating daily analytics report");
      const day = latestDay();
      if (day === null) return { day: null, reports: [] };
      const report = {
        day,
        volume: runReport("ticket-volume", { start: day, end: day }),
        resolution_30_days: runReport("resolution-time", { start: addDays(day, -29), end: day }),
        summary: summaryStats(),
      };
      host.cacheSet(`daily_report_${day}`, JSON.stringify(report), CACHE_TTL_SECONDS * 48);
      return report;
    },
  },
});

function stat(title: string, value: string, desc: string): string {
  return `<div class="stat bg-base-200 rounded-lg p-4"><div class="stat-title">${escapeHTML(title)}</div><div class="stat-value">${escapeHTML(value)}</div><div class="stat-desc">${escapeHTML(desc)}</div></div>`;
}
