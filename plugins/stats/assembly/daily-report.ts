/**
 * The daily report email: an HTML document of tables (mail clients drop SVG and stylesheets, so
 * no charts and only inline styles).
 */
import { JSON, escapeHTML } from "@goatkit/sdk/assembly";
import { duration, percent } from "./format";
import { Report } from "./report";
import { Summary } from "./summary";
import { arrOf, objAt, slaTable } from "./widgets";

export function dailyReportSubject(summary: Summary): string {
  const range = summary.query.range;
  return `Help desk report: ${range.from} to ${range.to}`;
}

/** The whole message for one admin; `name` is how the greeting addresses them. */
export function dailyReportEmail(summary: Summary, agents: Report, name: string): string {
  const range = summary.query.range;
  const days = arrOf(summary.volume.obj, "days");
  const lastDay = days.length > 0 ? objAt(days, days.length - 1).getInt("count") : 0;

  let out = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHTML(dailyReportSubject(summary))}</title></head>`;
  out += `<body style="font-family: system-ui, sans-serif; color: #111827;">`;
  out += `<h1 style="font-size: 20px;">Help desk report</h1>`;
  out += `<p>Hello ${escapeHTML(name)}, here are the figures for ${range.from} to ${range.to}.</p>`;
  out += `<table cellpadding="4" style="border-collapse: collapse;"><caption>Summary</caption><tbody>`;
  out += row("Tickets created", summary.created.toString());
  out += row(`Created on ${range.to}`, lastDay.toString());
  out += row("Tickets closed", summary.closed.toString());
  out += row("Average resolution", duration(summary.averageResolution));
  out += row("Open now", summary.openTickets.toString());
  out += row("First response SLA met", percent(summary.firstResponseRate));
  out += row("Solution SLA met", percent(summary.solutionRate));
  out += `</tbody></table>`;

  out += `<h2 style="font-size: 16px;">Open tickets per queue</h2><table cellpadding="4" style="border-collapse: collapse;">`;
  out += `<thead><tr><th scope="col">Queue</th><th scope="col">Unresolved</th><th scope="col">New</th><th scope="col">Open</th><th scope="col">Pending</th></tr></thead><tbody>`;
  const queues = arrOf(summary.open.obj, "queues");
  for (let i = 0; i < queues.length; i++) {
    const queue = objAt(queues, i);
    const byType = queue.getObj("by_type");
    const types = byType == null ? new JSON.Obj() : byType;
    out += `<tr><th scope="row">${escapeHTML(queue.getString("queue"))}</th><td>${queue.getInt("open")}</td>`;
    out += `<td>${types.getInt("new")}</td><td>${types.getInt("open")}</td><td>${types.getInt("pending")}</td></tr>`;
  }
  out += `</tbody></table>`;

  out += slaTable(summary.sla, summary.resolution);

  if (agents.ok) {
    out += `<h2 style="font-size: 16px;">Agents with the most closed tickets</h2><table cellpadding="4" style="border-collapse: collapse;">`;
    out += `<thead><tr><th scope="col">Agent</th><th scope="col">Handled</th><th scope="col">Closed</th><th scope="col">Avg resolution</th></tr></thead><tbody>`;
    const list = arrOf(agents.obj, "agents");
    for (let i = 0; i < list.length; i++) {
      const agent = objAt(list, i);
      out += `<tr><th scope="row">${escapeHTML(agent.getString("name"))}</th><td>${agent.getInt("handled")}</td>`;
      out += `<td>${agent.getInt("closed")}</td><td>${duration(agent.get("avg_resolution_minutes"))}</td></tr>`;
    }
    out += `</tbody></table>`;
  }
  out += `<p style="color: #6b7280; font-size: 12px;">Sent daily by the GoatKit Statistics &amp; Reporting plugin.</p>`;
  return out + `</body></html>`;
}

function row(label: string, value: string): string {
  return `<tr><th scope="row" style="text-align: left;">${escapeHTML(label)}</th><td>${escapeHTML(value)}</td></tr>`;
}
