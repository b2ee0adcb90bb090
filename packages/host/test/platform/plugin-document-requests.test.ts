import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// A plugin's page runs in an opaque origin, so its script calls the plugin's routes as
// `Origin: null`, signed in with a capability the dashboard minted for that plugin. The
// capability opens that plugin's routes and nothing else; only its answers are readable by the
// page, and an API token from a plugin page is refused.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await writePlugin(
    plugins.dir,
    "pagey",
    manifest("pagey", {
      routes: [
        { method: "POST", path: "/things", handler: "echo", middleware: ["auth"] },
        { method: "GET", path: "/admin-only", handler: "echo", middleware: ["admin"] },
      ],
      widgets: [{ id: "w", title: "W", handler: "echo", location: "agent_home", size: "small" }],
    }),
    watPlugin("pagey", "1.0.0", { echo: { echo: true } }),
  );
  await writePlugin(plugins.dir, "other", manifest("other", { routes: [{ method: "GET", path: "/ok", handler: "ok" }] }), watPlugin("other", "1.0.0", { ok: { text: "{}" } }));
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

async function mint(plugin: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: { token: string; plugin: string; scope: string; expiresAt: string; expiresInSeconds: number; code?: string } }> {
  return platform.json("/api/capabilities", { method: "POST", headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) }, body: JSON.stringify({ plugin }), ...(init.token !== undefined ? { token: init.token } : {}) });
}

describe("plugin page capabilities", () => {
  it("are minted for the signed-in user and one installed plugin", async () => {
    const made = await mint("pagey");
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ plugin: "pagey", scope: "/api/plugins/pagey/", expiresInSeconds: 900 });
    expect(made.body.token).toMatch(/^gkcap_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(made.body.expiresAt) - platform.clock.now).toBe(15 * 60 * 1000);
    expect((await mint("nope")).status).toBe(404);
    expect((await mint("pagey", { token: null })).status).toBe(401);
  });

  it("sign in to their plugin's routes as the user who asked", async () => {
    const { token } = (await mint("pagey")).body;
    const res = await platform.json<{ user: { login: string } }>("/api/plugins/pagey/things", { method: "POST", token, body: "{}" });
    expect(res.status).toBe(200);
    expect(res.body.user.login).toBe("root");
    expect((await platform.fetch("/api/plugins/pagey/admin-only", { token })).status).toBe(200);
    expect((await platform.fetch("/api/plugins/pagey/widgets/w?bare=1", { token })).status).toBe(200);
  });

  it.each([
    ["GET", "/api/v1/plugins"],
    ["POST", "/api/v1/plugins/other/disable"],
    ["GET", "/api/v1/events"],
    ["GET", "/api/me"],
    ["GET", "/api/menu"],
    ["GET", "/api/widgets"],
    ["POST", "/api/session"],
    ["GET", "/api/session"],
    ["POST", "/api/capabilities"],
    ["GET", "/api/plugins/other/ok"],
    ["GET", "/api/plugins/pageyx/ok"],
    ["GET", "/api/plugins/pagey"],
    ["GET", "/"],
  ])("are refused on %s %s", async (method, path) => {
    const { token } = (await mint("pagey")).body;
    const res = await platform.json<{ code: string }>(path, { method, token, ...(method === "POST" ? { body: JSON.stringify({ plugin: "other" }), headers: { "content-type": "application/json" } } : {}) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("E_CAPABILITY_SCOPE");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await platform.json<{ enabled: boolean }>("/api/v1/plugins/other")).body.enabled).toBe(true);
  });

  it("expire after 15 minutes", async () => {
    const { token } = (await mint("pagey")).body;
    platform.clock.now += 15 * 60 * 1000 - 1000;
    expect((await platform.fetch("/api/plugins/pagey/things", { method: "POST", token, body: "{}" })).status).toBe(200);
    platform.clock.now += 1000;
    const expired = await platform.json<{ code: string }>("/api/plugins/pagey/things", { method: "POST", token, body: "{}" });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe("E_CAPABILITY_EXPIRED");
    const unknown = await platform.json<{ code: string }>("/api/plugins/pagey/things", { method: "POST", token: "gkcap_never-issued", headers: { origin: "null" }, body: "{}" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe("E_CAPABILITY_EXPIRED");
  });

  it("end with the dashboard session they were minted for", async () => {
    const opened = await platform.fetch("/api/session", { method: "POST" });
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    const { csrf } = (await opened.json()) as { csrf: string };
    const noCsrf = await mint("pagey", { token: null, headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    const made = await mint("pagey", { token: null, headers: { cookie, "x-goatkit-csrf": csrf } });
    expect(made.status).toBe(201);
    const { token } = made.body;
    expect((await platform.fetch("/api/plugins/pagey/things", { method: "POST", token, body: "{}" })).status).toBe(200);
    expect((await platform.fetch("/api/session", { method: "DELETE", token: null, headers: { cookie, "x-goatkit-csrf": csrf } })).status).toBe(204);
    expect((await platform.fetch("/api/plugins/pagey/things", { method: "POST", token, body: "{}" })).status).toBe(401);
  });
});

describe("requests from plugin documents (Origin: null)", () => {
  const preflight = (path: string, headers: string) =>
    platform.fetch(path, { method: "OPTIONS", token: null, headers: { origin: "null", "access-control-request-method": "POST", "access-control-request-headers": headers } });

  it("answers a preflight on an installed plugin's paths that will send a capability", async () => {
    const res = await preflight("/api/plugins/pagey/things", "authorization,content-type");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("null");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect((await preflight("/api/plugins/nope/things", "authorization")).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/plugins/pagey/things", "authorization,x-goatkit-csrf")).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/plugins/pagey/things", "content-type")).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/v1/plugins", "authorization")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets a request signed in by the plugin's capability read its answer, and no other", async () => {
    const { token } = (await mint("pagey")).body;
    const withCapability = await platform.fetch("/api/plugins/pagey/things", { method: "POST", token, headers: { origin: "null" }, body: "{}" });
    expect(withCapability.status).toBe(200);
    expect(withCapability.headers.get("access-control-allow-origin")).toBe("null");
    const anonymous = await platform.fetch("/api/plugins/pagey/things", { method: "POST", token: null, headers: { origin: "null" }, body: "{}" });
    expect(anonymous.headers.get("access-control-allow-origin")).toBeNull();
    const elsewhere = await platform.fetch("/api/plugins/pagey/things", { method: "POST", token, headers: { origin: "https://elsewhere.example" }, body: "{}" });
    expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();
    const otherPlugin = await platform.fetch("/api/plugins/other/ok", { token, headers: { origin: "null" } });
    expect(otherPlugin.status).toBe(403);
    expect(otherPlugin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses an API token from a plugin page", async () => {
    const res = await platform.json<{ code: string }>("/api/plugins/pagey/things", { method: "POST", token: ADMIN_TOKEN, headers: { origin: "null" }, body: "{}" });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("E_CAPABILITY_REQUIRED");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await platform.fetch("/api/v1/plugins", { headers: { origin: "null" } })).status).toBe(403);
  });
});
