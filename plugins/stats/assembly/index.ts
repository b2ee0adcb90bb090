/**
 * stats: the Statistics & Reporting plugin. JSON report routes, two dashboard widgets with SVG
 * charts, and a daily email to the administrators, all from the help desk's core tables, with
 * results cached per report and parameters. See ../README.md.
 */
import { JSON, Registration, Request, host, html, packError, packJSON, register } from "@goatkit/sdk/assembly";
import { startCall } from "./call";
import { flushCache } from "./cache";
import { dailyReportEmail, dailyReportSubject } from "./daily-report";
import { DateRange, MAX_RANGE_DAYS, ReportQuery, plainQuery, readQuery } from "./params";
import { Report } from "./report";
import { ADMINS_SQL, latestTicketDay } from "./reports";
import {
  Summary,
  cachedAgents,
  cachedOpenByQueue,
  cachedResolution,
  cachedSla,
  cachedStateCounts,
  cachedVolume,
} from "./summary";
import { adminSummaryWidget, agentHomeWidget } from "./widgets";

export { gk_alloc, gk_abi_version } from "@goatkit/sdk/assembly";

/** Agents listed in the daily email. */
const EMAIL_TOP_AGENTS: i32 = 5;

export function gk_register(): u64 {
  return register(
    // Capabilities come from the manifest, which is what an administrator approves.
    new Registration("stats", "0.1.0").description(
      "Statistics & Reporting: ticket counts, volume, resolution time, agent performance and SLA compliance",
    ),
  );
}

/** GET /api/plugins/stats/counts: tickets per state. */
export function ticket_counts(reqPtr: u32, reqLen: u32): u64 {
  return cachedStateCounts(plainQuery(startCall(reqPtr, reqLen))).respond();
}

/** GET /api/plugins/stats/volume?from=YYYY-MM-DD&to=YYYY-MM-DD: tickets created per day. */
export function ticket_volume(reqPtr: u32, reqLen: u32): u64 {
  const query = rangeQuery(startCall(reqPtr, reqLen));
  return query.valid ? cachedVolume(query).respond() : query.reject();
}

/** GET /api/plugins/stats/resolution?from&to: average resolution minutes, overall and per queue. */
export function resolution_time(reqPtr: u32, reqLen: u32): u64 {
  const query = rangeQuery(startCall(reqPtr, reqLen));
  return query.valid ? cachedResolution(query).respond() : query.reject();
}

/** GET /api/plugins/stats/agents?from&to&page&limit: tickets handled and closed per agent. */
export function agent_performance(reqPtr: u32, reqLen: u32): u64 {
  const query = readQuery(startCall(reqPtr, reqLen), true, latestTicketDay);
  return query.valid ? cachedAgents(query).respond() : query.reject();
}

/** GET /api/plugins/stats/sla?from&to: first response and solution targets met, per queue. */
export function sla_compliance(reqPtr: u32, reqLen: u32): u64 {
  const query = rangeQuery(startCall(reqPtr, reqLen));
  return query.valid ? cachedSla(query).respond() : query.reject();
}

/** GET /api/plugins/stats/open: unresolved tickets per queue. */
export function open_tickets(reqPtr: u32, reqLen: u32): u64 {
  return cachedOpenByQueue(plainQuery(startCall(reqPtr, reqLen))).respond();
}

/**
 * Template function sla_summary(days): SLA compliance over the `days` days up to the latest
 * ticket, from its JSON arguments (`{"days": 30}`); the host has checked that `days` is an integer.
 */
export function sla_summary(reqPtr: u32, reqLen: u32): u64 {
  const req = startCall(reqPtr, reqLen);
  const args = req.jsonObj();
  const days = args == null ? 0 : args.getInt("days", 0);
  if (days < 1 || days > <i64>MAX_RANGE_DAYS) return packError(`days must be from 1 to ${MAX_RANGE_DAYS}, got ${days}`, 400, "INVALID_ARGUMENT");
  const query = plainQuery(req);
  const last = latestTicketDay();
  query.range = new DateRange(last - <i32>days + 1, last);
  return cachedSla(query).respond();
}

