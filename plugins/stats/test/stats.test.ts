import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOMParser } from "@xmldom/xmldom";
import { MysqlDatabase, PluginManager, PostgresDatabase, RedisCache, TemplateEngine, createHost, type DatabaseService, type Host, type Isolation, type PluginResponse, type PluginUser, type Row } from "@goatkit/host";
import { loadManifest } from "@goatkit/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";

// The plugin built by `pnpm --filter @goatkit/plugin-stats build`, run through the real host on a
// deterministic demo help desk. Every figure is checked against SQL written here, in SQLite's own
// dialect (date(), strftime('%s')), independently of the plugin's portable SQL.
//
// The stats-goatflow project (vitest.goatflow.config.ts) runs the same cases on the module of
// `gk plugin build --target goatflow`, through the host's goatflow binding. Where GoatFlow's ABI
// cannot carry something (a status code, response headers, a job's answer, a host function's
// reason for failing), the case says what that build answers instead.
const GOATFLOW = process.env.STATS_TARGET === "goatflow";
const pluginDir = GOATFLOW ? inject("statsGoatflowDir") : new URL("..", import.meta.url).pathname;
const DEMO = { anchorDay: "2026-06-30", seed: 7, tickets: 2000 };
/** The evening of the demo's last day: some recent tickets are still within their SLA targets. */
const EVENING = Date.parse("2026-06-30T20:00:00Z");
/** The default range: the 30 days up to the latest ticket. */
const LAST_30_DAYS = { from: "2026-06-01", to: "2026-06-30" };
const SVG_NS = "http://www.w3.org/2000/svg";

const agent: PluginUser = { id: 5, login: "emma.haddad", email: "emma.haddad@goatflow.example", role: "agent" };
const admin: PluginUser = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" };

interface Clock {
  now: number;
}

/**
 * A host on the demo help desk. Worker isolation (the default) gives the guest the host clock's
 * offset at worker start, so reports that read the clock (SLA) run in-process to see it exactly.
 */
async function openHost(clock: Clock, config: Record<string, unknown> = {}, dir = pluginDir, isolation: Isolation = "worker"): Promise<Host> {
  const host = await createHost({ database: { demo: DEMO }, now: () => clock.now, isolation });
  await host.load(dir, { config });
  return host;
}

async function route(host: Host, handler: string, query: Record<string, string> = {}, user: PluginUser | null = agent, method = "GET"): Promise<PluginResponse> {
  const res = await host.call("stats", handler, { kind: "route", method, query, user });
  return GOATFLOW ? statusFromBody(res) : res;
}

/**
 * On GoatFlow every route answers 200: the plugin's error answer {"error", "code", "status"} is
 * the body, and that is where a client reads the status. Read it there, after checking the 200.
 */
function statusFromBody(res: PluginResponse): PluginResponse {
  expect(res.status, String(res.body)).toBe(200);
  let body: any;
  try {
    body = JSON.parse(String(res.body));
  } catch {
    return res;
  }
  if (body === null || typeof body.error !== "string" || typeof body.status !== "number") return res;
  return { ...res, status: body.status, error: { message: body.error, code: body.code } };
}

/** A job's answer. GoatFlow discards it (the call answers nothing), so on that build only its effects are checked. */
function jobResult(res: PluginResponse): any {
  if (!GOATFLOW) return bodyOf(res);
  expect(res.status, String(res.body)).toBe(204);
  return null;
}

/** The reason a host function failed: in the error on our ABI; GoatFlow's host_call gives none, so the host logs it. */
function expectHostFailure(host: Host, res: PluginResponse, code: string, context: string, reason: string | RegExp): void {
  if (!GOATFLOW) {
    expect(res.error?.code).toBe(code);
    expect(res.error?.message).toMatch(typeof reason === "string" ? `${context}${reason}` : new RegExp(`^${context}${reason.source}`));
    return;
  }
  expect(res.error?.code).toBe("E_SERVICE");
  expect(res.error?.message).toContain(context);
  const logged = host.logs.list("stats", "error").map((l) => l.message);
  expect(logged.some((m) => (typeof reason === "string" ? m.includes(reason) : reason.test(m))), logged.join("\n")).toBe(true);
}

function bodyOf(res: PluginResponse): any {
  expect(res.status, String(res.body)).toBe(200);
  return JSON.parse(String(res.body));
}

async function get(host: Host, handler: string, query: Record<string, string> = {}, user: PluginUser | null = agent): Promise<any> {
  return bodyOf(await route(host, handler, query, user));
}

/** The plugin rounds minutes to one decimal and rates to four. */
function expectRounded(actual: number | null, exact: number | null, decimals: number): void {
  if (exact === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
}

/** Parses a widget as XML: throws unless it is well-formed. */
function parseFragment(html: string): Document {
  const parser = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== "warning") throw new Error(`${level}: ${message}`);
    },
  });
  return parser.parseFromString(html, "text/xml") as unknown as Document;
}

function svgElements(doc: Document, name: string, className?: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(SVG_NS, name)).filter((e) => className === undefined || e.getAttribute("class") === className);
}

function titleOf(element: Element): string {
  return Array.from(element.childNodes).find((n) => n.nodeName === "title")?.textContent ?? "";
}

/** The figures, computed with SQL written for this test. */
class Expected {
  constructor(
    private readonly host: Host,
    private readonly clock: Clock,
  ) {}

  private query(sql: string, args: (string | number)[] = []): Promise<Row[]> {
    return Promise.resolve(this.host.services.db.query(sql, args));
  }

  async stateCounts() {
    const rows = await this.query(`
      SELECT x.state_id, ts.name AS state, ts.type_name AS type, x.n AS count
      FROM (SELECT state_id, COUNT(*) AS n FROM tickets GROUP BY state_id) x JOIN ticket_states ts ON ts.id = x.state_id
      ORDER BY x.n DESC, x.state_id`);
    const [{ n }] = (await this.query("SELECT COUNT(*) AS n FROM tickets")) as [{ n: number }];
    return { total: n, states: rows };
  }

