/** The dashboard widgets' HTML fragments (daisyUI classes, as the dashboard uses). */
import { JSON, escapeHTML } from "@goatkit/sdk/assembly";
import { barChart, lineChart } from "./charts";
import { formatMonthDay, parseDay } from "./dates";
import { duration, percent } from "./format";
import { Report } from "./report";
import { Summary } from "./summary";

/** Agent home: open tickets per queue as bars, and ticket counts by state. */
export function agentHomeWidget(open: Report, counts: Report): string {
  const failed = !open.ok ? open : !counts.ok ? counts : null;
  if (failed != null) return unavailable();

  const queues = arrOf(open.obj, "queues");
  const labels = new Array<string>();
  const values = new Array<i64>();
  for (let i = 0; i < queues.length; i++) {
    const queue = objAt(queues, i);
    labels.push(queue.getString("queue"));
    values.push(queue.getInt("open"));
  }
  let out = `<div class="gk-stats gk-stats-agent-home space-y-4">`;
  out += `<figure>${barChart("Open tickets per queue", "Open tickets", "Queue", labels, values)}</figure>`;
  out += `<h4 class="font-semibold">Tickets by state</h4><div class="grid grid-cols-2 gap-2">`;
  const states = arrOf(counts.obj, "states");
  for (let i = 0; i < states.length; i++) {
    const state = objAt(states, i);
    out += stat(state.getString("state"), state.getInt("count").toString(), "");
  }
  return out + `</div></div>`;
}

/** Admin home: created-per-day line, headline figures, and SLA and resolution per queue. */
export function adminSummaryWidget(summary: Summary): string {
  if (summary.failure != null) return unavailable();
  const range = summary.query.range;

  const days = arrOf(summary.volume.obj, "days");
  const labels = new Array<string>();
  const values = new Array<i64>();
  for (let i = 0; i < days.length; i++) {
    const day = objAt(days, i);
    labels.push(formatMonthDay(parseDay(day.getString("date"))));
    values.push(day.getInt("count"));
  }
  const period = `${range.from} to ${range.to}`;
  let out = `<div class="gk-stats gk-stats-admin-summary space-y-4">`;
  out += `<div class="grid grid-cols-3 gap-2">`;
  out += stat("Created", summary.created.toString(), period);
  out += stat("Closed", summary.closed.toString(), period);
  out += stat("Avg resolution", duration(summary.averageResolution), "closed tickets");
  out += stat("Open now", summary.openTickets.toString(), "new, open and pending");
  out += stat("First response SLA", percent(summary.firstResponseRate), "met within target");
  out += stat("Solution SLA", percent(summary.solutionRate), "met within target");
  out += `</div>`;
  out += `<figure>${lineChart("Tickets created per day, " + period, "Day", "Tickets created", labels, values)}</figure>`;
  out += slaTable(summary.sla, summary.resolution);
  return out + `</div>`;
}

/** Per queue: tickets, SLA rates and average resolution, as a table (widgets and email). */
export function slaTable(sla: Report, resolution: Report): string {
  const queues = arrOf(sla.obj, "queues");
  const resolved = arrOf(resolution.obj, "queues");
  let out = `<table class="table table-sm"><caption>SLA and resolution per queue</caption>`;
  out += `<thead><tr><th scope="col">Queue</th><th scope="col">Tickets</th><th scope="col">First response</th>`;
  out += `<th scope="col">Solution</th><th scope="col">Avg resolution</th></tr></thead><tbody>`;
  for (let i = 0; i < queues.length; i++) {
    const queue = objAt(queues, i);
    const firstResponse = queue.getObj("first_response");
    const solution = queue.getObj("solution");
    out += `<tr><th scope="row">${escapeHTML(queue.getString("queue"))}</th><td>${queue.getInt("tickets")}</td>`;
    out += `<td>${percent(firstResponse == null ? null : firstResponse.get("rate"))}</td>`;
    out += `<td>${percent(solution == null ? null : solution.get("rate"))}</td>`;
    out += `<td>${duration(averageOf(resolved, queue.getInt("queue_id")))}</td></tr>`;
  }
  return out + `</tbody></table>`;
}

function averageOf(queues: JSON.Arr, queueId: i64): JSON.Value | null {
  for (let i = 0; i < queues.length; i++) {
    const queue = objAt(queues, i);
    if (queue.getInt("queue_id") == queueId) return queue.get("avg_minutes");
  }
  return null;
}

function stat(title: string, value: string, description: string): string {
  let out = `<div class="stat bg-base-200 rounded-lg p-4"><div class="stat-title">${escapeHTML(title)}</div>`;
  out += `<div class="stat-value text-2xl">${escapeHTML(value)}</div>`;
  if (description.length > 0) out += `<div class="stat-desc">${escapeHTML(description)}</div>`;
  return out + `</div>`;
}

function unavailable(): string {
  return `<p class="text-error">Statistics are unavailable right now; the plugin log has the reason.</p>`;
}

export function arrOf(obj: JSON.Obj, key: string): JSON.Arr {
  const arr = obj.getArr(key);
  return arr == null ? new JSON.Arr() : arr;
}

export function objAt(arr: JSON.Arr, index: i32): JSON.Obj {
  const value = arr.at(index);
  const obj: JSON.Obj | null = value == null ? null : value.asObj();
  return obj == null ? new JSON.Obj() : obj;
}