/** GET /api/plugins/stats/summary?from&to (admin): the headline figures. */
export function admin_summary(reqPtr: u32, reqLen: u32): u64 {
  const req = startCall(reqPtr, reqLen);
  if (!isAdmin(req)) return forbidden();
  const query = rangeQuery(req);
  if (!query.valid) return query.reject();
  const summary = new Summary(query);
  const failure = summary.failure;
  return failure != null ? failure.respond() : packJSON(summary.toJSON());
}

/** POST /api/plugins/stats/cache/flush (admin): drops every cached report. */
export function flush_cache(reqPtr: u32, reqLen: u32): u64 {
  const req = startCall(reqPtr, reqLen);
  if (!isAdmin(req)) return forbidden();
  const flushed = flushCache();
  const user = req.user;
  host.info("report cache flushed", new JSON.Obj().set("flushed", flushed).set("by", user == null ? "" : user.login));
  return packJSON(new JSON.Obj().set("flushed", flushed));
}

/** Widget `queue-overview` (agent home). */
export function render_agent_home(reqPtr: u32, reqLen: u32): u64 {
  const query = plainQuery(startCall(reqPtr, reqLen));
  const open = cachedOpenByQueue(query);
  const counts = cachedStateCounts(query);
  logFailure(open);
  logFailure(counts);
  return html(agentHomeWidget(open, counts));
}

/** Widget `admin-summary` (admin home): the last 30 days. */
export function render_admin_summary(reqPtr: u32, reqLen: u32): u64 {
  const query = rangeQuery(startCall(reqPtr, reqLen));
  if (!query.valid) return query.reject();
  const summary = new Summary(query);
  const failure = summary.failure;
  if (failure != null) logFailure(failure);
  return html(adminSummaryWidget(summary));
}

/**
 * Job `daily-report`: flushes the cache, so the report and the dashboards after it are fresh,
 * and emails the summary of the last 30 days to every active administrator, one message each.
 */
export function send_daily_report(reqPtr: u32, reqLen: u32): u64 {
  const req = startCall(reqPtr, reqLen);
  const flushed = flushCache();
  const query = rangeQuery(req);
  if (!query.valid) return query.reject();
  const summary = new Summary(query);
  const failure = summary.failure;
  if (failure != null) return failure.respond();

  const agents = cachedAgents(query.withPage(1, EMAIL_TOP_AGENTS));
  logFailure(agents);

  const admins = host.dbQuery(ADMINS_SQL);
  if (!admins.ok) return packError("reading the administrators failed: " + admins.error, 500, admins.code);
  const subject = dailyReportSubject(summary);
  const sent = new JSON.Arr();
  const failed = new JSON.Arr();
  for (let i = 0; i < admins.length; i++) {
    const admin = admins.row(i);
    const to = admin.getString("email");
    const firstName = admin.getString("first_name");
    const name = firstName.length > 0 ? firstName : admin.getString("login");
    const res = host.sendEmail([to], subject, dailyReportEmail(summary, agents, name));
    if (res.ok) sent.push(new JSON.Obj().set("to", to).set("id", res.id));
    else failed.push(new JSON.Obj().set("to", to).set("error", res.error).set("code", res.code));
  }

  const result = new JSON.Obj().set("from", query.range.from).set("to", query.range.to).set("flushed", flushed);
  result.set("sent", sent).set("failed", failed);
  if (sent.length == 0 && failed.length > 0) {
    // Nobody got it: fail the run so the scheduler retries it.
    const first = failed.at(0)!.asObj()!;
    return packError("the daily report reached no administrator: " + first.getString("error"), 500, first.getString("code"));
  }
  if (failed.length > 0) host.warn("the daily report did not reach every administrator", result);
  if (admins.length == 0) host.warn("no active administrator to send the daily report to");
  return packJSON(result);
}

function rangeQuery(req: Request): ReportQuery {
  return readQuery(req, false, latestTicketDay);
}

/**
 * Admin routes check the role themselves too, so a host that skipped the manifest's `admin`
 * middleware still could not flush the cache for everyone. Direct calls (CLI, tests) pass.
 */
function isAdmin(req: Request): bool {
  if (req.kind != "route") return true;
  const user = req.user;
  return user != null && user.role == "admin";
}

function forbidden(): u64 {
  return packError("this route is for administrators", 403, "FORBIDDEN");
}

function logFailure(report: Report): void {
  if (!report.ok) host.error("report failed", new JSON.Obj().set("error", report.error).set("code", report.code));
}
