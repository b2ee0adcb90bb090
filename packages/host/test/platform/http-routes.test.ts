import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_TOKEN, copyKitchenSink, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// Plugin routes over real HTTP: mounting, matching, middleware, limits and the envelope.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await copyKitchenSink(plugins.dir);
  await writePlugin(
    plugins.dir,
    "reports",
    manifest("reports", {
      routes: [
        { method: "GET", path: "/reports/:id", handler: "echo" },
        { method: "GET", path: "/reports/summary", handler: "summary" },
        { method: "POST", path: "/reports/:id", handler: "echo", middleware: ["auth"] },
        { method: "DELETE", path: "/reports/:id", handler: "echo", middleware: ["auth", "admin"] },
        { method: "GET", path: "/api/plugins/reports/created", handler: "created" },
        { method: "GET", path: "/api/plugins/reports/empty", handler: "empty" },
      ],
    }),
    watPlugin("reports", "1.0.0", {
      echo: { echo: true },
      summary: { text: '{"summary":true}' },
      created: { text: JSON.stringify({ gk_response: { status: 201, headers: { "content-type": "text/csv", "x-report": "yes", connection: "close" }, body: "a,b\n1,2\n" } }) },
      empty: { text: "" },
    }),
  );
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" }, maxBodyBytes: 4096 });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

