/**
 * The plugin contract, run over every binding: each kitchen-sink fixture (AssemblyScript core
 * ABI, TypeScript component, AssemblyScript Extism) exposes the same handlers, so the same
 * assertions apply to all of them through the real host.
 */
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHost, type Binding, type Host, type LoadOptions, type PluginResponse } from "../../src/index.js";
import { EMBEDDED, type ContractBackend } from "./contract-backends.js";
import { startEchoServer } from "./http-echo-server.js";

export interface ContractFixture {
  /** The plugin folder: manifest plus the built `.wasm` (the fixture's build script makes it). */
  dir: string;
  binding: Binding;
  /** How the failure of the `trap` handler (an abort, an uncaught exception) reads. */
  trapMessage: RegExp;
  load?: LoadOptions;
  /** Where the data lives (default: the embedded SQLite and memory cache). */
  backend?: ContractBackend;
}

const PLUGIN = "kitchen-sink";
const json = (res: PluginResponse) => JSON.parse(String(res.body));
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: JSON.stringify(body) });

export function describeKitchenSinkContract(fixture: ContractFixture): void {
  const backend = fixture.backend ?? EMBEDDED;
  const drops: (() => Promise<void>)[] = [];
  // A fresh store per host: the closing host is done with it, so it is dropped at the end.
  const newHost = async (demo: { tickets: number; anchorDay?: string }, extra: { now?: () => number } = {}) => {
    const store = await backend.create(demo);
    drops.push(store.drop);
    return createHost({ ...store.options, ...extra });
  };
  afterAll(async () => {
    for (const drop of drops.splice(0)) await drop();
  });
  let origin: string;
  let stopServer: () => Promise<number>;
  beforeAll(async () => {
    ({ origin, stop: stopServer } = await startEchoServer());
  });
  afterAll(() => stopServer());

  const mode = fixture.load?.isolation === "in-process" ? ", in-process" : "";
  describe(`${fixture.binding} kitchen-sink on ${backend.name}${mode}: every host function through the real host`, () => {
    let host: Host;
    let now = Date.parse("2026-03-10T12:00:00Z");

    beforeEach(async () => {
      await host?.close();
      now = Date.parse("2026-03-10T12:00:00Z");
      host = await newHost({ tickets: 300, anchorDay: "2026-03-09" }, { now: () => now });
      await host.load(fixture.dir, fixture.load);
    });
    afterAll(() => host?.close());

    it("is detected as its binding, registers and applies its migration", async () => {
      const plugin = host.plugin(PLUGIN)!;
      expect(plugin.binding).toBe(fixture.binding);
      expect(plugin.manifest.version).toBe("1.0.0");
      expect(await host.services.db.query("SELECT id FROM goatkit_migrations WHERE plugin = ?", [PLUGIN])).toEqual([{ id: "001_create_notes" }]);
      expect(host.jobs.list(PLUGIN).map((j) => j.handler)).toEqual(["on_job"]);
    });

    it("parses the request envelope", async () => {
      const res = await host.call(PLUGIN, "echo", {
        kind: "route",
        method: "post",
        path: "/api/plugins/kitchen-sink/echo/42",
        params: { id: "42" },
        query: { page: "3", q: "printer" },
        headers: { Accept: "text/html", Authorization: "Bearer secret" },
        body: '{"x":1}',
        user: { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" },
        locale: "de",
      });
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({
        kind: "route",
        handler: "echo",
        method: "POST",
        path: "/api/plugins/kitchen-sink/echo/42",
        params: { id: "42" },
        query: { page: "3", q: "printer" },
        headers: { accept: "text/html" },
        body: '{"x":1}',
        user: { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" },
        locale: "de",
        job: null,
        config: {},
        page: 3,
      });
    });

    it("queryInt falls back to its default on a missing or malformed value", async () => {
      expect(json(await host.call(PLUGIN, "echo", {})).page).toBe(1);
      expect(json(await host.call(PLUGIN, "echo", { query: { page: "abc" } })).page).toBe(1);
      expect(json(await host.call(PLUGIN, "echo", { query: { page: "-12" } })).page).toBe(-12);
    });

    it("a job call carries its job", async () => {
      const job = { id: "j1", schedule: "*/5 * * * *", scheduled_at: "2026-03-10T12:00:00.000Z", attempt: 2, payload: { report: "daily" } };
      expect(json(await host.call(PLUGIN, "on_job", { kind: "job", job }))).toEqual({ kind: "job", job });
    });

    it("db_query: the tutorial's ticket counts, then the cached copy", async () => {
      const first = json(await host.call(PLUGIN, "count_tickets"));
      expect(first.source).toBe("db");
      const expected = await host.services.db.query("SELECT state_id, COUNT(*) AS n FROM tickets GROUP BY state_id ORDER BY n DESC", []);
      expect(first.counts.map((c: { count: number }) => c.count)).toEqual(expected.map((r) => r.n));
      const second = json(await host.call(PLUGIN, "count_tickets"));
      expect(second).toEqual({ ...first, source: "cache" });
      // Redis keeps its own time: the host clock moves the expiry only on the embedded cache.
      if (backend.ttlFollowsHostClock) {
        now += 61_000;
        expect(json(await host.call(PLUGIN, "count_tickets")).source).toBe("db");
      }
    });

    it("db_query: placeholders, refusals and database errors", async () => {
      const rows = json(await host.call(PLUGIN, "query", post({ sql: "SELECT id, name FROM queues WHERE id <= ? ORDER BY id", args: [2] })));
      expect(rows).toEqual([
        { id: 1, name: "Raw" },
        { id: 2, name: "Junk" },
      ]);
      const write = await host.call(PLUGIN, "query", post({ sql: "DELETE FROM tickets", args: [] }));
      expect(write.status).toBe(500);
      expect(write.error).toEqual({ code: "E_INVALID_ARGUMENT", message: "db_query only reads (SELECT, WITH, VALUES); use db_exec to change data" });
      const bad = await host.call(PLUGIN, "query", post({ sql: "SELECT nope FROM tickets", args: [] }));
      expect(bad.error?.code).toBe("E_SERVICE");
      expect(bad.error?.message).toMatch(/db_query failed: .*nope/);
      expect(await host.services.db.query("SELECT COUNT(*) AS n FROM tickets", [])).toEqual([{ n: 300 }]);
    });

    // What db:read exposes, on every database: the core's tables, the core's users with their
    // logins and e-mail addresses included (GoatFlow's users.pw holds password hashes; the demo
    // leaves it empty); not the host's tables (its migration ledger included). docs/manifest.md
    // lists it for administrators.
    it("db_query with db:read: reads the core's users, not the host's tables", async () => {
      const sql = `SELECT u.login, p.preferences_value AS email FROM users u
        JOIN user_preferences p ON p.user_id = u.id AND p.preferences_key = 'UserEmail' ORDER BY u.id LIMIT 1`;
      const users = json(await host.call(PLUGIN, "query", post({ sql, args: [] })));
      expect(users).toEqual([{ login: expect.any(String), email: expect.stringContaining("@") }]);
      const columns = Object.keys((await host.services.db.query("SELECT * FROM users ORDER BY id LIMIT 1", []))[0]!);
      expect(columns.sort()).toEqual(["change_by", "change_time", "create_by", "create_time", "first_name", "id", "last_name", "login", "pw", "title", "valid_id"]);
      expect(await host.services.db.query("SELECT COUNT(*) AS n FROM users WHERE pw <> ''", [])).toEqual([{ n: 0 }]);
      // The host's migration ledger is platform state: the database refuses it to every plugin.
      const ledger = await host.call(PLUGIN, "query", post({ sql: "SELECT plugin FROM goatkit_migrations WHERE plugin = ?", args: [PLUGIN] }));
      expect(ledger.error?.code).toBe("E_PERMISSION_DENIED");
    });

    it("db_query refuses what a read must never do: attach, pragmas, extensions, several statements", async () => {
      const refusals: Array<[sql: string, message: string]> = [
        ["ATTACH DATABASE 'kitchen-sink-attached.db' AS stolen", "db_query only reads (SELECT, WITH, VALUES); use db_exec to change data"],
        ["DETACH DATABASE main", "db_query only reads (SELECT, WITH, VALUES); use db_exec to change data"],
        ["PRAGMA foreign_keys = OFF", "db_query only reads (SELECT, WITH, VALUES); use db_exec to change data"],
        ["SELECT load_extension('/tmp/evil')", "db_query may not call load_extension: it loads native code into the host"],
        // Functions that reach the server's files or run SQL from a string (past every check here).
        ["SELECT pg_catalog.pg_read_file('/etc/passwd')", "db_query may not call pg_read_file: it reaches the database server's files"],
        ["SELECT LOAD_FILE('/etc/passwd')", "db_query may not call load_file: it reaches the database server's files"],
        ["SELECT query_to_xml('SELECT * FROM goatkit_' || 'audit', true, false, '')", "db_query may not call query_to_xml: it runs SQL given as a string, past the host's checks"],
        ['SELECT "table_to_xml"(1, true, false, \'\')', "db_query may not call table_to_xml: it runs SQL given as a string, past the host's checks"],
        ["SELECT 1; SELECT 2", "db_query runs one statement; split the SQL into separate calls"],
        // A quote inside a quoted identifier must not hide the second statement.
        [`SELECT "'" FROM tickets; ATTACH DATABASE 'x.db' AS y; SELECT '`, "db_query runs one statement; split the SQL into separate calls"],
        ["SELECT `'` FROM tickets; DELETE FROM tickets; SELECT '", "db_query runs one statement; split the SQL into separate calls"],
        ["SELECT [;'] FROM tickets; DELETE FROM tickets; SELECT '", "db_query runs one statement; split the SQL into separate calls"],
      ];
      for (const [sql, message] of refusals) {
        const res = await host.call(PLUGIN, "query", post({ sql, args: [] }));
        expect(res.error, sql).toEqual({ code: "E_INVALID_ARGUMENT", message });
      }
      // The adapter itself refuses them too, whoever calls it.
      for (const sql of ["ATTACH DATABASE 'kitchen-sink-attached.db' AS stolen", "PRAGMA foreign_keys = OFF"]) {
        await expect(Promise.resolve().then(() => host.services.db.query(sql, [])), sql).rejects.toThrow(/^query\(\) runs reads only; (ATTACH|PRAGMA) is not a read/);
      }
      await expect(Promise.resolve().then(() => host.services.db.query("SELECT load_extension('/tmp/evil')", []))).rejects.toThrow("query() may not call load_extension: it loads native code into the host");
      expect(await host.services.db.query("SELECT COUNT(*) AS n FROM tickets", [])).toEqual([{ n: 300 }]);
    });

    // The host's platform state holds every plugin's log lines and job runs and the
    // administrators' audit trail: no permission reaches it (docs/state.md).
    it("db_query and db_exec never reach the host's platform tables, whatever the grant", async () => {
      expect(host.state, "this host keeps platform state in its database").not.toBeNull();
      const reads: Array<[sql: string, table: string]> = [
        ["SELECT * FROM goatkit_plugin_logs", "goatkit_plugin_logs"],
        ['SELECT actor FROM "GOATKIT_AUDIT"', "goatkit_audit"],
        ["SELECT t.id FROM tickets t JOIN goatkit_job_runs r ON r.id = t.id", "goatkit_job_runs"],
        ["SELECT id FROM tickets WHERE id IN (SELECT 1 FROM goatkit_plugin_state)", "goatkit_plugin_state"],
      ];
      // A backslash ends no string early or late: every database reads it as itself.
      reads.push(["SELECT 'x\\' AS a, (SELECT actor FROM goatkit_audit LIMIT 1) AS b", "goatkit_audit"]);
      for (const [sql, table] of reads) {
        const res = await host.call(PLUGIN, "query", post({ sql, args: [] }));
        expect(res.error, sql).toEqual({
          code: "E_PERMISSION_DENIED",
          message: `permission denied: db_query may not use table "${table}": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API`,
        });
      }
      // A name in a string is not a table.
      expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT 'goatkit_audit' AS name", args: [] })))).toEqual([{ name: "goatkit_audit" }]);

      await host.load(fixture.dir, { ...fixture.load, grant: ["db:write:goatkit_audit"] });
      const write = await host.call(PLUGIN, "exec", post({ sql: "DELETE FROM goatkit_audit", args: [] }));
      expect(write.error?.message).toMatch(/^permission denied: db_exec may not use table "goatkit_audit": it is the host's platform state/);
      const smuggled = await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) SELECT actor FROM goatkit_audit", args: [] }));
      expect(smuggled.error?.code).toBe("E_PERMISSION_DENIED");
      // The host itself still keeps and reads them.
      await host.services.db.query("SELECT COUNT(*) AS n FROM goatkit_audit", []);
    });

    it("db_exec: writes its own table, and needs db:write:<table> for core tables", async () => {
      const inserted = json(await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) VALUES (?)", args: ["hello"] })));
      expect(inserted).toEqual({ rows_affected: 1, last_insert_id: 1 });
      expect(await host.services.db.query(`SELECT body FROM ${host.services.db.pluginTable(PLUGIN, "kitchen_sink_notes")}`, [])).toEqual([{ body: "hello" }]);
      const denied = await host.call(PLUGIN, "exec", post({ sql: "UPDATE ticket SET title = ? WHERE id = 1", args: ["x"] }));
      expect(denied.error).toEqual({
        code: "E_PERMISSION_DENIED",
        message: 'permission denied: db_exec may not write table "ticket": add "db:write:ticket" to manifest.permissions to write it',
      });
      const schema = await host.call(PLUGIN, "exec", post({ sql: "DROP TABLE kitchen_sink_notes", args: [] }));
      expect(schema.error?.message).toBe("db_exec does not change the schema; put CREATE/ALTER/DROP in manifest.migrations");

      await host.load(fixture.dir, { ...fixture.load, grant: ["db:write:ticket"] });
      const granted = json(await host.call(PLUGIN, "exec", post({ sql: "UPDATE ticket SET title = ? WHERE id = 1", args: ["renamed"] })));
      expect(granted).toEqual({ rows_affected: 1, last_insert_id: null });
    });

    it("cache: set, get, delete, TTL, and a namespace of its own", async () => {
      const set = json(await host.call(PLUGIN, "cache", post({ op: "set", key: "greeting", value: "hej ✓", ttl: 30 })));
      expect(set).toEqual({ value: null, code: 0, error: null });
      expect(json(await host.call(PLUGIN, "cache", post({ op: "get", key: "greeting" })))).toEqual({ value: "hej ✓", code: 0, error: null });
      expect(await host.services.cache.get("other-plugin", "greeting")).toBeNull();
      if (backend.ttlFollowsHostClock) {
        now += 31_000;
        expect(json(await host.call(PLUGIN, "cache", post({ op: "get", key: "greeting" }))).value).toBeNull();
      }
      await host.call(PLUGIN, "cache", post({ op: "set", key: "k", value: "v", ttl: 0 }));
      expect(json(await host.call(PLUGIN, "cache", post({ op: "delete", key: "k" }))).code).toBe(0);
      expect(json(await host.call(PLUGIN, "cache", post({ op: "get", key: "k" }))).value).toBeNull();
      const tooLong = json(await host.call(PLUGIN, "cache", post({ op: "set", key: "x".repeat(600), value: "v", ttl: 0 })));
      expect(tooLong).toEqual({ value: null, code: 2, error: { error: "cache_set key must be 1 to 512 bytes, got 600", code: "E_INVALID_ARGUMENT" } });
    });

    it("http_request: allowed hosts, headers and body; other hosts and redirects to them are refused", async () => {
      const res = json(await host.call(PLUGIN, "http", post({ method: "POST", url: `${origin}/echo?x=1`, headers: { "x-token": "t1" }, body: "ping" })));
      expect(res.status).toBe(200);
      expect(res.headers["x-test"]).toBe("yes");
      expect(JSON.parse(res.body)).toEqual({ method: "POST", url: "/echo?x=1", body: "ping", auth: "t1" });
      const port = new URL(origin).port;
      const other = await host.call(PLUGIN, "http", post({ method: "GET", url: `http://localhost:${port}/` }));
      expect(other.error).toEqual({
        code: "E_PERMISSION_DENIED",
        message: `permission denied: http_request to localhost:${port} is not allowed; add "localhost:${port}" to manifest.http.allowed_hosts`,
      });
      const redirect = await host.call(PLUGIN, "http", post({ method: "GET", url: `${origin}/redirect-away` }));
      expect(redirect.error?.code).toBe("E_PERMISSION_DENIED");
      expect(redirect.error?.message).toMatch(/redirect.*refused.*localhost:1/);
    });

    it("send_email: lands in the dev mailbox with its attachments", async () => {
      const attachment = { filename: "report.csv", content_type: "text/csv", content_base64: Buffer.from("a,b\n1,2\n").toString("base64") };
      const res = json(await host.call(PLUGIN, "email", post({ to: ["boss@example.com", "ops@example.com"], subject: "Daily report", body: "All good.", attachments: [attachment] })));
      expect(res.id).toMatch(/@goatkit\.local$/);
      const [mail] = host.mailbox!.list(PLUGIN);
      expect(mail).toMatchObject({ id: res.id, to: ["boss@example.com", "ops@example.com"], subject: "Daily report", text: "All good.", attachments: [attachment] });
      const bad = await host.call(PLUGIN, "email", post({ to: ["not-an-address"], subject: "x", body: "y" }));
      expect(bad.error).toEqual({ code: "E_INVALID_ARGUMENT", message: 'send_email recipient "not-an-address" is not an email address' });
    });

    it("schedule_job: registers the job, idempotently, and checks cron and handler", async () => {
      const first = json(await host.call(PLUGIN, "schedule", post({ cron: "0 6 * * *", handler: "on_job", payload: { report: "daily" } })));
      expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), next_run: "2026-03-11T06:00:00.000Z" });
      const again = json(await host.call(PLUGIN, "schedule", post({ cron: "0 6 * * *", handler: "on_job", payload: { report: "weekly" } })));
      expect(again.id).toBe(first.id);
      expect(host.jobs.list(PLUGIN).find((j) => j.id === first.id)).toMatchObject({ schedule: "0 6 * * *", payload: { report: "weekly" }, source: "schedule_job" });
      const badCron = await host.call(PLUGIN, "schedule", post({ cron: "61 * * * *", handler: "on_job" }));
      expect(badCron.error?.code).toBe("E_INVALID_ARGUMENT");
      expect(badCron.error?.message).toMatch(/^schedule_job cron "61 \* \* \* \*" is invalid: /);
      const badHandler = await host.call(PLUGIN, "schedule", post({ cron: "0 6 * * *", handler: "nope" }));
      expect(badHandler.error?.message).toBe('schedule_job handler "nope" is not exported by the plugin');
    });

    it("log: four levels with structured fields, kept per plugin", async () => {
      expect(json(await host.call(PLUGIN, "log", { path: "/x" }))).toEqual({ logged: 4 });
      const lines = host.logs.list(PLUGIN).filter((l) => l.message.startsWith("kitchen-sink "));
      expect(lines.map((l) => [l.level, l.message])).toEqual([
        ["debug", "kitchen-sink debug"],
        ["info", "kitchen-sink info"],
        ["warn", "kitchen-sink warn"],
        ["error", "kitchen-sink error"],
      ]);
      expect(lines[0]!.fields).toMatchObject({ handler: "log", path: "/x" });
    });

    it("results: status and headers, error envelopes, widgets, nothing", async () => {
      const status = await host.call(PLUGIN, "status");
      expect(status).toEqual({ status: 201, headers: { "x-kitchen-sink": "yes", "content-type": "text/csv" }, body: "id,body\n1,hello\n" });
      const fail = await host.call(PLUGIN, "fail");
      expect(fail.status).toBe(422);
      expect(fail.error).toEqual({ message: "something broke", code: "BROKEN" });
      const widget = await host.call(PLUGIN, "widget", { kind: "widget", user: { id: 1, login: "<ada>", email: "a@x.io", role: "admin" } });
      expect(widget.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(widget.body).toBe('<div class="kitchen-sink"><p>Hello, &lt;ada&gt;!</p></div>');
      expect(await host.call(PLUGIN, "nothing")).toEqual({ status: 204, headers: {}, body: "" });
    });

    it("a trap is one failed call: the message says what happened, the next call works", async () => {
      const trapped = await host.call(PLUGIN, "trap");
      expect(trapped.status).toBe(500);
      expect(trapped.error?.code).toBe("E_TRAP");
      expect(trapped.error?.message).toMatch(fixture.trapMessage);
      expect(host.logs.list(PLUGIN, "error").some((l) => fixture.trapMessage.test(l.message.replace(/^trap: /, "")))).toBe(true);
      expect((await host.call(PLUGIN, "echo")).status).toBe(200);
    });

    it("an unknown handler is E_UNKNOWN_HANDLER", async () => {
      const res = await host.call(PLUGIN, "no_such_handler");
      expect(res.error?.code).toBe("E_UNKNOWN_HANDLER");
      expect(res.error?.message).toContain('"no_such_handler"');
    });
  });

  describe(`${fixture.binding} kitchen-sink${mode} without permissions: every guarded host function is denied and logged`, () => {
    let host: Host;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "goatkit-denied-"));
      // A gRPC build runs as a user of its own when the host can switch users.
      await chmod(dir, 0o755);
      await cp(fixture.dir, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
      await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, permissions: [], http: undefined }));
      host = await newHost({ tickets: 50 });
      await host.load(dir, fixture.load);
    });
    afterAll(async () => {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    });

    const cases: [string, unknown, string, string][] = [
      ["query", { sql: "SELECT 1", args: [] }, "db_query", "db:read"],
      ["exec", { sql: "INSERT INTO kitchen_sink_notes (body) VALUES ('x')", args: [] }, "db_exec", "db:write"],
      ["http", { method: "GET", url: "http://127.0.0.1:9/" }, "http_request", "http:external"],
      ["email", { to: ["a@example.com"], subject: "s", body: "b" }, "send_email", "email:send"],
      ["schedule", { cron: "* * * * *", handler: "on_job" }, "schedule_job", "jobs:schedule"],
    ];
    it.each(cases)("%s is denied without %s", async (handler, body, fn, permission) => {
      const res = await host.call(PLUGIN, handler, post(body));
      const message = `permission denied: ${fn} needs "${permission}"; add it to manifest.permissions`;
      expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message });
      expect(host.logs.list(PLUGIN, "warn").some((l) => l.message === message && l.fields.host_function === fn)).toBe(true);
    });

    it("refuses to load a plugin whose migration names one of the host's tables", async () => {
      const leaky = await mkdtemp(join(tmpdir(), "goatkit-leaky-"));
      await chmod(leaky, 0o755);
      try {
        await cp(dir, leaky, { recursive: true });
        const manifest = JSON.parse(await readFile(join(leaky, "manifest.json"), "utf8"));
        const migrations = [...manifest.migrations, { id: "002_leak", up: "CREATE TABLE kitchen_sink_leak AS SELECT * FROM goatkit_audit" }];
        await writeFile(join(leaky, "manifest.json"), JSON.stringify({ ...manifest, migrations }));
        const other = await newHost({ tickets: 5 });
        try {
          await expect(other.load(leaky, fixture.load)).rejects.toThrow('migration 002_leak of kitchen-sink names table "goatkit_audit", which belongs to the host (docs/state.md)');
          expect(await other.services.db.query("SELECT id FROM goatkit_migrations WHERE plugin = ?", [PLUGIN])).toEqual([]);
        } finally {
          await other.close();
        }
      } finally {
        await rm(leaky, { recursive: true, force: true });
      }
    });

    it("cache get, set and delete report E_PERMISSION_DENIED with the ABI's error number", async () => {
      const get = json(await host.call(PLUGIN, "cache", post({ op: "get", key: "k" })));
      expect(get).toEqual({ value: null, code: 1, error: { error: 'permission denied: cache_get needs "cache:read"; add it to manifest.permissions', code: "E_PERMISSION_DENIED" } });
      const set = json(await host.call(PLUGIN, "cache", post({ op: "set", key: "k", value: "v", ttl: 0 })));
      expect(set).toEqual({ value: null, code: 1, error: { error: 'permission denied: cache_set needs "cache:write"; add it to manifest.permissions', code: "E_PERMISSION_DENIED" } });
      const del = json(await host.call(PLUGIN, "cache", post({ op: "delete", key: "k" })));
      expect(del).toEqual({ value: null, code: 1, error: { error: 'permission denied: cache_delete needs "cache:write"; add it to manifest.permissions', code: "E_PERMISSION_DENIED" } });
    });

    it("logging stays allowed", async () => {
      expect(json(await host.call(PLUGIN, "log"))).toEqual({ logged: 4 });
    });
  });
}