  async volume(from: string, to: string) {
    const rows = await this.query("SELECT date(create_time) AS d, COUNT(*) AS n FROM tickets WHERE date(create_time) BETWEEN ? AND ? GROUP BY d", [from, to]);
    const byDay = new Map(rows.map((r) => [r.d as string, r.n as number]));
    const days: { date: string; count: number }[] = [];
    for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000) {
      const date = new Date(t).toISOString().slice(0, 10);
      days.push({ date, count: byDay.get(date) ?? 0 });
    }
    return { from, to, total: days.reduce((sum, d) => sum + d.count, 0), days };
  }

  /** Closed in the range: count and mean minutes, overall (queue_id null) and per queue. */
  async resolution(from: string, to: string) {
    const closed = `FROM tickets WHERE state_id IN (SELECT id FROM ticket_states WHERE type_name = 'closed') AND date(close_time) BETWEEN ? AND ?`;
    const minutes = `AVG(CAST(strftime('%s', close_time) AS INTEGER) - CAST(strftime('%s', create_time) AS INTEGER)) / 60.0`;
    const [overall] = await this.query(`SELECT COUNT(*) AS tickets, ${minutes} AS avg_minutes ${closed}`, [from, to]);
    const perQueue = await this.query(
      `SELECT q.id AS queue_id, q.name AS queue, COALESCE(c.tickets, 0) AS tickets, c.avg_minutes FROM queues q
       LEFT JOIN (SELECT queue_id, COUNT(*) AS tickets, ${minutes} AS avg_minutes ${closed} GROUP BY queue_id) c ON c.queue_id = q.id
       ORDER BY q.name`,
      [from, to],
    );
    return { overall: overall!, perQueue };
  }

  async agents(from: string, to: string, limit: number, offset: number) {
    return this.query(
      `SELECT u.id AS user_id, u.login, u.first_name || ' ' || u.last_name AS name,
         (SELECT COUNT(*) FROM ticket t WHERE t.user_id = u.id AND date(t.create_time) BETWEEN ? AND ?) AS handled,
         (SELECT COUNT(*) FROM tickets t WHERE t.user_id = u.id AND t.state_id IN (4, 5) AND date(t.close_time) BETWEEN ? AND ?) AS closed,
         (SELECT AVG(CAST(strftime('%s', t.close_time) AS INTEGER) - CAST(strftime('%s', t.create_time) AS INTEGER)) / 60.0
          FROM tickets t WHERE t.user_id = u.id AND t.state_id IN (4, 5) AND date(t.close_time) BETWEEN ? AND ?) AS avg_minutes
       FROM users u
       ORDER BY closed DESC, handled DESC, u.id
       LIMIT ? OFFSET ?`,
      [from, to, from, to, from, to, limit, offset],
    );
  }

  /**
   * Created in the range; a target is met when the reply (or, without one, the closing) came
   * within it, breached when it came later or has not come and the target has passed.
   */
  async sla(from: string, to: string) {
    const now = Math.floor(this.clock.now / 1000);
    const verdicts = (done: string, target: string) => `
      SUM(${done} IS NOT NULL AND ${done} - created <= ${target}) AS ${done}_met,
      SUM((${done} IS NOT NULL AND ${done} - created > ${target}) OR (${done} IS NULL AND ${now} - created > ${target})) AS ${done}_breached,
      SUM(${done} IS NULL AND ${now} - created <= ${target}) AS ${done}_pending`;
    const sql = (groupBy: string) => `
      WITH judged AS (
        SELECT t.queue_id,
          CAST(strftime('%s', t.create_time) AS INTEGER) AS created,
          CAST(strftime('%s', COALESCE(t.first_response_time, CASE WHEN s.type_name = 'closed' THEN t.close_time END)) AS INTEGER) AS responded,
          CAST(strftime('%s', CASE WHEN s.type_name = 'closed' THEN t.close_time END) AS INTEGER) AS resolved,
          q.first_response_time * 60 AS response_target,
          q.solution_time * 60 AS solution_target
        FROM tickets t JOIN ticket_states s ON s.id = t.state_id JOIN queues q ON q.id = t.queue_id
        WHERE date(t.create_time) BETWEEN ? AND ?)
      SELECT ${groupBy ? "queue_id, " : ""}COUNT(*) AS tickets,
        ${verdicts("responded", "response_target")},
        ${verdicts("resolved", "solution_target")}
      FROM judged ${groupBy}`;
    const [overall] = await this.query(sql(""), [from, to]);
    const perQueue = await this.query(sql("GROUP BY queue_id"), [from, to]);
    return { overall: overall!, perQueue: new Map(perQueue.map((r) => [r.queue_id as number, r])) };
  }

  async openPerQueue() {
    return this.query(`
      SELECT q.id AS queue_id, q.name AS queue,
        (SELECT COUNT(*) FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE t.queue_id = q.id AND s.type_name <> 'closed') AS open,
        (SELECT COUNT(*) FROM tickets t WHERE t.queue_id = q.id AND t.state_id = 1) AS new,
        (SELECT COUNT(*) FROM tickets t WHERE t.queue_id = q.id AND t.state_id = 2) AS open_state,
        (SELECT COUNT(*) FROM tickets t WHERE t.queue_id = q.id AND t.state_id = 3) AS pending
      FROM queues q ORDER BY open DESC, q.name`);
  }

  async admins() {
    return this.query(`SELECT preferences_value AS email FROM user_preferences WHERE preferences_key = 'UserEmail'
      AND user_id IN (SELECT gu.user_id FROM group_user gu WHERE gu.group_id = (SELECT id FROM groups WHERE name = 'admin'))
      AND user_id IN (SELECT id FROM users WHERE valid_id = 1) ORDER BY user_id`);
  }

  /** Every row of the core tables, to show the plugin changed nothing. */
  async everything() {
    return Promise.all(["ticket", "ticket_state", "ticket_priority", "queue", "users", "customer_user", "article", "article_data_mime", "ticket_history"].map((table) => this.query(`SELECT * FROM ${table} ORDER BY id`)));
  }
}

function compareVerdicts(actual: any, expected: Row, done: "responded" | "resolved"): void {
  const met = expected[`${done}_met`] as number;
  const breached = expected[`${done}_breached`] as number;
  expect({ met: actual.met, breached: actual.breached, pending: actual.pending }).toEqual({ met, breached, pending: expected[`${done}_pending`] });
  expectRounded(actual.rate, met + breached === 0 ? null : met / (met + breached), 4);
}

