import { MysqlDatabase, PostgresDatabase, RedisCache, createHost, type DatabaseService, type Host, type PluginResponse, type PluginUser } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The plugin built by `pnpm --filter @goatkit/plugin-analytics build`, run by the real host as a
// gRPC process on a deterministic demo help desk. Figures are checked against SQL written here
// in SQLite's own dialect (date(), julianday()), independently of the plugin's portable SQL.
const pluginDir = new URL("..", import.meta.url).pathname;
const DEMO = { anchorDay: "2026-06-30", seed: 11, tickets: 1500 };
const admin: PluginUser = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" };

const body = (res: PluginResponse) => {
  expect(res.status, String(res.body)).toBe(200);
  return JSON.parse(String(res.body));
};
const run = (host: Host, id: string, dateRange?: { start: string; end: string }) =>
  host.call("analytics", "run_report", { kind: "route", method: "POST", params: { id }, user: admin, body: dateRange ? JSON.stringify({ date_range: dateRange }) : "" });

const round1 = (x: number) => Math.round(x * 10) / 10;

describe("analytics (gRPC process plugin): reports equal the same figures computed independently", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: DEMO } });
    await host.load(pluginDir);
  });
  afterAll(() => host?.close());
  const sql = <T>(text: string, args: (string | number)[] = []) => host.services.db.query(text, args) as Promise<T[]>;

  it("runs as a gRPC process with the manifest's routes, widget and job", () => {
    const plugin = host.plugin("analytics")!;
    expect(plugin.binding).toBe("grpc");
    expect(plugin.pid).toBeGreaterThan(0);
    expect(host.jobs.list("analytics").map((j) => [j.handler, j.schedule])).toEqual([["generate_daily_report", "0 6 * * *"]]);
  });

  it("list_reports names both reports", async () => {
    const reports = body(await host.call("analytics", "list_reports", { kind: "route", user: admin }));
    expect(reports.map((r: { id: string }) => r.id)).toEqual(["ticket-volume", "resolution-time"]);
  });

  it("ticket-volume: tickets created per day of the range, zero days included", async () => {
    const range = { start: "2026-05-20", end: "2026-06-10" };
    const report = body(await run(host, "ticket-volume", range));
    const rows = await sql<{ d: string; n: number }>("SELECT date(create_time) AS d, COUNT(*) AS n FROM tickets WHERE date(create_time) BETWEEN ? AND ? GROUP BY d", [range.start, range.end]);
    const expected = new Map(rows.map((r) => [r.d, r.n]));
    expect(report.days).toHaveLength(22);
    for (const day of report.days) expect(day.count).toBe(expected.get(day.date) ?? 0);
    expect(report.total).toBe(rows.reduce((n, r) => n + r.n, 0));
    expect(report.total).toBeGreaterThan(0);
  });

  it("resolution-time: mean hours from creation to close of the tickets closed in the range", async () => {
    const range = { start: "2026-06-01", end: "2026-06-30" };
    const report = body(await run(host, "resolution-time", range));
    const [all] = await sql<{ n: number; hours: number }>(
      "SELECT COUNT(*) AS n, AVG((julianday(t.close_time) - julianday(t.create_time)) * 24) AS hours FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE s.type_name = 'closed' AND date(t.close_time) BETWEEN ? AND ?",
      [range.start, range.end],
    );
    expect(report.closed).toBe(all!.n);
    expect(report.average_hours).toBe(round1(all!.hours));
    const [day] = await sql<{ n: number; hours: number }>(
      "SELECT COUNT(*) AS n, AVG((julianday(t.close_time) - julianday(t.create_time)) * 24) AS hours FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE s.type_name = 'closed' AND date(t.close_time) = ?",
      ["2026-06-15"],
    );
    expect(report.days.find((d: { date: string }) => d.date === "2026-06-15")).toEqual({ date: "2026-06-15", closed: day!.n, average_hours: day!.n === 0 ? null : round1(day!.hours) });
  });

  it("run_report logs the run, caches the result for an hour and get_report shows the last run", async () => {
    const range = { start: "2026-06-01", end: "2026-06-07" };
    const first = body(await run(host, "ticket-volume", range));
    expect(host.logs.list("analytics").some((l) => l.message === "Running report" && l.fields.report_id === "ticket-volume")).toBe(true);
    const cached = await host.services.cache.get("analytics", "report_ticket-volume_2026-06-01_2026-06-07");
    expect(JSON.parse(new TextDecoder().decode(cached!))).toEqual(first);
    const report = body(await host.call("analytics", "get_report", { kind: "route", params: { id: "ticket-volume" }, user: admin }));
    expect(report).toMatchObject({ id: "ticket-volume", name: "Ticket Volume", last_run: { date_range: range } });
  });

  it("refuses an unknown report and a malformed range, naming the fix", async () => {
    const unknown = await run(host, "agent-mood");
    expect(unknown.status).toBe(404);
    expect(unknown.error).toEqual({ code: "UNKNOWN_REPORT", message: 'unknown report "agent-mood"; the reports are ticket-volume, resolution-time' });
    const bad = await run(host, "ticket-volume", { start: "June", end: "2026-06-30" });
    expect(bad.status).toBe(400);
    expect(bad.error?.message).toBe('date_range.start "June" is not a day; write YYYY-MM-DD');
  });

  it("the summary widget shows the real figures of the latest day and the last 7 days", async () => {
    const res = await host.call("analytics", "render_summary", { kind: "widget", user: admin });
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    const values = [...String(res.body).matchAll(/<div class="stat-value">([^<]*)<\/div>/g)].map((m) => m[1]);
    const [{ day }] = (await sql<{ day: string }>("SELECT date(MAX(create_time)) AS day FROM tickets")) as [{ day: string }];
    const count = async (d: string) => (await sql<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE date(create_time) = ?", [d]))[0]!.n;
    const [open] = await sql<{ n: number }>("SELECT COUNT(*) AS n FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE s.type_name <> 'closed'");
    const [week] = await sql<{ hours: number; met: number; n: number }>(
      "SELECT AVG((julianday(t.close_time) - julianday(t.create_time)) * 24) AS hours, SUM((julianday(t.close_time) - julianday(t.create_time)) * 1440 <= q.solution_time) AS met, COUNT(*) AS n " +
        "FROM tickets t JOIN ticket_states s ON s.id = t.state_id JOIN queues q ON q.id = t.queue_id WHERE s.type_name = 'closed' AND date(t.close_time) BETWEEN date(?, '-6 days') AND ?",
      [day, day],
    );
    expect(values).toEqual([String(await count(day)), `${round1(week!.hours).toFixed(1)}h`, String(open!.n), `${Math.round(round1((week!.met / week!.n) * 100))}%`]);
    const yesterday = await count(new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
    const delta = (await count(day)) - yesterday;
    expect(String(res.body)).toContain(`${delta >= 0 ? "+" : ""}${delta} from the day before`);
  });

  it("the daily report job computes the day's figures and keeps them for two days", async () => {
    const res = await host.call("analytics", "generate_daily_report", { kind: "job", job: { id: "daily-report", schedule: "0 6 * * *", scheduled_at: "2026-07-01T06:00:00.000Z", attempt: 1, payload: null } });
    const report = body(res);
    expect(report.day).toBe("2026-06-30");
    expect(report.volume.total).toBe((await sql<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE date(create_time) = ?", ["2026-06-30"]))[0]!.n);
    expect(await host.services.cache.get("analytics", "daily_report_2026-06-30")).not.toBeNull();
    expect(host.logs.list("analytics").some((l) => l.message === "Generating daily analytics report")).toBe(true);
  });
});

// The plugin's SQL is portable: on PostgreSQL and MySQL/MariaDB it answers exactly as on SQLite.
const SERVERS = [
  ["PostgreSQL", "GOATKIT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"],
  ["MySQL/MariaDB", "GOATKIT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"],
] as const;

// On PostgreSQL each plugin gets a role (cluster-wide) and a schema beside the core schema: the
// `gk_` roles granted USAGE on it. Dropped with the schema, so test runs leave no roles behind.
const DROP_PLUGIN_ROLES = (schema: string) => `DO $$ DECLARE r text; BEGIN
  FOR r IN SELECT DISTINCT ro.rolname FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles ro ON ro.oid = a.grantee
    WHERE n.nspname = '${schema}' AND ro.rolname LIKE 'gk\\_%' LOOP
    EXECUTE format('DROP OWNED BY %I CASCADE', r);
    EXECUTE format('DROP ROLE %I', r);
  END LOOP;
END $$`;

for (const [server, variable, example] of SERVERS) {
  const url = process.env[variable];
  describe.skipIf(!url)(`analytics on ${server} (set ${variable}, e.g. ${example})`, () => {
    const name = `goatkit_analytics_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
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
      const redisUrl = process.env.GOATKIT_TEST_REDIS_URL;
      const cache = redisUrl ? await RedisCache.connect({ url: redisUrl, keyPrefix: `${name}:` }) : undefined;
      host = await createHost({ database: db, ...(cache ? { cache } : {}) });
      await host.load(pluginDir);
      sqlite = await createHost({ database: { demo: DEMO } });
      await sqlite.load(pluginDir);
    }, 120_000);
    afterAll(async () => {
      await host?.close();
      await sqlite?.close();
      await root?.migrate(variable === "GOATKIT_TEST_POSTGRES_URL" ? `${DROP_PLUGIN_ROLES(name)}; DROP SCHEMA IF EXISTS ${name} CASCADE` : `DROP DATABASE IF EXISTS ${name}`);
      await root?.close();
    });

    it.each([
      ["ticket-volume", undefined],
      ["ticket-volume", { start: "2026-04-28", end: "2026-05-09" }],
      ["resolution-time", undefined],
      ["resolution-time", { start: "2026-04-01", end: "2026-06-30" }],
    ] as const)("run_report %s %j", async (id, range) => {
      expect(body(await run(host, id, range))).toEqual(body(await run(sqlite, id, range)));
    });

    it("the summary widget and the daily report are the same too", async () => {
      const [here, there] = await Promise.all([host, sqlite].map((h) => h.call("analytics", "render_summary", { kind: "widget" })));
      expect(here!.body).toBe(there!.body);
      const [a, b] = await Promise.all([host, sqlite].map((h) => h.call("analytics", "generate_daily_report", { kind: "job" })));
      expect(body(a!)).toEqual(body(b!));
    });
  });
}
