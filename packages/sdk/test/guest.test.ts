/**
 * Unit tests of the TypeScript guest SDK's pure parts (request parsing, results, registration,
 * the dispatch of a call). Host functions are tested end to end through the real host, over
 * the component and Extism bindings (packages/host/test/contract).
 */
import { describe, expect, it } from "vitest";
import { callHandler } from "../src/guest/dispatch.js";
import {
  FieldErrors,
  HostError,
  PermissionDeniedError,
  PluginError,
  Registration,
  Request,
  Response,
  definePlugin,
  escapeHTML,
  html,
  packError,
  packJSON,
  packTemplate,
  packResult,
  respond,
} from "../src/guest/index.js";
import { hostError } from "../src/guest/errors.js";
import { registrationText } from "../src/guest/plugin.js";

const envelope = {
  kind: "job",
  handler: "nightly",
  method: "",
  path: "",
  params: { id: "42" },
  query: { page: "3", big: "9007199254740993", neg: "-7", junk: "3x", n: 5 },
  headers: { "content-type": "application/json" },
  body: '{"a":[1,2]}',
  user: { id: 7, login: "ada", email: "ada@example.com", role: "admin" },
  locale: "de",
  job: { id: "j1", schedule: "0 6 * * *", scheduled_at: "2026-03-10T06:00:00.000Z", attempt: 2, payload: { report: "daily" } },
  hook: null,
  config: { currency: "EUR" },
  future_field: true,
};

describe("Request", () => {
  const req = new Request(JSON.stringify(envelope));

  it("reads every field of the envelope, keeping unknown ones in raw", () => {
    expect(req).toMatchObject({ kind: "job", handler: "nightly", params: { id: "42" }, headers: { "content-type": "application/json" }, locale: "de", config: { currency: "EUR" } });
    expect(req.user).toEqual({ id: 7, login: "ada", email: "ada@example.com", role: "admin" });
    expect(req.job).toEqual({ id: "j1", schedule: "0 6 * * *", scheduledAt: "2026-03-10T06:00:00.000Z", attempt: 2, payload: { report: "daily" } });
    expect(req.hook).toBeNull();
    expect(req.raw.future_field).toBe(true);
  });

  it("query values: strings only; queryInt is strict and safe", () => {
    expect(req.queryParams).toEqual({ page: "3", big: "9007199254740993", neg: "-7", junk: "3x" });
    expect(req.query("page")).toBe("3");
    expect(req.query("missing", "dflt")).toBe("dflt");
    expect(req.queryInt("page", 1)).toBe(3);
    expect(req.queryInt("neg")).toBe(-7);
    expect(req.queryInt("junk", 1)).toBe(1);
    expect(req.queryInt("big", 1)).toBe(1);
    expect(req.queryInt("missing", 9)).toBe(9);
  });

  it("params, headers by any case, and the body as JSON", () => {
    expect(req.param("id")).toBe("42");
    expect(req.header("Content-Type")).toBe("application/json");
    expect(req.header("x-missing", "none")).toBe("none");
    expect(req.json()).toEqual({ a: [1, 2] });
    expect(req.jsonObj()).toEqual({ a: [1, 2] });
    expect(new Request({ body: "[1]" }).jsonObj()).toBeNull();
    expect(new Request({ body: "{oops" }).json()).toBeNull();
  });

  it("an unreadable envelope gives empty fields, never undefined", () => {
    const empty = new Request("not json");
    expect(empty).toMatchObject({ kind: "", method: "", path: "", body: "", params: {}, queryParams: {}, headers: {}, user: null, job: null, hook: null, config: {} });
  });
});