describe("stats: reports equal the same aggregates computed independently", () => {
  const clock = { now: EVENING };
  let host: Host;
  let expected: Expected;

  beforeAll(async () => {
    host = await openHost(clock, {}, pluginDir, "in-process");
    expected = new Expected(host, clock);
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    clock.now = EVENING;
    await host.call("stats", "flush_cache");
  });

  it("counts: tickets per state, most first (seed 000)", async () => {
    const counts = await get(host, "ticket_counts");
    const want = await expected.stateCounts();
    expect(counts.total).toBe(2000);
    expect(counts).toEqual(want);
  });

  it("volume: tickets created per day, by default the 30 days up to the latest ticket", async () => {
    const volume = await get(host, "ticket_volume");
    expect(volume).toEqual(await expected.volume(LAST_30_DAYS.from, LAST_30_DAYS.to));
    expect(volume.days).toHaveLength(30);
    expect(volume.total).toBeGreaterThan(500);
  });

  it("volume: any range, with days outside the data counted as 0", async () => {
    for (const [from, to] of [
      ["2026-04-15", "2026-05-20"],
      ["2026-03-25", "2026-04-05"],
      ["2026-06-30", "2026-06-30"],
      ["2026-07-01", "2026-07-03"],
    ] as const) {
      expect(await get(host, "ticket_volume", { from, to })).toEqual(await expected.volume(from, to));
    }
    const onlyFrom = await get(host, "ticket_volume", { from: "2026-06-20" });
    expect(onlyFrom).toEqual(await expected.volume("2026-06-20", "2026-06-30"));
    const onlyTo = await get(host, "ticket_volume", { to: "2026-05-31" });
    expect(onlyTo).toEqual(await expected.volume("2026-05-02", "2026-05-31"));
  });

  it("resolution: mean minutes from creation to closing of the tickets closed in the range, overall and per queue", async () => {
    for (const range of [LAST_30_DAYS, { from: "2026-04-01", to: "2026-06-30" }, { from: "2026-05-10", to: "2026-05-10" }]) {
      const resolution = await get(host, "resolution_time", range);
      const want = await expected.resolution(range.from, range.to);
      expect(resolution.from).toBe(range.from);
      expect(resolution.to).toBe(range.to);
      expect(resolution.overall.tickets).toBe(want.overall.tickets);
      expectRounded(resolution.overall.avg_minutes, want.overall.avg_minutes as number | null, 1);
      expect(resolution.queues.map((q: any) => [q.queue_id, q.queue, q.tickets])).toEqual(want.perQueue.map((q) => [q.queue_id, q.queue, q.tickets]));
      resolution.queues.forEach((q: any, i: number) => expectRounded(q.avg_minutes, want.perQueue[i]!.avg_minutes as number | null, 1));
    }
    // A range without closed tickets has no average.
    const empty = await get(host, "resolution_time", { from: "2026-01-01", to: "2026-01-31" });
    expect(empty.overall).toEqual({ tickets: 0, avg_minutes: null });
    expect(empty.queues.every((q: any) => q.tickets === 0 && q.avg_minutes === null)).toBe(true);
  });

  it("agents: handled, closed and mean resolution per agent, most closed first, paginated", async () => {
    const [{ n: agentCount }] = (await host.services.db.query("SELECT COUNT(*) AS n FROM users", [])) as [{ n: number }];
    for (const [page, limit] of [
      [1, 20],
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
    ] as const) {
      const report = await get(host, "agent_performance", { page: String(page), limit: String(limit) });
      const want = await expected.agents(LAST_30_DAYS.from, LAST_30_DAYS.to, limit, (page - 1) * limit);
      expect({ ...report, agents: undefined }).toEqual({ ...LAST_30_DAYS, page, limit, total: agentCount, pages: Math.ceil(agentCount / limit), agents: undefined });
      expect(report.agents.map((a: any) => [a.user_id, a.login, a.name, a.handled, a.closed])).toEqual(want.map((a) => [a.user_id, a.login, a.name, a.handled, a.closed]));
      report.agents.forEach((a: any, i: number) => expectRounded(a.avg_resolution_minutes, want[i]!.avg_minutes as number | null, 1));
    }
    const older = await get(host, "agent_performance", { from: "2026-04-01", to: "2026-04-30", limit: "100" });
    const want = await expected.agents("2026-04-01", "2026-04-30", 100, 0);
    expect(older.agents.map((a: any) => [a.user_id, a.handled, a.closed])).toEqual(want.map((a) => [a.user_id, a.handled, a.closed]));
    older.agents.forEach((a: any, i: number) => expectRounded(a.avg_resolution_minutes, want[i]!.avg_minutes as number | null, 1));
    // Admins own no demo tickets: they are listed last, with nothing to average.
    expect(older.agents.slice(-2).map((a: any) => [a.user_id, a.closed, a.avg_resolution_minutes])).toEqual([
      [1, 0, null],
      [2, 0, null],
    ]);
  });

  it("sla: first response and solution targets met, breached and pending per queue and overall", async () => {
    for (const range of [LAST_30_DAYS, { from: "2026-06-25", to: "2026-06-30" }, { from: "2026-04-01", to: "2026-04-30" }]) {
      const sla = await get(host, "sla_compliance", range);
      const want = await expected.sla(range.from, range.to);
      expect(sla.overall.tickets).toBe(want.overall.tickets);
      compareVerdicts(sla.overall.first_response, want.overall, "responded");
      compareVerdicts(sla.overall.solution, want.overall, "resolved");
      const [{ n: queueCount }] = (await host.services.db.query("SELECT COUNT(*) AS n FROM queue", [])) as [{ n: number }];
      expect(sla.queues).toHaveLength(queueCount);
      for (const queue of sla.queues) {
        const row = want.perQueue.get(queue.queue_id);
        expect(queue.tickets).toBe(row?.tickets ?? 0);
        if (!row) continue;
        compareVerdicts(queue.first_response, row, "responded");
        compareVerdicts(queue.solution, row, "resolved");
      }
    }
    // Targets come from the queues table.
    const sla = await get(host, "sla_compliance");
    const support = sla.queues.find((q: any) => q.queue === "Support");
    expect(support).toMatchObject({ first_response_target_minutes: 60, solution_target_minutes: 480 });
    // The recent tickets are judged against the clock: pending tonight, breached a week later.
    expect(sla.overall.solution.pending).toBeGreaterThan(0);
    await host.call("stats", "flush_cache");
    clock.now = EVENING + 7 * 86_400_000;
    const later = await get(host, "sla_compliance");
    compareVerdicts(later.overall.solution, (await expected.sla(LAST_30_DAYS.from, LAST_30_DAYS.to)).overall, "resolved");
    expect(later.overall.solution.pending).toBe(0);
    // Later still, there is no ticket after June: the default range stays at the latest ticket.
    expect([later.from, later.to]).toEqual([LAST_30_DAYS.from, LAST_30_DAYS.to]);
  });

  it("open: unresolved tickets (new, open, pending) per queue, every queue, fullest first", async () => {
    const open = await get(host, "open_tickets");
    const want = await expected.openPerQueue();
    expect(open.queues).toEqual(
      want.map((q) => ({ queue_id: q.queue_id, queue: q.queue, open: q.open, by_type: { new: q.new, open: q.open_state, pending: q.pending } })),
    );
    expect(open.total).toBe(want.reduce((sum, q) => sum + (q.open as number), 0));
  });

  it("summary (admin): the headline figures of the range", async () => {
    const summary = await get(host, "admin_summary", {}, admin);
    const volume = await expected.volume(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const resolution = await expected.resolution(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const sla = await expected.sla(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const open = await expected.openPerQueue();
    expect({ ...summary, avg_resolution_minutes: undefined, sla: undefined }).toEqual({
      ...LAST_30_DAYS,
      created: volume.total,
      closed: resolution.overall.tickets,
      open: open.reduce((sum, q) => sum + (q.open as number), 0),
      avg_resolution_minutes: undefined,
      sla: undefined,
    });
    expectRounded(summary.avg_resolution_minutes, resolution.overall.avg_minutes as number, 1);
    const rate = (met: unknown, breached: unknown) => (met as number) / ((met as number) + (breached as number));
    expectRounded(summary.sla.first_response_rate, rate(sla.overall.responded_met, sla.overall.responded_breached), 4);
    expectRounded(summary.sla.solution_rate, rate(sla.overall.resolved_met, sla.overall.resolved_breached), 4);

    const april = await get(host, "admin_summary", { from: "2026-04-01", to: "2026-04-30" }, admin);
    expect(april.created).toBe((await expected.volume("2026-04-01", "2026-04-30")).total);
  });
});

describe("stats: widgets", () => {
  const clock = { now: EVENING };
  let host: Host;
  let expected: Expected;

  beforeAll(async () => {
    host = await openHost(clock);
    expected = new Expected(host, clock);
  });
  afterAll(() => host.close());

  it("agent home: one SVG bar per queue with its open tickets, axes titled, and the counts by state", async () => {
    const res = await host.call("stats", "render_agent_home", { kind: "widget", user: agent });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    const doc = parseFragment(String(res.body));
    const [svg, ...others] = svgElements(doc, "svg");
    expect(others).toHaveLength(0);
    expect(svg!.getAttribute("role")).toBe("img");
    expect(svg!.getAttribute("aria-label")).toBe("Open tickets per queue");

    const open = await expected.openPerQueue();
    const bars = svgElements(doc, "rect", "bar");
    expect(bars).toHaveLength(open.length);
    expect(bars.map(titleOf)).toEqual(open.map((q) => `${q.queue}: ${q.open}`));
    // Bar lengths are proportional to the counts.
    const widths = bars.map((b) => Number(b.getAttribute("width")));
    const largest = Math.max(...open.map((q) => q.open as number));
    open.forEach((q, i) => expect(widths[i]! / widths[0]!).toBeCloseTo((q.open as number) / largest, 2));

    const texts = svgElements(doc, "text").map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(["Open tickets per queue", "Open tickets", "Queue", "0"]));
    const stats = Array.from(doc.getElementsByTagName("div")).filter((d) => d.getAttribute("class")?.startsWith("stat "));
    const counts = await expected.stateCounts();
    expect(stats.map((s) => s.textContent)).toEqual(counts.states.map((s) => `${s.state}${s.count}`));
    // Nothing external: no scripts, stylesheets, images or links.
    expect(String(res.body)).not.toMatch(/<script|<link|<img|<style|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("admin home: the 30-day line with a point per day, the headline figures and SLA per queue", async () => {
    const res = await host.call("stats", "render_admin_summary", { kind: "widget", user: admin });
    const doc = parseFragment(String(res.body));
    const volume = await expected.volume(LAST_30_DAYS.from, LAST_30_DAYS.to);

    const [line, ...otherLines] = svgElements(doc, "polyline", "line");
    expect(otherLines).toHaveLength(0);
    const points = line!.getAttribute("points")!.split(" ").map((p) => p.split(",").map(Number) as [number, number]);
    expect(points).toHaveLength(30);
    // x grows day by day; a busier day is drawn higher (smaller y).
    for (let i = 1; i < points.length; i++) expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0]);
    for (let i = 1; i < points.length; i++) {
      const [before, after] = [volume.days[i - 1]!.count, volume.days[i]!.count];
      if (before !== after) expect(points[i]![1] < points[i - 1]![1]).toBe(after > before);
    }
    expect(svgElements(doc, "circle", "point").map(titleOf)).toEqual(volume.days.map((d) => `${d.date.slice(5)}: ${d.count}`));
    const texts = svgElements(doc, "text").map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(["Tickets created per day, 2026-06-01 to 2026-06-30", "Day", "Tickets created", "06-01", "06-30"]));

    const stats = Object.fromEntries(
      Array.from(doc.getElementsByTagName("div"))
        .filter((d) => d.getAttribute("class") === "stat-title")
        .map((d) => [d.textContent, (d.nextSibling as Element).textContent]),
    );
    const resolution = await expected.resolution(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const sla = await expected.sla(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const percent = (met: unknown, breached: unknown) => `${(Math.round((1000 * (met as number)) / ((met as number) + (breached as number))) / 10).toFixed(1)}%`;
    expect(stats).toEqual({
      Created: String(volume.total),
      Closed: String(resolution.overall.tickets),
      "Avg resolution": expect.stringMatching(/^\d+d \d+h$|^\d+h \d+m$/),
      "Open now": String((await expected.openPerQueue()).reduce((sum, q) => sum + (q.open as number), 0)),
      "First response SLA": percent(sla.overall.responded_met, sla.overall.responded_breached),
      "Solution SLA": percent(sla.overall.resolved_met, sla.overall.resolved_breached),
    });
    const rows = Array.from(doc.getElementsByTagName("tbody").item(0)!.getElementsByTagName("tr"));
    expect(rows.map((r) => r.getElementsByTagName("th").item(0)!.textContent)).toEqual(resolution.perQueue.map((q) => q.queue));
  });

  it("escapes names: a queue called <script> stays text, and the widget stays well-formed", async () => {
    const evil = `<script>alert("x")</script> & 'Co'`;
    await host.services.db.exec("UPDATE queue SET name = ? WHERE id = 1", [evil]);
    try {
      await host.call("stats", "flush_cache");
      for (const widget of ["render_agent_home", "render_admin_summary"]) {
        const res = await host.call("stats", widget, { kind: "widget", user: admin });
        expect(String(res.body)).not.toContain("<script>");
        const doc = parseFragment(String(res.body));
        expect(doc.getElementsByTagName("script")).toHaveLength(0);
        expect(doc.documentElement!.textContent).toContain(evil.slice(0, 17));
      }
    } finally {
      await host.services.db.exec("UPDATE queue SET name = 'Raw' WHERE id = 1", []);
      await host.call("stats", "flush_cache");
    }
  });
});

describe("stats: caching", () => {
  const clock = { now: EVENING };
  let host: Host;
  let expected: Expected;

  beforeAll(async () => {
    host = await openHost(clock);
    expected = new Expected(host, clock);
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    clock.now = EVENING;
    await host.call("stats", "flush_cache");
  });

  // The cases reading x-cache are skipped on the GoatFlow build: its ABI has no response headers.
  const cacheOf = (res: PluginResponse) => res.headers["x-cache"];
  const index = async () => {
    const raw = await host.services.cache.get("stats", "index");
    return raw ? Object.keys(JSON.parse(Buffer.from(raw).toString("utf8"))) : [];
  };

  it.skipIf(GOATFLOW)("caches each report by route and parameters, for 60 s", async () => {
    expect(cacheOf(await route(host, "ticket_volume"))).toBe("miss");
    expect(cacheOf(await route(host, "ticket_volume"))).toBe("hit");
    expect(cacheOf(await route(host, "ticket_volume", LAST_30_DAYS))).toBe("hit"); // the same range, spelled out
    expect(cacheOf(await route(host, "ticket_volume", { from: "2026-06-02" }))).toBe("miss");
    expect(cacheOf(await route(host, "resolution_time"))).toBe("miss");
    expect(cacheOf(await route(host, "agent_performance", { page: "2", limit: "5" }))).toBe("miss");
    expect(cacheOf(await route(host, "agent_performance", { page: "2", limit: "5" }))).toBe("hit");
    expect(cacheOf(await route(host, "agent_performance", { page: "1", limit: "5" }))).toBe("miss");
    expect(await index()).toEqual([
      "volume:2026-06-01..2026-06-30",
      "volume:2026-06-02..2026-06-30",
      "resolution:2026-06-01..2026-06-30",
      "agents:2026-06-01..2026-06-30:2x5",
      "agents:2026-06-01..2026-06-30:1x5",
    ]);
    clock.now += 59_000;
    expect(cacheOf(await route(host, "ticket_volume"))).toBe("hit");
    clock.now += 2_000;
    expect(cacheOf(await route(host, "ticket_volume"))).toBe("miss");
    // Expired keys leave the index as new ones arrive.
    expect(await index()).toEqual(["volume:2026-06-01..2026-06-30"]);
  });

  it.skipIf(GOATFLOW)("a hit serves the cached figures until the flush route (admin only) drops them", async () => {
    const before = await get(host, "ticket_counts");
    await get(host, "open_tickets");
    const newTickets = (await host.services.db.query("SELECT id FROM ticket WHERE ticket_state_id = 1", [])).map((r) => r.id as number);
    await host.services.db.exec("UPDATE ticket SET ticket_state_id = 2 WHERE ticket_state_id = 1", []);
    try {
      const stale = await route(host, "ticket_counts");
      expect(cacheOf(stale)).toBe("hit");
      expect(bodyOf(stale)).toEqual(before);

      const denied = await route(host, "flush_cache", {}, agent, "POST");
      expect(denied.status).toBe(403);
      expect(denied.error).toEqual({ message: "this route is for administrators", code: "FORBIDDEN" });
      expect((await route(host, "flush_cache", {}, null, "POST")).status).toBe(403);
      expect(cacheOf(await route(host, "ticket_counts"))).toBe("hit");

      expect(await get(host, "flush_cache", {}, admin)).toEqual({ flushed: 2 });
      expect(await index()).toEqual([]);
      expect(await host.services.cache.get("stats", "counts")).toBeNull();
      const fresh = await route(host, "ticket_counts");
      expect(cacheOf(fresh)).toBe("miss");
      expect(bodyOf(fresh)).toEqual(await expected.stateCounts());
      expect(bodyOf(fresh).states.map((s: any) => s.state)).not.toContain("new");
      expect(host.logs.list("stats", "info").some((l) => l.message === "report cache flushed" && l.fields.by === admin.login)).toBe(true);
    } finally {
      await host.services.db.exec(`UPDATE ticket SET ticket_state_id = 1 WHERE id IN (${newTickets.join(", ")})`, []);
    }
    expect(await get(host, "flush_cache", {}, admin)).toEqual({ flushed: 1 });
    expect(await get(host, "ticket_counts")).toEqual(before);
  });

  it.skipIf(GOATFLOW)("widgets share the routes' cache entries", async () => {
    await host.call("stats", "render_agent_home", { kind: "widget", user: agent });
    expect(await index()).toEqual(["open", "counts"]);
    expect(cacheOf(await route(host, "open_tickets"))).toBe("hit");
  });

  it.skipIf(GOATFLOW)("cache_ttl_seconds sets the lifetime; 0 turns caching off", async () => {
    const short = await openHost(clock, { cache_ttl_seconds: 5 });
    const off = await openHost(clock, { cache_ttl_seconds: 0 });
    try {
      expect(cacheOf(await route(short, "open_tickets"))).toBe("miss");
      expect(cacheOf(await route(short, "open_tickets"))).toBe("hit");
      clock.now += 6_000;
      expect(cacheOf(await route(short, "open_tickets"))).toBe("miss");
      expect(cacheOf(await route(off, "open_tickets"))).toBe("miss");
      expect(cacheOf(await route(off, "open_tickets"))).toBe("miss");
      expect(await off.services.cache.get("stats", "index")).toBeNull();
    } finally {
      await short.close();
      await off.close();
    }
  });

  it("failures are answered with the database's reason and not cached", async () => {
    const broken = await openHost(clock);
    try {
      await broken.services.db.migrate("DROP VIEW ticket_states; DROP TABLE ticket_state");
      const res = await route(broken, "ticket_counts");
      expect(res.status).toBe(500);
      expectHostFailure(broken, res, "E_SERVICE", "counting tickets by state failed: ", /.*db_query failed: .*no such table: (main\.)?ticket_state\b/);
      expect(await broken.services.cache.get("stats", "index")).toBeNull();
    } finally {
      await broken.close();
    }
  });
});

describe("stats: the daily report job", () => {
  const clock = { now: Date.parse("2026-07-01T06:00:00Z") };
  let host: Host;
  let expected: Expected;
  const job = { kind: "job" as const, job: { id: "daily-report", schedule: "0 6 * * *", scheduled_at: "2026-07-01T06:00:00.000Z", attempt: 1, payload: null } };

  beforeAll(async () => {
    host = await openHost(clock);
    expected = new Expected(host, clock);
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    host.mailbox!.clear();
    await host.call("stats", "flush_cache");
  });

  it("is scheduled from the manifest at 06:00 every day", () => {
    expect(host.jobs.list("stats")).toEqual([expect.objectContaining({ id: "daily-report", schedule: "0 6 * * *", handler: "send_daily_report", source: "manifest" })]);
  });

  it("emails the HTML summary to every active admin, one message each", async () => {
    const result = jobResult(await host.call("stats", "send_daily_report", job));
    const admins = (await expected.admins()).map((a) => a.email as string);
    expect(admins).toHaveLength(2);
    const mails = host.mailbox!.list("stats");
    expect(mails.map((m) => m.to)).toEqual(admins.map((a) => [a]));
    if (!GOATFLOW) expect(result).toEqual({ ...LAST_30_DAYS, flushed: 0, sent: mails.map((m) => ({ to: m.to[0], id: m.id })), failed: [] });

    const volume = await expected.volume(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const resolution = await expected.resolution(LAST_30_DAYS.from, LAST_30_DAYS.to);
    const open = await expected.openPerQueue();
    for (const mail of mails) {
      expect(mail.subject).toBe("Help desk report: 2026-06-01 to 2026-06-30");
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.text ?? "").not.toContain("<table");
      const html = mail.html!;
      expect(html).toContain(`<th scope="row" style="text-align: left;">Tickets created</th><td>${volume.total}</td>`);
      expect(html).toContain(`<th scope="row" style="text-align: left;">Created on 2026-06-30</th><td>${volume.days.at(-1)!.count}</td>`);
      expect(html).toContain(`<th scope="row" style="text-align: left;">Tickets closed</th><td>${resolution.overall.tickets}</td>`);
      for (const q of open) expect(html).toContain(`<tr><th scope="row">${q.queue}</th><td>${q.open}</td><td>${q.new}</td><td>${q.open_state}</td><td>${q.pending}</td></tr>`);
      const top = await expected.agents(LAST_30_DAYS.from, LAST_30_DAYS.to, 5, 0);
      for (const a of top) expect(html).toContain(`<tr><th scope="row">${a.name}</th><td>${a.handled}</td><td>${a.closed}</td>`);
    }
    expect(mails[0]!.html).toContain("Hello Ada,");
    expect(mails[1]!.html).toContain("Hello Ben,");
  });

  // GoatFlow discards the job's answer (what it flushed), and has no x-cache header.
  it.skipIf(GOATFLOW)("flushes the report cache first, so the email and the dashboards after it are fresh", async () => {
    await route(host, "ticket_volume");
    await route(host, "open_tickets");
    const result = jobResult(await host.call("stats", "send_daily_report", job));
    expect(result.flushed).toBe(2);
    // The report itself refilled the cache with fresh entries.
    expect((await route(host, "ticket_volume")).headers["x-cache"]).toBe("hit");
  });

  it("skips inactive admins", async () => {
    await host.services.db.exec("UPDATE users SET valid_id = 2 WHERE id = 2", []);
    try {
      const result = jobResult(await host.call("stats", "send_daily_report", job));
      if (!GOATFLOW) expect(result.sent.map((s: any) => s.to)).toEqual(["ada.fischer@goatflow.example"]);
      expect(host.mailbox!.list("stats")).toHaveLength(1);
    } finally {
      await host.services.db.exec("UPDATE users SET valid_id = 1 WHERE id = 2", []);
    }
  });
});

describe("stats: parameters", () => {
  const clock = { now: EVENING };
  let host: Host;
  let expected: Expected;

  beforeAll(async () => {
    host = await openHost(clock);
    expected = new Expected(host, clock);
  });
  afterAll(() => host.close());

  const cases: [string, Record<string, string>, string][] = [
    ["ticket_volume", { from: "2026-13-01" }, 'query parameter "from" must be a date written YYYY-MM-DD (for example 2026-06-30), got "2026-13-01"'],
    ["ticket_volume", { to: "2026-02-30" }, 'query parameter "to" must be a date written YYYY-MM-DD (for example 2026-06-30), got "2026-02-30"'],
    ["resolution_time", { from: "06/01/2026" }, 'query parameter "from" must be a date written YYYY-MM-DD (for example 2026-06-30), got "06/01/2026"'],
    ["sla_compliance", { from: "2026-6-1" }, 'query parameter "from" must be a date written YYYY-MM-DD (for example 2026-06-30), got "2026-6-1"'],
    ["admin_summary", { to: "yesterday" }, 'query parameter "to" must be a date written YYYY-MM-DD (for example 2026-06-30), got "yesterday"'],
    ["ticket_volume", { from: "2026-06-30", to: "2026-06-01" }, 'query parameter "from" (2026-06-30) must not be after "to" (2026-06-01)'],
    ["ticket_volume", { from: "2025-01-01", to: "2026-06-30" }, 'the range from "from" (2025-01-01) to "to" (2026-06-30) spans 546 days; ask for at most 366'],
    ["agent_performance", { page: "0" }, 'query parameter "page" must be a whole number of at least 1, got "0"'],
    ["agent_performance", { page: "two" }, 'query parameter "page" must be a whole number of at least 1, got "two"'],
    ["agent_performance", { limit: "101" }, 'query parameter "limit" must be a whole number from 1 to 100, got "101"'],
    ["agent_performance", { limit: "-5" }, 'query parameter "limit" must be a whole number from 1 to 100, got "-5"'],
    [
      "ticket_volume",
      { from: "2026-06-01' OR 1=1; DELETE FROM tickets; --" },
      `query parameter "from" must be a date written YYYY-MM-DD (for example 2026-06-30), got "2026-06-01' OR 1=1; DELETE FROM tickets;..."`,
    ],
  ];

  it.each(cases)("%s %j is a 400 naming the parameter", async (handler, query, message) => {
    const res = await route(host, handler, query, admin);
    expect(res.status).toBe(400);
    expect(res.error).toEqual({ message, code: "INVALID_PARAMETER" });
  });

  it("accepts the longest range, leap days and empty values", async () => {
    expect((await get(host, "ticket_volume", { from: "2025-07-01", to: "2026-07-01" })).days).toHaveLength(366);
    expect((await get(host, "ticket_volume", { from: "2024-02-29", to: "2024-03-01" })).days.map((d: any) => d.date)).toEqual(["2024-02-29", "2024-03-01"]);
    expect(await get(host, "ticket_volume", { from: "", to: "" })).toEqual(await expected.volume(LAST_30_DAYS.from, LAST_30_DAYS.to));
    expect((await get(host, "agent_performance", { page: "99" })).agents).toEqual([]);
  });
});

describe("stats: permissions", () => {
  const clock = { now: EVENING };

  it("the manifest asks for exactly what the plugin uses, validates cleanly, and guards admin routes", async () => {
    const { manifest, warnings } = await loadManifest(pluginDir);
    expect(warnings).toEqual([]);
    expect(manifest.permissions).toEqual(["db:read", "cache:read", "cache:write", "email:send"]);
    expect(manifest.routes.map((r) => [r.method, r.path, r.middleware])).toEqual([
      ["GET", "/api/plugins/stats/counts", ["auth"]],
      ["GET", "/api/plugins/stats/volume", ["auth"]],
      ["GET", "/api/plugins/stats/resolution", ["auth"]],
      ["GET", "/api/plugins/stats/agents", ["auth"]],
      ["GET", "/api/plugins/stats/sla", ["auth"]],
      ["GET", "/api/plugins/stats/open", ["auth"]],
      ["GET", "/api/plugins/stats/summary", ["auth", "admin"]],
      ["POST", "/api/plugins/stats/cache/flush", ["auth", "admin"]],
    ]);
    const pkg = JSON.parse(await readFile(join(pluginDir, "package.json"), "utf8"));
    expect(pkg.version).toBe(manifest.version);
  });

  it.runIf(GOATFLOW)("the GoatFlow build imports only gk.host_call, gk.log and WASI's clock, and exports GoatFlow's ABI", async () => {
    const module = await WebAssembly.compile(await readFile(join(pluginDir, "build/plugin.wasm")));
    expect(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort()).toEqual(["gk.host_call", "gk.log", "wasi_snapshot_preview1.clock_time_get"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["gk_call", "gk_free", "gk_malloc", "gk_register", "memory"]);
  });

  it.skipIf(GOATFLOW)("the module imports no host function beyond those permissions: it cannot write, fetch or schedule", async () => {
    const module = await WebAssembly.compile(await readFile(join(pluginDir, "build/plugin.wasm")));
    const imports = WebAssembly.Module.imports(module).filter((i) => i.module === "host").map((i) => i.name);
    expect(imports.sort()).toEqual(["cache_delete", "cache_get", "cache_set", "db_query", "last_error", "log", "send_email"]);
  });

  it("running every handler leaves the help desk's data unchanged", async () => {
    const host = await openHost(clock);
    try {
      const expected = new Expected(host, clock);
      const before = await expected.everything();
      for (const handler of ["ticket_counts", "ticket_volume", "resolution_time", "agent_performance", "sla_compliance", "open_tickets", "admin_summary"]) {
        expect((await route(host, handler, {}, admin)).status).toBe(200);
      }
      expect((await route(host, "flush_cache", {}, admin, "POST")).status).toBe(200);
      expect((await host.call("stats", "render_agent_home", { kind: "widget" })).status).toBe(200);
      expect((await host.call("stats", "render_admin_summary", { kind: "widget" })).status).toBe(200);
      expect((await host.call("stats", "send_daily_report", { kind: "job" })).status).toBe(GOATFLOW ? 204 : 200);
      expect(await expected.everything()).toEqual(before);
    } finally {
      await host.close();
    }
  });

  describe("with permissions taken away", () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "goatkit-stats-"));
      await cp(join(pluginDir, "build"), join(dir, "build"), { recursive: true });
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    async function withPermissions(permissions: string[]): Promise<Host> {
      const manifest = JSON.parse(await readFile(join(pluginDir, "manifest.json"), "utf8"));
      await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, permissions }));
      return openHost(clock, {}, dir);
    }

    it("without db:read every report fails with the host's permission error", async () => {
      const host = await withPermissions(["cache:read", "cache:write", "email:send"]);
      try {
        const res = await route(host, "ticket_counts");
        expect(res.status).toBe(500);
        expectHostFailure(host, res, "E_PERMISSION_DENIED", "counting tickets by state failed: ", 'permission denied: db_query needs "db:read"; add it to manifest.permissions');
        const widget = await host.call("stats", "render_agent_home", { kind: "widget" });
        expect(widget.body).toContain("Statistics are unavailable");
        expect(host.logs.list("stats", "error").some((l) => l.message.startsWith("report failed") && (GOATFLOW || l.fields.code === "E_PERMISSION_DENIED"))).toBe(true);
      } finally {
        await host.close();
      }
    });

    it.skipIf(GOATFLOW)("without the cache it still answers, from the database every time", async () => {
      const host = await withPermissions(["db:read", "email:send"]);
      try {
        const first = await route(host, "ticket_volume");
        const second = await route(host, "ticket_volume");
        expect([first.headers["x-cache"], second.headers["x-cache"]]).toEqual(["miss", "miss"]);
        expect(bodyOf(second)).toEqual(await new Expected(host, clock).volume(LAST_30_DAYS.from, LAST_30_DAYS.to));
        expect(await get(host, "flush_cache", {}, admin)).toEqual({ flushed: 0 });
      } finally {
        await host.close();
      }
    });

    it("without email:send the job fails, so the scheduler retries it", async () => {
      const host = await withPermissions(["db:read", "cache:read", "cache:write"]);
      try {
        const res = await host.call("stats", "send_daily_report", { kind: "job" });
        expect(res.status).toBe(500);
        if (GOATFLOW) {
          // The job's error answer fails the call (a trap), since GoatFlow discards what a job answers.
          expect(res.error?.code).toBe("E_TRAP");
          const logged = host.logs.list("stats", "error").map((l) => l.message);
          expect(logged).toContain("job send_daily_report failed: the daily report reached no administrator: host_call send_email failed (GoatFlow's host_call gives no reason; a GoatKit host logs it) (E_SERVICE)");
          expect(logged.some((m) => m.includes('permission denied: send_email needs "email:send"'))).toBe(true);
        } else {
          expect(res.error).toEqual({
            code: "E_PERMISSION_DENIED",
            message: 'the daily report reached no administrator: permission denied: send_email needs "email:send"; add it to manifest.permissions',
          });
        }
        expect(host.mailbox!.list("stats")).toEqual([]);
      } finally {
        await host.close();
      }
    });
  });
});

