import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  formatIssues,
  manifestHandlers,
  ManifestError,
  parseManifest,
  resolveHook,
  routeMountPath,
  tablePrefix,
  validateManifest,
  type ManifestIssue,
} from "../src/manifest/index.js";

const fixtures = fileURLToPath(new URL("./fixtures/manifests/", import.meta.url));
const readFixture = (name: string): unknown => JSON.parse(readFileSync(fixtures + name, "utf8"));

type Doc = Record<string, any>;

/** A valid manifest in the shape of seed 000, with one item of every list the cases mutate. */
function base(): Doc {
  return {
    name: "ticket-counter",
    version: "1.0.0",
    routes: [{ method: "GET", path: "/api/plugins/ticket-counter/counts", handler: "get_counts", middleware: ["auth"] }],
    widgets: [{ id: "ticket-counts", title: "Ticket Counts", handler: "render_widget", location: "agent_home", size: "small" }],
    jobs: [{ id: "refresh-cache", schedule: "*/5 * * * *", handler: "refresh_cache" }],
    permissions: ["db:read", "cache:read", "cache:write"],
  };
}

function errorsOf(input: unknown): ManifestIssue[] {
  const result = validateManifest(input);
  return result.ok ? [] : result.errors;
}

describe("seed manifests", () => {
  it("validates seed 000 (WASM tutorial) and applies defaults", () => {
    const result = validateManifest(readFixture("seed-000-ticket-counter.manifest.json"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual([]);
    expect(result.manifest.runtime).toBe("wasm");
    expect(result.manifest.wasm).toBe("plugin.wasm");
    expect(result.manifest.jobs).toEqual([]);
    expect(result.manifest.functions).toEqual([]);
    expect(result.manifest.routes[0]).toEqual({
      method: "GET",
      path: "/api/plugins/ticket-counter/counts",
      handler: "get_counts",
      middleware: ["auth"],
      description: "Returns ticket counts by state",
    });
    expect(result.manifest.permissions).toEqual(["db:read", "cache:read", "cache:write"]);
  });

  it("validates seed 001 (gRPC tutorial): type grpc is an alias of runtime", () => {
    const result = validateManifest(readFixture("seed-001-analytics.manifest.json"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest.runtime).toBe("grpc");
    expect(result.manifest.type).toBe("grpc");
    expect(result.manifest.grpc).toEqual({ binary: "analytics", health_check: true });
    expect(result.manifest.wasm).toBeUndefined();
    expect(result.manifest.routes.map((r) => r.path)).toContain("/api/plugins/analytics/reports/:id/run");
    expect(result.manifest.jobs[0]?.schedule).toBe("0 6 * * *");
  });

  it("keeps the author's values and does not mutate the input", () => {
    const input = { ...base(), runtime: "wasm", wasm: "build/counter.wasm", build: { command: "tinygo", output: "out.wasm" } };
    const before = structuredClone(input);
    const result = validateManifest(input);
    expect(input).toEqual(before);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.manifest.wasm).toBe("build/counter.wasm");
  });

  it("defaults wasm to build.output when there is a build section", () => {
    const result = validateManifest({ ...base(), build: { command: "tinygo", args: ["build"], output: "dist/tc.wasm" } });
    expect(result.ok && result.manifest.wasm).toBe("dist/tc.wasm");
  });
});

interface Case {
  name: string;
  change: (m: Doc) => void;
  path: string;
  /** Substrings the message must contain. */
  message: string[];
  /** Substrings the fix must contain. */
  fix: string[];
}

const cases: Case[] = [
  { name: "invalid name", change: (m) => (m.name = "Ticket_Counter"), path: "name", message: ['name "Ticket_Counter"', "upper-case"], fix: ['"ticket-counter"'] },
  { name: "missing name", change: (m) => delete m.name, path: "name", message: ['missing required field "name"'], fix: ['add "name"', '"ticket-counter"'] },
  { name: "version not semver", change: (m) => (m.version = "1.0"), path: "version", message: ['version "1.0"', "semantic version"], fix: ['"1.0.0"'] },
  { name: "version as a YAML number", change: (m) => (m.version = 1.2), path: "version", message: ["version must be a string"], fix: ["quote it", '"1.2.0"'] },
  {
    name: "misspelt top-level key",
    change: (m) => {
      m.permisions = m.permissions;
      delete m.permissions;
    },
    path: "permisions",
    message: ['unknown field "permisions"'],
    fix: ['did you mean "permissions"'],
  },
  {
    name: "singular top-level key",
    change: (m) => {
      m.route = m.routes;
      delete m.routes;
    },
    path: "route",
    message: ['unknown field "route"'],
    fix: ['did you mean "routes"'],
  },
  { name: "unknown top-level key", change: (m) => (m.colour = "red"), path: "colour", message: ['unknown field "colour"'], fix: ['remove "colour"', "routes"] },
  { name: "unknown runtime", change: (m) => (m.runtime = "docker"), path: "runtime", message: ['runtime "docker"', '"wasm"', '"grpc"'], fix: ['"wasm"'] },
  { name: "lower-case method", change: (m) => (m.routes[0].method = "get"), path: "routes[0].method", message: ['method "get" must be upper case'], fix: ['use upper case: "GET"'] },
  { name: "unknown method", change: (m) => (m.routes[0].method = "FETCH"), path: "routes[0].method", message: ['method "FETCH"', '"GET"'], fix: ['"OPTIONS"'] },
  { name: "route path without /", change: (m) => (m.routes[0].path = "counts"), path: "routes[0].path", message: ['path "counts" must start with "/"'], fix: ['"/counts"'] },
  {
    name: "route under another plugin",
    change: (m) => (m.routes[0].path = "/api/plugins/analytics/reports"),
    path: "routes[0].path",
    message: ["another plugin's prefix /api/plugins/analytics/"],
    fix: ['"/api/plugins/ticket-counter/reports"', '"/reports"'],
  },
  {
    name: "invalid route parameter",
    change: (m) => (m.routes[0].path = "/api/plugins/ticket-counter/counts/:1st"),
    path: "routes[0].path",
    message: ['invalid parameter ":1st"'],
    fix: ['":_1st"'],
  },
  {
    name: "repeated route parameter",
    change: (m) => (m.routes[0].path = "/api/plugins/ticket-counter/q/:id/x/:id"),
    path: "routes[0].path",
    message: ['parameter ":id" twice'],
    fix: ["own name"],
  },
  { name: "route without handler", change: (m) => delete m.routes[0].handler, path: "routes[0].handler", message: ['missing required field "handler"', "exported function"], fix: ['add "handler"'] },
  { name: "handler with a dash", change: (m) => (m.routes[0].handler = "get-counts"), path: "routes[0].handler", message: ['handler "get-counts"', 'contains "-"'], fix: ['"get_counts"'] },
  { name: "handler with gk_ prefix", change: (m) => (m.routes[0].handler = "gk_counts"), path: "routes[0].handler", message: ['"gk_counts"', "reserved for the ABI"], fix: ['"counts"'] },
  { name: "handler named like a reserved export", change: (m) => (m.widgets[0].handler = "_start"), path: "widgets[0].handler", message: ['"_start"', "reserves"], fix: ['"handle_start"'] },
  {
    name: "duplicate route (relative and full path)",
    change: (m) => m.routes.push({ method: "GET", path: "/counts", handler: "other" }),
    path: "routes[1]",
    message: ["GET /api/plugins/ticket-counter/counts", "declared twice", "routes[0]"],
    fix: ["remove one"],
  },
  {
    name: "routes differing only in parameter names",
    change: (m) => m.routes.push({ method: "GET", path: "/api/plugins/ticket-counter/t/:id", handler: "a" }, { method: "GET", path: "/t/:ticket", handler: "b" }),
    path: "routes[2]",
    message: ["matches the same requests as routes[1]"],
    fix: ["change its method or path"],
  },
  {
    name: "misspelt route field",
    change: (m) => {
      m.routes[0].handlr = m.routes[0].handler;
      delete m.routes[0].handler;
    },
    path: "routes[0].handlr",
    message: ['unknown field "handlr" in routes[0]'],
    fix: ['did you mean "handler"'],
  },
  { name: "unknown middleware", change: (m) => (m.routes[0].middleware = ["oauth"]), path: "routes[0].middleware[0]", message: ['"oauth"', '"auth"', '"admin"'], fix: ['did you mean "auth"'] },
  { name: "unknown widget location", change: (m) => (m.widgets[0].location = "agent-home"), path: "widgets[0].location", message: ['location "agent-home"'], fix: ['did you mean "agent_home"'] },
  { name: "unknown widget size", change: (m) => (m.widgets[0].size = "tiny"), path: "widgets[0].size", message: ['size "tiny"'], fix: ['"small"', '"full"'] },
  { name: "widget id not kebab-case", change: (m) => (m.widgets[0].id = "TicketCounts"), path: "widgets[0].id", message: ['id "TicketCounts" is not kebab-case'], fix: ['"ticket-counts"'] },
  {
    name: "duplicate widget id",
    change: (m) => m.widgets.push({ ...m.widgets[0], handler: "render_other" }),
    path: "widgets[1].id",
    message: ['widget id "ticket-counts" is already used by widgets[0]'],
    fix: ["its own id"],
  },
  { name: "cron value out of range", change: (m) => (m.jobs[0].schedule = "61 * * * *"), path: "jobs[0].schedule", message: ['schedule "61 * * * *"', "Invalid value for minute: 61"], fix: ["minute hour"] },
  { name: "cron with 4 fields", change: (m) => (m.jobs[0].schedule = "*/5 * * *"), path: "jobs[0].schedule", message: ["has 4 fields", "5"], fix: ['"*/5 * * * *"'] },
  { name: "cron nickname", change: (m) => (m.jobs[0].schedule = "@hourly"), path: "jobs[0].schedule", message: ['"@hourly" is a nickname'], fix: ['"0 * * * *"'] },
  { name: "too many retries", change: (m) => (m.jobs[0].retries = 11), path: "jobs[0].retries", message: ["retries is 11", "between 0 and 10"], fix: ["between 0 and 10"] },
  { name: "duplicate job id", change: (m) => m.jobs.push({ ...m.jobs[0] }), path: "jobs[1].id", message: ['job id "refresh-cache" is already used by jobs[0]'], fix: ["its own id"] },
  {
    name: "unknown capability db:delete",
    change: (m) => m.permissions.push("db:delete"),
    path: "permissions[3]",
    message: ['permission "db:delete" is not a capability'],
    fix: ["did you mean", "db:read, db:write, db:write:<table>, cache:read, cache:write, http:external, email:send, jobs:schedule"],
  },
  { name: "unknown capability cache:rw", change: (m) => (m.permissions[1] = "cache:rw"), path: "permissions[1]", message: ['"cache:rw" is not a capability'], fix: ['did you mean "cache:read"'] },
  { name: "table grant with bad table", change: (m) => m.permissions.push("db:write:Tickets"), path: "permissions[3]", message: ['"db:write:Tickets" does not name a valid table'], fix: ['"db:write:tickets"'] },
  {
    name: "table grant on a tutorial view",
    change: (m) => m.permissions.push("db:write:tickets"),
    path: "permissions[3]",
    message: ['"db:write:tickets" names "tickets", the tutorial\'s read-only view of GoatFlow\'s table "ticket"'],
    fix: ['"db:write:ticket"', "docs/demo-schema.md"],
  },
  { name: "permission of no known form", change: (m) => m.permissions.push("admin"), path: "permissions[3]", message: ['"admin" is neither a capability nor a plugin permission'], fix: ['"ticket_counter.admin"'] },
  {
    name: "URL in allowed_hosts",
    change: (m) => {
      m.permissions.push("http:external");
      m.http = { allowed_hosts: ["https://api.x.com/"] };
    },
    path: "http.allowed_hosts[0]",
    message: ['"https://api.x.com/" is a URL, not a host'],
    fix: ["write the host only: api.x.com"],
  },
  { name: "hook of the wrong type", change: (m) => (m.hooks = [42]), path: "hooks[0]", message: ["the number 42", "event name"], fix: ["an event name", "object"] },
  { name: "hook without event or type", change: (m) => (m.hooks = [{ source: "users", handler: "on_users" }]), path: "hooks[0]", message: ['neither "event" nor "type"'], fix: ['add "event"'] },
  { name: "event that cannot be a handler", change: (m) => (m.hooks = ["ticket.created"]), path: "hooks[0]", message: ['hook "ticket.created"', "not a valid export name"], fix: ['"handler": "on_ticket_created"'] },
  { name: "build without output", change: (m) => (m.build = { command: "tinygo" }), path: "build.output", message: ['build is missing required field "output"'], fix: ['add "output": "plugin.wasm"'] },
  { name: "empty build command", change: (m) => (m.build = { command: "", output: "plugin.wasm" }), path: "build.command", message: ["command must not be empty"], fix: ['"tinygo"'] },
  { name: "wasm outside the plugin", change: (m) => (m.wasm = "../other/plugin.wasm"), path: "wasm", message: ["leaves the plugin folder"], fix: ["relative to the manifest"] },
  { name: "type and runtime disagree", change: (m) => Object.assign(m, { runtime: "wasm", type: "grpc" }), path: "type", message: ['type "grpc" and runtime "wasm" disagree'], fix: ['remove "type"'] },
  { name: "grpc runtime without grpc section", change: (m) => (m.runtime = "grpc"), path: "grpc", message: ['runtime is "grpc" but there is no grpc section'], fix: ['"binary"'] },
  {
    name: "config default of the wrong type",
    change: (m) => (m.config = { refresh_seconds: { type: "integer", default: "60" } }),
    path: "config.refresh_seconds.default",
    message: ['default "60" of config "refresh_seconds" is not of type integer'],
    fix: ["an integer value"],
  },
  { name: "config key with spaces", change: (m) => (m.config = { "API Key": { type: "string", secret: true } }), path: 'config["API Key"]', message: ['config key "API Key"'], fix: ['"api_key"'] },
  { name: "memory limit too high", change: (m) => (m.limits = { memory_mb: 8192 }), path: "limits.memory_mb", message: ["memory_mb is 8192", "between 1 and 4096"], fix: ["between 1 and 4096"] },
  {
    name: "migration creates an unprefixed table",
    change: (m) => (m.migrations = [{ id: "001_create_counts", up: "CREATE TABLE counts (state TEXT, n INTEGER)" }]),
    path: "migrations[0].up",
    message: ['creates table "counts"', 'prefix "ticket_counter_"'],
    fix: ['name it "ticket_counter_counts"'],
  },
  {
    name: "migration alters a core table",
    change: (m) => (m.migrations = [{ id: "001_x", up: { default: "ALTER TABLE tickets ADD COLUMN n INT" } }]),
    path: "migrations[0].up.default",
    message: ['changes table "tickets"', "not one of the plugin's tables"],
    fix: ["own tables"],
  },
  {
    name: "migrations out of order",
    change: (m) => (m.migrations = [{ id: "002_b", up: "CREATE TABLE ticket_counter_b (x INT)" }, { id: "001_a", up: "CREATE TABLE ticket_counter_a (x INT)" }]),
    path: "migrations[1].id",
    message: ['"001_a" comes after "002_b"'],
    fix: ["ascending id order"],
  },
  {
    name: "duplicate migration id",
    change: (m) => (m.migrations = [{ id: "001_a", up: "SELECT 1" }, { id: "001_a", up: "SELECT 2" }]),
    path: "migrations[1].id",
    message: ['migration id "001_a" is already used by migrations[0]'],
    fix: ["own id"],
  },
  { name: "migration id without number", change: (m) => (m.migrations = [{ id: "create_articles", up: "SELECT 1" }]), path: "migrations[0].id", message: ['id "create_articles"'], fix: ['"001_create_articles"'] },
  {
    name: "duplicate function",
    change: (m) => (m.functions = [{ name: "count_open" }, { name: "count_open", returns: "json" }]),
    path: "functions[1].name",
    message: ['function "count_open" is already declared by functions[0]'],
    fix: ["rename"],
  },
  {
    name: "unknown function argument type",
    change: (m) => (m.functions = [{ name: "count_open", args: [{ name: "queue", type: "str" }] }]),
    path: "functions[0].args[0].type",
    message: ['type "str" is not one of "string", "integer", "number", "boolean" or "json"'],
    fix: ['"string"'],
  },
  { name: "unknown function result type", change: (m) => (m.functions = [{ name: "count_open", returns: "htm" }]), path: "functions[0].returns", message: ['returns "htm" is not one of'], fix: ['did you mean "html"?'] },
  { name: "menu path without /", change: (m) => (m.menu_items = [{ label: "Counts", path: "admin/counts" }]), path: "menu_items[0].path", message: ['path "admin/counts" must start with "/"'], fix: ['"/admin/counts"'] },
  { name: "menu path to another site", change: (m) => (m.menu_items = [{ label: "Counts", path: "//evil.example/login" }]), path: "menu_items[0].path", message: ['path "//evil.example/login" is not a page of this host'], fix: ['"/evil.example/login"'] },
  { name: "menu path to another site, behind a tab", change: (m) => (m.menu_items = [{ label: "Counts", path: "/\t/example.invalid/phish" }]), path: "menu_items[0].path", message: ['path "/\\t/example.invalid/phish" has control characters', 'browsers drop tabs and line breaks from addresses, so it opens "//example.invalid/phish", another site'], fix: ['"/example.invalid/phish"'] },
  { name: "menu path with a line break", change: (m) => (m.menu_items = [{ label: "Counts", path: "/admin\n/counts" }]), path: "menu_items[0].path", message: ['path "/admin\\n/counts" has control characters'], fix: ['"/admin/counts"'] },
  { name: "menu path with another control character", change: (m) => (m.menu_items = [{ label: "Counts", path: "/admin/\u0000counts" }]), path: "menu_items[0].path", message: ["has control characters"], fix: ['"/admin/counts"'] },
  { name: "menu path to another site, by backslash", change: (m) => (m.menu_items = [{ label: "Counts", path: "/\\evil.example" }]), path: "menu_items[0].path", message: ["is not a page of this host"], fix: ['"/evil.example"'] },
];

describe("malformed manifests", () => {
  it.each(cases)("$name → $path", ({ change, path, message, fix }) => {
    const manifest = base();
    change(manifest);
    const errors = errorsOf(manifest);
    const issue = errors.find((e) => e.path === path);
    expect(issue, `no error at ${path}; got:\n${formatIssues(errors)}`).toBeDefined();
    for (const text of message) expect(issue!.message).toContain(text);
    for (const text of fix) expect(issue!.fix).toContain(text);
    expect(issue!.severity).toBe("error");
  });

  it("never passes raw Ajv wording through", () => {
    for (const { change } of cases) {
      const manifest = base();
      change(manifest);
      for (const issue of errorsOf(manifest)) {
        expect(issue.message).not.toMatch(/must NOT|must match pattern|must be equal to one of|must match a schema/);
        expect(issue.fix.length).toBeGreaterThan(5);
      }
    }
  });

  it("reports every mistake at once", () => {
    const manifest = base();
    manifest.version = "v1";
    manifest.routes[0].method = "post";
    manifest.routes.push({ method: "GET", path: "/api/plugins/ticket-counter/x", handler: "gk_x" });
    manifest.widgets[0].size = "huge";
    manifest.jobs[0].schedule = "every 5 minutes";
    manifest.permissions.push("db:delete");
    manifest.permisions = [];
    const result = validateManifest(manifest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(["version", "routes[0].method", "routes[1].handler", "widgets[0].size", "jobs[0].schedule", "permissions[3]", "permisions"]);
  });

  it("rejects a document that is not an object", () => {
    for (const input of [null, [], "name: x", 3]) {
      const errors = errorsOf(input);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.path).toBe("");
      expect(errors[0]!.message).toContain("must be an object");
    }
  });
});

describe("warnings", () => {
  it("says where a relative route is mounted", () => {
    const manifest = base();
    manifest.routes[0].path = "/counts/:state";
    const result = validateManifest(manifest);
    expect(result.ok).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ path: "routes[0].path", severity: "warning" });
    expect(result.warnings[0]!.message).toContain("will be served at /api/plugins/ticket-counter/counts/:state");
    expect(routeMountPath("ticket-counter", "/counts/:state")).toBe("/api/plugins/ticket-counter/counts/:state");
  });

  it("flags a plugin permission without the plugin prefix", () => {
    const manifest = { ...base(), permissions: ["db:read", "ticket_counter.view", "reports.view"] };
    const result = validateManifest(manifest);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([expect.objectContaining({ path: "permissions[2]", severity: "warning", fix: 'rename it "ticket_counter.view"' })]);
  });

  it("accepts db:write:<table> and own-prefixed migrations", () => {
    const manifest = {
      ...base(),
      name: "faq",
      routes: [],
      permissions: ["db:read", "db:write", "db:write:ticket"],
      migrations: [
        {
          id: "001_create_articles",
          up: {
            default: "CREATE TABLE faq_articles (id INTEGER PRIMARY KEY, title TEXT DEFAULT 'DROP TABLE tickets;'); CREATE INDEX faq_articles_title ON faq_articles (title)",
            postgres: "CREATE TABLE IF NOT EXISTS faq_articles (id SERIAL PRIMARY KEY, title TEXT); -- ALTER TABLE tickets\nCREATE INDEX faq_articles_title ON faq_articles (title)",
          },
          down: "DROP TABLE faq_articles",
        },
        { id: "002_seed", up: "INSERT INTO faq_articles (title) VALUES ('Welcome')" },
      ],
    };
    const result = validateManifest(manifest);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(tablePrefix("ticket-counter")).toBe("ticket_counter_");
  });
});

