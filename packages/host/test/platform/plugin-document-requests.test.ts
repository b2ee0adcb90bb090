import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// A plugin's page runs in an opaque origin, so its script calls the plugin's routes as
// `Origin: null`. With a bearer token it may read the answers; without one (or from any real
// origin) the host adds no CORS headers, and the session cookie never signs such requests in.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await writePlugin(plugins.dir, "pagey", manifest("pagey", { routes: [{ method: "POST", path: "/things", handler: "echo", middleware: ["auth"] }] }), watPlugin("pagey", "1.0.0", { echo: { echo: true } }));
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

describe("requests from plugin documents (Origin: null)", () => {
  it("answers a preflight that will send a bearer token", async () => {
    const res = await platform.fetch("/api/plugins/pagey/things", { method: "OPTIONS", token: null, headers: { origin: "null", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("null");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("lets a bearer-signed request read its answer, and no other", async () => {
    const withToken = await platform.fetch("/api/plugins/pagey/things", { method: "POST", headers: { origin: "null" }, body: "{}" });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("access-control-allow-origin")).toBe("null");
    const anonymous = await platform.fetch("/api/plugins/pagey/things", { method: "POST", token: null, headers: { origin: "null" }, body: "{}" });
    expect(anonymous.headers.get("access-control-allow-origin")).toBeNull();
    const elsewhere = await platform.fetch("/api/plugins/pagey/things", { method: "POST", headers: { origin: "https://elsewhere.example" }, body: "{}" });
    expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();
    const noToken = await platform.fetch("/api/plugins/pagey/things", { method: "OPTIONS", token: null, headers: { origin: "null", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(noToken.headers.get("access-control-allow-origin")).toBeNull();
  });
});