describe("plugin routes over HTTP", () => {
  it("serves a route at its mount path and passes query, params, headers, body, user and locale in the envelope", async () => {
    const res = await platform.json<Record<string, unknown>>("/api/plugins/kitchen-sink/echo/a%20b?page=3&q=first&q=printer", {
      method: "POST",
      token: AGENT_TOKEN,
      headers: { "content-type": "application/json", "X-Custom": "yes", "accept-language": "de;q=0.9, fr-CH, en;q=0.8" },
      body: '{"x":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-goatkit-plugin")).toBe("kitchen-sink");
    expect(res.body).toMatchObject({
      kind: "route",
      handler: "echo",
      method: "POST",
      path: "/api/plugins/kitchen-sink/echo/a%20b",
      params: { id: "a b" },
      query: { page: "3", q: "printer" },
      body: '{"x":1}',
      user: { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" },
      locale: "fr-CH",
      page: 3,
    });
    expect((res.body.headers as Record<string, string>)["x-custom"]).toBe("yes");
  });

  it("hands the handler the exact envelope: lower-case headers, no credentials, default locale", async () => {
    const res = await platform.json<Record<string, any>>("/api/plugins/reports/reports/7?tab=a", { headers: { "X-Trace": "t1", Cookie: "session=1" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "route", handler: "echo", method: "GET", path: "/api/plugins/reports/reports/7", params: { id: "7" }, query: { tab: "a" }, body: "", locale: "en", job: null, hook: null });
    expect(res.body.user).toMatchObject({ login: "root", role: "admin" });
    expect(res.body.headers["x-trace"]).toBe("t1");
    expect(res.body.headers.authorization).toBeUndefined();
    expect(res.body.headers.cookie).toBeUndefined();
  });

  it("mounts relative paths under /api/plugins/<name> and prefers literal segments to :params", async () => {
    expect((await platform.json("/api/plugins/reports/reports/summary")).body).toEqual({ summary: true });
    expect((await platform.json<Record<string, unknown>>("/api/plugins/reports/reports/other")).body).toMatchObject({ params: { id: "other" } });
  });

  it("passes the plugin's status, headers and body through; drops hop-by-hop headers; 204 for nothing", async () => {
    const created = await platform.fetch("/api/plugins/reports/created");
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toBe("text/csv");
    expect(created.headers.get("x-report")).toBe("yes");
    expect(await created.text()).toBe("a,b\n1,2\n");

    const status = await platform.fetch("/api/plugins/kitchen-sink/status");
    expect(status.status).toBe(201);
    expect(status.headers.get("x-kitchen-sink")).toBe("yes");
    expect(await status.text()).toBe("id,body\n1,hello\n");

    const failed = await platform.json("/api/plugins/kitchen-sink/fail");
    expect(failed).toMatchObject({ status: 422, body: { error: "something broke", code: "BROKEN" } });

    const empty = await platform.fetch("/api/plugins/reports/empty");
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("answers 404 for unknown paths and plugins, naming what exists", async () => {
    const path = await platform.json<{ error: string; code: string }>("/api/plugins/reports/nope");
    expect(path.status).toBe(404);
    expect(path.body.code).toBe("E_NOT_FOUND");
    expect(path.body.error).toContain('plugin "reports" has no route for GET /api/plugins/reports/nope; its routes: GET /api/plugins/reports/reports/:id');

    const plugin = await platform.json<{ error: string }>("/api/plugins/ghost/x");
    expect(plugin.status).toBe(404);
    expect(plugin.body.error).toBe('no plugin named "ghost" serves /api/plugins/ghost/x; installed plugins: kitchen-sink, reports');

    const other = await platform.json<{ code: string }>("/nowhere");
    expect(other).toMatchObject({ status: 404, body: { code: "E_NOT_FOUND" } });
  });

  it("answers 405 with an Allow header for a known path and another method; OPTIONS and HEAD work", async () => {
    const put = await platform.json<{ error: string; code: string }>("/api/plugins/reports/reports/7", { method: "PUT", body: "x" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD, OPTIONS, POST");
    expect(put.body).toEqual({ error: "PUT is not allowed on /api/plugins/reports/reports/7; allowed: DELETE, GET, HEAD, OPTIONS, POST", code: "E_METHOD_NOT_ALLOWED" });

    const options = await platform.fetch("/api/plugins/reports/reports/7", { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("DELETE, GET, HEAD, OPTIONS, POST");

    const head = await platform.fetch("/api/plugins/reports/reports/summary", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
    expect(await head.text()).toBe("");
  });

  it("runs the auth middleware: 401 without or with a wrong token, the route with a user", async () => {
    const anonymous = await platform.json<{ code: string; error: string }>("/api/plugins/reports/reports/7", { method: "POST", token: null, body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(anonymous.body).toEqual({ error: "sign in first: this requires a signed-in user; send Authorization: Bearer <token>", code: "E_UNAUTHORIZED" });

    const wrong = await platform.json<{ code: string }>("/api/plugins/reports/reports/7", { method: "POST", token: "not-a-real-token", body: "{}" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("invalid_token");

    const agent = await platform.json<Record<string, any>>("/api/plugins/reports/reports/7", { method: "POST", token: AGENT_TOKEN, body: '{"a":1}' });
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({ method: "POST", body: '{"a":1}', user: { login: "agent.smith" } });
  });

  it("runs the admin middleware: 403 for an agent, the route for an administrator", async () => {
    const agent = await platform.json<{ code: string; error: string }>("/api/plugins/reports/reports/7", { method: "DELETE", token: AGENT_TOKEN });
    expect(agent.status).toBe(403);
    expect(agent.body).toEqual({ error: 'this requires an administrator; user "agent.smith" has role "agent"', code: "E_FORBIDDEN" });
    const admin = await platform.json<Record<string, unknown>>("/api/plugins/reports/reports/7", { method: "DELETE" });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ method: "DELETE", user: { role: "admin" } });
  });

  it("refuses bodies over the server's limit with 413", async () => {
    const res = await platform.json<{ code: string; error: string }>("/api/plugins/kitchen-sink/echo/1", { method: "POST", body: "x".repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: "the request body is larger than this server's limit of 4096 bytes; send less, or start the server with a larger maxBodyBytes", code: "E_REQUEST_TOO_LARGE" });
    expect((await platform.fetch("/api/plugins/kitchen-sink/echo/1", { method: "POST", body: "x".repeat(4000) })).status).toBe(200);
  });

  it("answers 503 on the routes of a disabled plugin, and serves them again once enabled", async () => {
    expect((await platform.fetch("/api/v1/plugins/reports/disable", { method: "POST" })).status).toBe(200);
    const res = await platform.json<{ code: string; error: string }>("/api/plugins/reports/reports/summary");
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'plugin "reports" is disabled; an administrator can enable it (POST /api/v1/plugins/reports/enable)', code: "E_PLUGIN_DISABLED" });
    expect((await platform.fetch("/api/v1/plugins/reports/enable", { method: "POST" })).status).toBe(200);
    expect((await platform.json("/api/plugins/reports/reports/summary")).body).toEqual({ summary: true });
  });
});
