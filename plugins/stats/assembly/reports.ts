/**
 * The reports, as JSON. The SQL runs unchanged on SQLite, PostgreSQL and MySQL/MariaDB: `?`
 * placeholders, string comparisons on `YYYY-MM-DD HH:MM:SS` columns, `SUBSTR` for the day, and
 * aggregates (`COUNT`, `SUM(CASE ...)`) for what SQL can count portably. Durations need date
 * arithmetic, which differs per database, so those reports read one row per ticket, in batches,
 * and do the arithmetic here.
 */
import { HostResult, JSON, Rows, host } from "@goatkit/sdk/assembly";
import { NO_DAY, NO_TIME, formatDay, nowSeconds, parseDay, parseTimestamp, today } from "./dates";
import { TICKETS_PER_CALL, readTickets } from "./call";
import { DateRange, ReportQuery } from "./params";
import { Report } from "./report";

/** Rows per batch of the per-ticket reports: well under the host's 10,000-row cap. */
const BATCH_SIZE: i32 = 2000;

/*
 * GoatFlow's own tables (the OTRS/Znuny schema, docs/demo-schema.md): a state's type is a row of
 * `ticket_state_type` ("pending reminder" and "pending auto" both count as pending); the first
 * response is the first agent article the customer sees; a closed ticket closed when its history
 * last entered its state.
 */
const STATE_TYPE = `CASE WHEN st.name LIKE 'pending%' THEN 'pending' ELSE st.name END`;
const STATES_OF_TICKETS = `JOIN ticket_state s ON s.id = t.ticket_state_id JOIN ticket_state_type st ON st.id = s.type_id`;
/** Looked up per ticket through the indexes on `ticket_history.ticket_id` and `article.ticket_id`. */
const CLOSE_TIME = `(SELECT MAX(h.create_time) FROM ticket_history h WHERE h.ticket_id = t.id AND h.state_id = t.ticket_state_id)`;
/** Needs `AGENT_SENDER` joined: the agents' article sender type, looked up once. */
const FIRST_RESPONSE = `(SELECT MIN(a.create_time) FROM article a WHERE a.ticket_id = t.id AND a.article_sender_type_id = ast.id
AND a.is_visible_for_customer = 1)`;
const AGENT_SENDER = `JOIN article_sender_type ast ON ast.name = 'agent'`;

const STATE_COUNTS_SQL = `
SELECT s.id AS state_id, s.name AS state, ${STATE_TYPE} AS state_type, COUNT(*) AS ticket_count
FROM ticket t ${STATES_OF_TICKETS}
GROUP BY s.id, s.name, st.name
ORDER BY ticket_count DESC, s.id`;

const LATEST_TICKET_SQL = `SELECT MAX(create_time) AS latest FROM ticket`;

const VOLUME_SQL = `
SELECT SUBSTR(create_time, 1, 10) AS created_day, COUNT(*) AS ticket_count
FROM ticket
WHERE create_time >= ? AND create_time < ?
GROUP BY SUBSTR(create_time, 1, 10)`;

const QUEUES_SQL = `SELECT id, name, first_response_time, solution_time FROM queue ORDER BY name, id`;

/** Unresolved tickets per queue, the fullest first; a closed ticket joins no state type, so counts nowhere. */
const OPEN_BY_QUEUE_SQL = `
SELECT q.id AS queue_id, q.name AS queue, COUNT(st.id) AS open_total,
SUM(CASE WHEN st.name = 'new' THEN 1 ELSE 0 END) AS new_count,
SUM(CASE WHEN st.name = 'open' THEN 1 ELSE 0 END) AS open_count,
SUM(CASE WHEN st.name LIKE 'pending%' THEN 1 ELSE 0 END) AS pending_count
FROM queue q
LEFT JOIN ticket t ON t.queue_id = q.id
LEFT JOIN ticket_state s ON s.id = t.ticket_state_id
LEFT JOIN ticket_state_type st ON st.id = s.type_id AND (st.name IN ('new', 'open') OR st.name LIKE 'pending%')
GROUP BY q.id, q.name
ORDER BY open_total DESC, q.name`;