describe("formatting", () => {
  it("formats one issue per line as <file>: <path>: <message>. Fix: <fix>", () => {
    const issues: ManifestIssue[] = [
      { path: "routes[2].handler", message: "handler is missing", fix: 'add "handler"', severity: "error" },
      { path: "", message: "not an object.", fix: "write an object.", severity: "error" },
    ];
    expect(formatIssues(issues, "plugins/x/manifest.json")).toBe(
      'plugins/x/manifest.json: routes[2].handler: handler is missing. Fix: add "handler"\nplugins/x/manifest.json: not an object. Fix: write an object',
    );
    expect(formatIssues(issues.slice(0, 1))).toBe('routes[2].handler: handler is missing. Fix: add "handler"');
  });

  it("throws a ManifestError that lists every issue", () => {
    const manifest = base();
    manifest.routes[0].method = "get";
    manifest.jobs[0].schedule = "* * *";
    let thrown: unknown;
    try {
      parseManifest(JSON.stringify(manifest), "json", "manifest.json");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ManifestError);
    const error = thrown as ManifestError;
    expect(error.code).toBe("E_MANIFEST_INVALID");
    expect(error.issues).toHaveLength(2);
    expect(error.message.split("\n")).toEqual([
      'manifest.json: routes[0].method: method "get" must be upper case. Fix: use upper case: "GET"',
      expect.stringMatching(/^manifest\.json: jobs\[0\]\.schedule: schedule "\* \* \*" has 3 fields.*\. Fix: write 5 fields/),
    ]);
  });
});

describe("helpers", () => {
  it("resolves hook handlers and lists every handler reference", () => {
    expect(resolveHook("after_save")).toMatchObject({ key: "after_save", handler: "after_save" });
    expect(resolveHook({ type: "database", source: "users", action: "insert" })).toMatchObject({ key: "database:users:insert", handler: "database_users_insert" });
    expect(resolveHook({ event: "before_render", handler: "render_hook" })).toMatchObject({ key: "before_render", handler: "render_hook" });
    const refs = manifestHandlers({ ...base(), functions: [{ name: "calc" }], hooks: ["after_save"] } as never);
    expect(refs).toEqual([
      { handler: "get_counts", path: "routes[0].handler" },
      { handler: "render_widget", path: "widgets[0].handler" },
      { handler: "refresh_cache", path: "jobs[0].handler" },
      { handler: "calc", path: "functions[0].name" },
      { handler: "after_save", path: "hooks[0]" },
    ]);
  });
});