describe("results", () => {
  it("pack helpers produce the envelopes of docs/envelopes.md", () => {
    expect(packResult("plain")).toBe("plain");
    expect(packJSON({ a: 1 })).toBe('{"a":1}');
    expect(packError("not found", 404, "NOT_FOUND")).toBe('{"error":"not found","code":"NOT_FOUND","status":404}');
    expect(packError("broke")).toBe('{"error":"broke","status":500}');
    expect(html("<p>x</p>")).toBe("<p>x</p>");
    expect(JSON.parse(packTemplate("widget.html", { open: 3 }))).toEqual({ gk_template: { name: "widget.html", context: { open: 3 } } });
    expect(JSON.parse(packTemplate("missing.html", {}, 404))).toEqual({ gk_template: { name: "missing.html", context: {}, status: 404 } });
    expect(escapeHTML(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("Response sets status, lower-case headers and the body", () => {
    expect(JSON.parse(new Response(201).header("Location", "/x/1").text("id\n1\n", "text/csv"))).toEqual({
      gk_response: { status: 201, headers: { location: "/x/1", "content-type": "text/csv" }, body: "id\n1\n" },
    });
    expect(JSON.parse(new Response().json([1]))).toEqual({ gk_response: { status: 200, headers: { "content-type": "application/json" }, body: "[1]" } });
    expect(JSON.parse(respond(202, "queued"))).toEqual({ gk_response: { status: 202, body: "queued" } });
    expect(JSON.stringify(new Response(204))).toBe('{"gk_response":{"status":204,"body":""}}');
  });
});

describe("registration", () => {
  it("builds the same document as the AssemblyScript SDK, abi included", () => {
    const reg = new Registration("harness", "1.2.3")
      .description("SDK test harness")
      .permission("db:read")
      .route("GET", "/x/:id", "echo", "echoes")
      .widget("w", "W", "widget", "agent_home", "small")
      .job("j", "*/5 * * * *", "nothing")
      .function("calc", "calculates")
      .function("area")
      .arg("width", "number")
      .arg("label", "string")
      .returns("html")
      .hook("after_save")
      .hook("ticket_created", "on_ticket")
      .menuItem("Harness", "/admin/harness", "star")
      .set("runtime", "wasm");
    expect(JSON.parse(registrationText(definePlugin({ register: reg, handlers: {} })))).toEqual({
      name: "harness",
      version: "1.2.3",
      abi: 1,
      description: "SDK test harness",
      permissions: ["db:read"],
      routes: [{ method: "GET", path: "/x/:id", handler: "echo", description: "echoes" }],
      widgets: [{ id: "w", title: "W", handler: "widget", location: "agent_home", size: "small" }],
      jobs: [{ id: "j", schedule: "*/5 * * * *", handler: "nothing" }],
      functions: [
        { name: "calc", description: "calculates" },
        { name: "area", args: [{ name: "width", type: "number" }, { name: "label", type: "string" }], returns: "html" },
      ],
      hooks: ["after_save", { event: "ticket_created", handler: "on_ticket" }],
      menu_items: [{ label: "Harness", path: "/admin/harness", icon: "star" }],
      runtime: "wasm",
    });
  });

  it("refuses arg() and returns() before any function()", () => {
    expect(() => new Registration("p", "1.0.0").arg("days", "integer")).toThrow('Registration.arg() must follow function(): new Registration(...).function("sla_summary").arg("days", "integer")');
    expect(() => new Registration("p", "1.0.0").returns("json")).toThrow("Registration.returns() must follow function()");
  });

  it("takes a plain document or a function, and adds abi", () => {
    expect(JSON.parse(registrationText(definePlugin({ register: () => ({ name: "p", version: "1.0.0" }), handlers: {} })))).toEqual({ abi: 1, name: "p", version: "1.0.0" });
  });

  it("definePlugin refuses handlers that are not functions", () => {
    expect(() => definePlugin({ register: { name: "p", version: "1" }, handlers: { x: 1 as never } })).toThrow('handler "x" is not a function');
  });
});

describe("a call's outcome", () => {
  const plugin = definePlugin({
    register: { name: "p", version: "1.0.0" },
    handlers: {
      text: () => "hello",
      object: (req) => ({ page: req.queryInt("page", 1) }),
      nothing: () => undefined,
      denied: () => {
        throw new PermissionDeniedError('permission denied: db_exec needs "db:write"; add it to manifest.permissions');
      },
      notFound: () => {
        throw new PluginError("report not found", 404, "NOT_FOUND");
      },
      bug: () => {
        throw new TypeError("x is undefined");
      },
      thrownString: () => {
        throw "oops";
      },
      later: async () => "too late",
    },
  });
  const call = (handler: string, request = "{}") => callHandler(plugin, handler, request);
  const validating = definePlugin({
    register: { name: "p", version: "1.0.0" },
    handlers: {
      create: (req) => {
        const body = req.bodyObject<{ name?: unknown; size?: unknown }>('{"name": "Desk", "size": 3}');
        const errors = new FieldErrors();
        if (typeof body.name !== "string") errors.add("name", "is required");
        if (typeof body.size !== "number") errors.add("size", `must be a number; got ${JSON.stringify(body.size)}`);
        errors.throwIfAny("desk");
        return { created: body.name };
      },
    },
  });
  const create = (body: string) => callHandler(validating, "create", JSON.stringify({ body }));

  it("bodyObject and FieldErrors answer 400 naming what to send and every wrong field", () => {
    expect(create('{"name": "Desk", "size": 3}')).toEqual({ kind: "result", text: '{"created":"Desk"}' });
    expect(create("[1, 2]")).toEqual({ kind: "result", text: packError('the request body must be a JSON object such as {"name": "Desk", "size": 3}', 400, "BAD_REQUEST") });
    expect(create('{"size": "big"}')).toEqual({ kind: "result", text: packError('invalid desk: "name" is required; "size" must be a number; got "big"', 400, "VALIDATION_FAILED") });
    expect(new FieldErrors().empty).toBe(true);
  });

  it("text is sent as it is, other values as JSON, nothing as empty", () => {
    expect(call("text")).toEqual({ kind: "result", text: "hello" });
    expect(call("object", JSON.stringify({ query: { page: "4" } }))).toEqual({ kind: "result", text: '{"page":4}' });
    expect(call("nothing")).toEqual({ kind: "result", text: "" });
  });

  it("a HostError that escapes is the AssemblyScript idiom's error envelope, status 500", () => {
    expect(call("denied")).toEqual({ kind: "result", text: packError('permission denied: db_exec needs "db:write"; add it to manifest.permissions', 500, "E_PERMISSION_DENIED") });
  });

  it("a PluginError is the plugin's own error envelope", () => {
    expect(call("notFound")).toEqual({ kind: "result", text: '{"error":"report not found","code":"NOT_FOUND","status":404}' });
  });

  it("anything else thrown is a bug, described for the host's E_TRAP", () => {
    expect(call("bug")).toEqual({ kind: "uncaught", description: "TypeError: x is undefined" });
    expect(call("thrownString")).toEqual({ kind: "uncaught", description: "a thrown string: oops" });
  });

  it("an async handler is refused with the fix", () => {
    expect(call("later")).toEqual({ kind: "uncaught", description: 'handler "later" returned a Promise; GoatKit handlers are synchronous on WebAssembly (so are host functions): remove async/await, or build for the gRPC runtime' });
  });

  it("an unknown handler, including inherited names, is unknown", () => {
    expect(call("missing")).toEqual({ kind: "unknown-handler" });
    expect(call("toString")).toEqual({ kind: "unknown-handler" });
  });
});

describe("host errors", () => {
  it("map codes to classes and the core ABI's numbers", () => {
    const denied = hostError("E_PERMISSION_DENIED", "no");
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect(denied).toBeInstanceOf(HostError);
    expect([denied.errno, hostError("E_INVALID_ARGUMENT", "").errno, hostError("E_LIMIT_EXCEEDED", "").errno, hostError("E_SERVICE", "").errno]).toEqual([1, 2, 3, 4]);
    const future = hostError("E_RATE_LIMITED", "slow down");
    expect(future.constructor).toBe(HostError);
    expect(future.errno).toBe(-1);
  });
});