/** Who gets the daily report: valid members of the "admin" group, with their email preference. */
export const ADMINS_SQL = `
SELECT u.login, p.preferences_value AS email, u.first_name
FROM users u
JOIN group_user gu ON gu.user_id = u.id AND gu.permission_key = 'rw'
JOIN groups g ON g.id = gu.group_id AND g.name = 'admin'
LEFT JOIN user_preferences p ON p.user_id = u.id AND p.preferences_key = 'UserEmail'
WHERE u.valid_id = 1
ORDER BY u.id`;

const AGENT_COUNT_SQL = `SELECT COUNT(*) AS agent_count FROM users`;

const AGENTS_SQL = `
SELECT u.id AS user_id, u.login, u.first_name, u.last_name,
COALESCE(h.handled_count, 0) AS handled_count, COALESCE(c.closed_count, 0) AS closed_count
FROM users u
LEFT JOIN (SELECT user_id, COUNT(*) AS handled_count FROM ticket
WHERE create_time >= ? AND create_time < ? GROUP BY user_id) h ON h.user_id = u.id
LEFT JOIN (SELECT t.user_id, COUNT(*) AS closed_count FROM ticket t ${STATES_OF_TICKETS}
WHERE st.name = 'closed' AND ${CLOSE_TIME} >= ? AND ${CLOSE_TIME} < ? GROUP BY t.user_id) c ON c.user_id = u.id
ORDER BY closed_count DESC, handled_count DESC, u.id
LIMIT ? OFFSET ?`;

/** Tickets created in the range, with what the SLA needs; the last placeholder is the batch cursor. */
const SLA_TICKETS_SQL = `
SELECT t.id, t.queue_id, t.create_time, ${FIRST_RESPONSE} AS first_response_time,
CASE WHEN st.name = 'closed' THEN ${CLOSE_TIME} END AS close_time, ${STATE_TYPE} AS state_type
FROM ticket t ${STATES_OF_TICKETS} ${AGENT_SENDER}
WHERE t.create_time >= ? AND t.create_time < ? AND t.id > ?
ORDER BY t.id
LIMIT ${BATCH_SIZE}`;

/** Tickets closed in the range, optionally of some owners (`owners` placeholders); last placeholder: the cursor. */
function closedTicketsSql(owners: i32): string {
  let sql = `
SELECT t.id, t.queue_id, t.user_id, t.create_time, ${CLOSE_TIME} AS close_time
FROM ticket t ${STATES_OF_TICKETS}
WHERE st.name = 'closed' AND ${CLOSE_TIME} >= ? AND ${CLOSE_TIME} < ?`;
  if (owners > 0) sql += " AND t.user_id IN (?" + ", ?".repeat(owners - 1) + ")";
  return sql + ` AND t.id > ?
ORDER BY t.id
LIMIT ${BATCH_SIZE}`;
}

/** The day of the newest ticket, or today when there are no tickets (or they cannot be read). */
export function latestTicketDay(): i32 {
  const rows = host.dbQuery(LATEST_TICKET_SQL);
  if (!rows.ok || rows.length == 0 || rows.row(0).isNull("latest")) return today();
  const latest = rows.row(0).getString("latest");
  const day = latest.length >= 10 ? parseDay(latest.substring(0, 10)) : NO_DAY;
  return day == NO_DAY ? today() : day;
}

/** `{total, states: [{state_id, state, type, count}]}`: tickets per state, most first (seed 000). */
export function stateCounts(query: ReportQuery): Report {
  const rows = host.dbQuery(STATE_COUNTS_SQL);
  if (!rows.ok) return Report.failed("counting tickets by state failed", rows);
  const states = new JSON.Arr();
  let total: i64 = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    const count = row.getInt("ticket_count");
    total += count;
    states.push(
      new JSON.Obj()
        .set("state_id", row.getInt("state_id"))
        .set("state", row.getString("state"))
        .set("type", row.getString("state_type"))
        .set("count", count),
    );
  }
  return Report.of(new JSON.Obj().set("total", total).set("states", states));
}

/** `{from, to, total, days: [{date, count}]}`: tickets created per day, every day of the range. */
export function ticketVolume(query: ReportQuery): Report {
  const range = query.range;
  const rows = host.dbQuery(VOLUME_SQL, range.bounds());
  if (!rows.ok) return Report.failed("counting tickets per day failed", rows);
  const counts = new Array<i64>(range.days).fill(0);
  let total: i64 = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    const day = parseDay(row.getString("created_day"));
    if (day == NO_DAY || day < range.first || day > range.last) continue;
    const count = row.getInt("ticket_count");
    counts[day - range.first] += count;
    total += count;
  }
  const days = new JSON.Arr();
  for (let i = 0; i < counts.length; i++) {
    days.push(new JSON.Obj().set("date", formatDay(range.first + i)).set("count", counts[i]));
  }
  return Report.of(rangeHeader(range).set("total", total).set("days", days));
}