describe("stats: memory", () => {
  it("frees each call's garbage: 150 uncached reports fit in a 16 MiB memory cap", async () => {
    const clock = { now: EVENING };
    const dir = await mkdtemp(join(tmpdir(), "goatkit-stats-memory-"));
    try {
      await cp(join(pluginDir, "build"), join(dir, "build"), { recursive: true });
      const manifest = JSON.parse(await readFile(join(pluginDir, "manifest.json"), "utf8"));
      await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, limits: { memory_mb: 16 } }));
      const host = await openHost(clock, { cache_ttl_seconds: 0 }, dir);
      try {
        for (let i = 0; i < 150; i++) {
          const res = await route(host, i % 2 ? "sla_compliance" : "agent_performance", { from: "2026-04-01", to: "2026-06-30" });
          expect(res.status, String(res.body)).toBe(200);
        }
      } finally {
        await host.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("stats: the limit on what one request reads", () => {
  it("a request that would read more than 100,000 ticket rows is refused, not trapped", async () => {
    const clock = { now: EVENING };
    const host = await createHost({ database: { demo: { ...DEMO, tickets: 60_000 } }, now: () => clock.now });
    try {
      await host.load(pluginDir, { config: { cache_ttl_seconds: 0 } });
      const quarter = { from: "2026-04-01", to: "2026-06-30" };
      // One report reads the 60,000 tickets created in the quarter; the summary reads them and the closed ones.
      expect(bodyOf(await route(host, "sla_compliance", quarter)).overall.tickets).toBe(60_000);
      const summary = await route(host, "admin_summary", quarter, admin);
      expect(summary.status).toBe(422);
      expect(summary.error).toEqual({
        code: "RANGE_TOO_LARGE",
        message: "2026-04-01 to 2026-06-30 needs more than the 100000 ticket rows one request may read; ask for a shorter range",
      });
      // The next request starts afresh.
      expect(bodyOf(await route(host, "admin_summary", LAST_30_DAYS, admin)).from).toBe(LAST_30_DAYS.from);
    } finally {
      await host.close();
    }
  }, 300_000);
});

// The plugin's SQL is portable: on PostgreSQL and MySQL/MariaDB it answers exactly as on SQLite.
// Like the host's service tests, these run when the server's URL is set.
const SERVERS = [
  ["PostgreSQL", "GOATKIT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"],
  ["MySQL/MariaDB", "GOATKIT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"],
] as const;

for (const [server, variable, example] of SERVERS) {
  const url = process.env[variable];
  describe.skipIf(!url)(`stats on ${server} (set ${variable}, e.g. ${example})`, () => {
    // Long after the demo's last ticket: every SLA target has passed, so clocks a second apart agree.
    const clock = { now: Date.parse("2026-08-01T00:00:00Z") };
    const name = `goatkit_stats_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
    let root: DatabaseService;
    let host: Host;
    let sqlite: Host;

    beforeAll(async () => {
      let db: DatabaseService & { seedDemo(options: typeof DEMO): Promise<void> };
      if (variable === "GOATKIT_TEST_POSTGRES_URL") {
        root = await PostgresDatabase.connect({ url: url! });
        await root.migrate(`CREATE SCHEMA ${name}`);
        db = await PostgresDatabase.connect({ url: url!, schema: name });
      } else {
        root = await MysqlDatabase.connect({ url: url! });
        await root.migrate(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
        const own = new URL(url!);
        own.pathname = `/${name}`;
        db = await MysqlDatabase.connect({ url: own.toString() });
      }
      await db.seedDemo(DEMO);
      // With a Redis at hand, the cache is the production one too.
      const redisUrl = process.env.GOATKIT_TEST_REDIS_URL;
      const cache = redisUrl ? await RedisCache.connect({ url: redisUrl, keyPrefix: `${name}:` }) : undefined;
      host = await createHost({ database: db, ...(cache ? { cache } : {}), now: () => clock.now });
      await host.load(pluginDir);
      sqlite = await openHost(clock);
    }, 120_000);
    afterAll(async () => {
      await host?.close();
      await sqlite?.close();
      await root?.migrate(variable === "GOATKIT_TEST_POSTGRES_URL" ? `DROP SCHEMA IF EXISTS ${name} CASCADE` : `DROP DATABASE IF EXISTS ${name}`);
      await root?.close();
    });

    const calls: [string, Record<string, string>][] = [
      ["ticket_counts", {}],
      ["ticket_volume", {}],
      ["ticket_volume", { from: "2026-03-25", to: "2026-05-03" }],
      ["resolution_time", {}],
      ["resolution_time", { from: "2026-04-01", to: "2026-06-30" }],
      ["agent_performance", {}],
      ["agent_performance", { page: "2", limit: "5", from: "2026-05-01", to: "2026-05-31" }],
      ["sla_compliance", {}],
      ["sla_compliance", { from: "2026-04-01", to: "2026-06-30" }],
      ["open_tickets", {}],
      ["admin_summary", {}],
    ];
    it.each(calls)("%s %j", async (handler, query) => {
      const res = await route(host, handler, query, admin);
      expect(res.status, String(res.body)).toBe(200);
      expect(JSON.parse(String(res.body))).toEqual(await get(sqlite, handler, query, admin));
    });

    it("widgets and the daily email are the same too", async () => {
      for (const widget of ["render_agent_home", "render_admin_summary"]) {
        const [here, there] = await Promise.all([host, sqlite].map((h) => h.call("stats", widget, { kind: "widget" })));
        expect(here!.body).toBe(there!.body);
      }
      await Promise.all([host, sqlite].map((h) => h.call("stats", "send_daily_report", { kind: "job" })));
      expect(host.mailbox!.list("stats").map((m) => m.html)).toEqual(sqlite.mailbox!.list("stats").map((m) => m.html));
    });
  });
}

describe("stats: template functions", () => {
  const clock = { now: EVENING };
  let host: Host;
  let manager: PluginManager;
  let engine: TemplateEngine;
  let folder: string;
  const templates: Record<string, string> = {
    "figures.html": `{% use stats %}{{ ticket_counts().total }}|{{ open_tickets().total }}|{% with sla=sla_summary(30) %}{{ sla.from }}..{{ sla.to }}|{{ sla.overall.tickets }}|{{ sla.overall.solution.rate }}{% endwith %}`,
    "bad-days.html": `{% use stats %}{{ sla_summary(0) }}`,
    "typed.html": `{% use stats %}{{ sla_summary(query.days) }}`,
  };

  beforeAll(async () => {
    host = await openHost(clock, {}, pluginDir, "in-process");
    manager = await PluginManager.create({ host });
    folder = await mkdtemp(join(tmpdir(), "stats-templates-"));
    for (const [name, source] of Object.entries(templates)) await writeFile(join(folder, name), source);
    engine = new TemplateEngine({ manager, folders: [folder] });
  });
  afterAll(async () => {
    await manager.close();
    await host.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("ticket_counts(), open_tickets() and sla_summary(days) give what the report routes give", async () => {
    const counts = await get(host, "ticket_counts");
    const open = await get(host, "open_tickets");
    const sla = await get(host, "sla_compliance", LAST_30_DAYS);
    const html = await engine.render("figures.html", {}, { user: agent });
    expect(html).toBe(`${counts.total}|${open.total}|2026-06-01..2026-06-30|${sla.overall.tickets}|${sla.overall.solution.rate}`);
  });

  it("sla_summary refuses a range it cannot report on with a placeholder; text for days is a template error", async () => {
    expect(await engine.render("bad-days.html", {}, { user: agent })).toBe(
      '<span class="gk-call-failed" data-plugin="stats" data-function="sla_summary" data-code="INVALID_ARGUMENT" role="status">stats.sla_summary() is unavailable (INVALID_ARGUMENT)</span>',
    );
    await expect(engine.render("typed.html", { query: { days: "30" } }, { user: agent })).rejects.toThrow(
      'template "typed.html" line 1: stats.sla_summary(days): argument "days" must be a whole number (pipe text through | int), got the string "30"',
    );
  });
});