/**
 * `{from, to, overall: {tickets, avg_minutes}, queues: [{queue_id, queue, tickets, avg_minutes}]}`:
 * minutes from creation to closing of the tickets closed in the range.
 */
export function resolutionTimes(query: ReportQuery): Report {
  const queueRows = host.dbQuery(QUEUES_SQL);
  if (!queueRows.ok) return Report.failed("reading queues failed", queueRows);
  const queues = new QueueTallies(queueRows);
  const overall = new Duration();

  const batches = new TicketBatches(closedTicketsSql(0), query.range.bounds());
  for (let rows = batches.next(); rows != null; rows = batches.next()) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows.row(i);
      const seconds = secondsBetween(row.getString("create_time"), row.getString("close_time"));
      if (seconds == NO_TIME) continue;
      overall.add(seconds);
      const tally = queues.of(row.getInt("queue_id"));
      if (tally != null) tally.resolution.add(seconds);
    }
  }
  const stopped = batches.stopped("reading closed tickets failed", query.range);
  if (stopped != null) return stopped;

  const byQueue = new JSON.Arr();
  for (let i = 0; i < queues.list.length; i++) {
    const tally = queues.list[i];
    byQueue.push(tally.identify().set("tickets", tally.resolution.count).set("avg_minutes", tally.resolution.averageMinutes()));
  }
  const summary = new JSON.Obj().set("tickets", overall.count).set("avg_minutes", overall.averageMinutes());
  return Report.of(rangeHeader(query.range).set("overall", summary).set("queues", byQueue));
}

/**
 * `{from, to, page, limit, total, pages, agents: [{user_id, login, name, handled, closed,
 * avg_resolution_minutes}]}`: per agent (role agent or admin), the tickets they own that were
 * created in the range (`handled`) and closed in the range (`closed`), most closed first.
 */
export function agentPerformance(query: ReportQuery): Report {
  const range = query.range;
  const countRows = host.dbQuery(AGENT_COUNT_SQL);
  if (!countRows.ok) return Report.failed("counting agents failed", countRows);
  const total = countRows.length > 0 ? countRows.row(0).getInt("agent_count") : 0;

  const offset = <i64>(query.page - 1) * <i64>query.limit;
  const args = new JSON.Arr().push(range.start).push(range.end).push(range.start).push(range.end).push(query.limit).push(offset);
  const rows = host.dbQuery(AGENTS_SQL, args);
  if (!rows.ok) return Report.failed("reading agent performance failed", rows);

  // Average resolution of the agents on this page only: one batched pass over their closed tickets.
  const owners = range.bounds();
  const ownerIds = new Array<i64>();
  const durations = new Array<Duration>();
  for (let i = 0; i < rows.length; i++) {
    const id = rows.row(i).getInt("user_id");
    owners.push(id);
    ownerIds.push(id);
    durations.push(new Duration());
  }
  if (rows.length > 0) {
    const batches = new TicketBatches(closedTicketsSql(rows.length), owners);
    for (let batch = batches.next(); batch != null; batch = batches.next()) {
      for (let i = 0; i < batch.length; i++) {
        const row = batch.row(i);
        const seconds = secondsBetween(row.getString("create_time"), row.getString("close_time"));
        const position = ownerIds.indexOf(row.getInt("user_id"));
        if (seconds != NO_TIME && position >= 0) durations[position].add(seconds);
      }
    }
    const stopped = batches.stopped("reading closed tickets failed", range);
    if (stopped != null) return stopped;
  }

  const agents = new JSON.Arr();
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    agents.push(
      new JSON.Obj()
        .set("user_id", row.getInt("user_id"))
        .set("login", row.getString("login"))
        .set("name", (row.getString("first_name") + " " + row.getString("last_name")).trim())
        .set("handled", row.getInt("handled_count"))
        .set("closed", row.getInt("closed_count"))
        .set("avg_resolution_minutes", durations[i].averageMinutes()),
    );
  }
  const limit = <i64>query.limit;
  return Report.of(
    rangeHeader(range)
      .set("page", query.page)
      .set("limit", query.limit)
      .set("total", total)
      .set("pages", (total + limit - 1) / limit)
      .set("agents", agents),
  );
}

/**
 * `{from, to, overall, queues: [{queue_id, queue, first_response_target_minutes,
 * solution_target_minutes, tickets, first_response, solution}]}` for the tickets created in the
 * range. Each of `first_response` and `solution` is `{met, breached, pending, rate}`: met within
 * the queue's target, late (or still waiting past it), or still waiting within it; `rate` is
 * met / (met + breached), `null` when nothing can be judged yet.
 */
export function slaCompliance(query: ReportQuery): Report {
  const queueRows = host.dbQuery(QUEUES_SQL);
  if (!queueRows.ok) return Report.failed("reading queues failed", queueRows);
  const queues = new QueueTallies(queueRows);
  const overall = new SlaTally();
  const now = nowSeconds();

  const batches = new TicketBatches(SLA_TICKETS_SQL, query.range.bounds());
  for (let rows = batches.next(); rows != null; rows = batches.next()) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows.row(i);
      const created = parseTimestamp(row.getString("create_time"));
      const tally = queues.of(row.getInt("queue_id"));
      if (created == NO_TIME || tally == null) continue;
      const resolved =
        row.getString("state_type") != "closed" || row.isNull("close_time") ? NO_TIME : parseTimestamp(row.getString("close_time"));
      // Closing a ticket answers it: one closed without a reply met (or missed) its response target then.
      const responded = row.isNull("first_response_time") ? resolved : parseTimestamp(row.getString("first_response_time"));
      const responseDeadline = created + tally.firstResponseMinutes * 60;
      const solutionDeadline = created + tally.solutionMinutes * 60;
      tally.sla.tickets++;
      overall.tickets++;
      tally.sla.firstResponse.judge(responded, responseDeadline, now);
      overall.firstResponse.judge(responded, responseDeadline, now);
      tally.sla.solution.judge(resolved, solutionDeadline, now);
      overall.solution.judge(resolved, solutionDeadline, now);
    }
  }
  const stopped = batches.stopped("reading tickets failed", query.range);
  if (stopped != null) return stopped;

  const byQueue = new JSON.Arr();
  for (let i = 0; i < queues.list.length; i++) {
    const tally = queues.list[i];
    byQueue.push(
      tally
        .identify()
        .set("first_response_target_minutes", tally.firstResponseMinutes)
        .set("solution_target_minutes", tally.solutionMinutes)
        .set("tickets", tally.sla.tickets)
        .set("first_response", tally.sla.firstResponse.toJSON())
        .set("solution", tally.sla.solution.toJSON()),
    );
  }
  const summary = new JSON.Obj()
    .set("tickets", overall.tickets)
    .set("first_response", overall.firstResponse.toJSON())
    .set("solution", overall.solution.toJSON());
  return Report.of(rangeHeader(query.range).set("overall", summary).set("queues", byQueue));
}

/**
 * `{total, queues: [{queue_id, queue, open, by_type: {new, open, pending}}]}`: unresolved tickets
 * (state type new, open or pending) per queue, every queue, the fullest first.
 */
export function openByQueue(query: ReportQuery): Report {
  const rows = host.dbQuery(OPEN_BY_QUEUE_SQL);
  if (!rows.ok) return Report.failed("counting open tickets per queue failed", rows);
  const queues = new JSON.Arr();
  let total: i64 = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    const open = row.getInt("open_total");
    total += open;
    const byType = new JSON.Obj()
      .set("new", row.getInt("new_count"))
      .set("open", row.getInt("open_count"))
      .set("pending", row.getInt("pending_count"));
    queues.push(new JSON.Obj().set("queue_id", row.getInt("queue_id")).set("queue", row.getString("queue")).set("open", open).set("by_type", byType));
  }
  return Report.of(new JSON.Obj().set("total", total).set("queues", queues));
}

/** Reads a query's rows in batches by ticket id, so no result grows with the range. */
class TicketBatches {
  private afterId: i64 = 0;
  private finished: bool = false;
  private failure: HostResult | null = null;
  private tooMany: bool = false;

  /** `sql` ends with `t.id > ? ORDER BY t.id LIMIT <BATCH_SIZE>`; `args` fill the placeholders before it. */
  constructor(
    private readonly sql: string,
    private readonly args: JSON.Arr,
  ) {}

  /** The next batch, or `null` when done (or stopped). */
  next(): Rows | null {
    if (this.finished) return null;
    const args = new JSON.Arr();
    for (let i = 0; i < this.args.length; i++) args.push(this.args.items[i]);
    const rows = host.dbQuery(this.sql, args.push(this.afterId));
    if (!rows.ok) this.failure = rows;
    this.tooMany = !readTickets(rows.length);
    if (!rows.ok || this.tooMany || rows.length < BATCH_SIZE) this.finished = true;
    if (!rows.ok || this.tooMany || rows.length == 0) return null;
    this.afterId = rows.row(rows.length - 1).getInt("id");
    return rows;
  }

  /** Why the batches ended before the last row, as the report to answer with; `null` if they did not. */
  stopped(what: string, range: DateRange): Report | null {
    const failure = this.failure;
    if (failure != null) return Report.failed(what, failure);
    if (this.tooMany) {
      const message = `${range.from} to ${range.to} needs more than the ${TICKETS_PER_CALL} ticket rows one request may read; ask for a shorter range`;
      return Report.refused(message, 422, "RANGE_TOO_LARGE");
    }
    return null;
  }
}

/** Sum and count of durations. */
class Duration {
  count: i64 = 0;
  seconds: i64 = 0;

  add(seconds: i64): void {
    this.count++;
    this.seconds += seconds;
  }

  /** The mean in minutes, to one decimal; JSON `null` without durations. */
  averageMinutes(): JSON.Value {
    if (this.count == 0) return new JSON.Null();
    return new JSON.Float(Math.round(<f64>this.seconds / <f64>this.count / 6) / 10);
  }
}

/** One SLA target's verdicts. */
class Verdicts {
  met: i64 = 0;
  breached: i64 = 0;
  pending: i64 = 0;

  /** `done` is when it happened (`NO_TIME`: not yet); late, or not done past the deadline, is a breach. */
  judge(done: i64, deadline: i64, now: i64): void {
    if (done != NO_TIME) {
      if (done <= deadline) this.met++;
      else this.breached++;
    } else if (now > deadline) this.breached++;
    else this.pending++;
  }

  toJSON(): JSON.Obj {
    const judged = this.met + this.breached;
    const rate: JSON.Value = judged == 0 ? new JSON.Null() : new JSON.Float(Math.round((<f64>this.met / <f64>judged) * 10000) / 10000);
    return new JSON.Obj().set("met", this.met).set("breached", this.breached).set("pending", this.pending).set("rate", rate);
  }
}

class SlaTally {
  tickets: i64 = 0;
  firstResponse: Verdicts = new Verdicts();
  solution: Verdicts = new Verdicts();
}

/** A queue, its targets, and what the reports count for it. */
class QueueTally {
  resolution: Duration = new Duration();
  sla: SlaTally = new SlaTally();

  constructor(
    readonly id: i64,
    readonly name: string,
    readonly firstResponseMinutes: i64,
    readonly solutionMinutes: i64,
  ) {}

  identify(): JSON.Obj {
    return new JSON.Obj().set("queue_id", this.id).set("queue", this.name);
  }
}

/** Every queue, in name order, found by id. */
class QueueTallies {
  readonly list: QueueTally[] = [];
  private readonly byId: Map<i64, QueueTally> = new Map();

  constructor(rows: Rows) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows.row(i);
      const tally = new QueueTally(row.getInt("id"), row.getString("name"), row.getInt("first_response_time"), row.getInt("solution_time"));
      this.list.push(tally);
      this.byId.set(tally.id, tally);
    }
  }

  of(id: i64): QueueTally | null {
    return this.byId.has(id) ? this.byId.get(id) : null;
  }
}

function secondsBetween(start: string, end: string): i64 {
  const from = parseTimestamp(start);
  const to = parseTimestamp(end);
  return from == NO_TIME || to == NO_TIME ? NO_TIME : to - from;
}

function rangeHeader(range: DateRange): JSON.Obj {
  return new JSON.Obj().set("from", range.from).set("to", range.to);
}

