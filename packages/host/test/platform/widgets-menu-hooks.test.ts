import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_TOKEN, copyKitchenSink, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// Widgets rendered as HTML fragments per location, the menu, and hooks a host application fires.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await copyKitchenSink(plugins.dir);
  await writePlugin(
    plugins.dir,
    "dash",
    manifest("dash", {
      permissions: ["dash.view", "dash.secret"],
      widgets: [
        { id: "open-tickets", title: "Open <Tickets>", handler: "w_open", location: "agent_home", size: "medium", refresh_seconds: 30 },
        { id: "broken", title: "Broken", handler: "w_broken", location: "agent_home", size: "large" },
        { id: "admin-only", title: "Admin", handler: "w_admin", location: "admin_home", size: "full" },
        { id: "envelope", title: "Envelope", handler: "echo", location: "ticket_detail", size: "small" },
      ],
      routes: [{ method: "GET", path: "/widgets/:id", handler: "echo" }],
      hooks: ["after_save", "before_render", { event: "ticket.created", handler: "on_ticket" }],
      menu_items: [
        { label: "Dash admin", path: "/admin/dash", icon: "chart-bar", location: "admin" },
        { label: "My tickets", path: "/agent/dash", location: "agent" },
        { label: "Reports", path: "/agent/reports", location: "agent", permission: "dash.view" },
        { label: "Secrets", path: "/agent/secrets", location: "agent", permission: "dash.secret" },
      ],
    }),
    watPlugin("dash", "1.0.0", {
      w_open: { text: '<div class="stat"><div class="stat-title">Open</div><div class="stat-value">42</div></div>' },
      w_broken: { failFirst: 1_000_000, text: "" },
      w_admin: { text: "<p>admins only</p>" },
      echo: { echo: true },
      after_save: { echo: true },
      before_render: { echo: true },
      on_ticket: { echo: true },
    }),
  );
  await writePlugin(plugins.dir, "hooker", manifest("hooker", { hooks: ["after_save"] }), watPlugin("hooker", "1.0.0", { after_save: { text: '{"seen":true}' } }));
  await writePlugin(plugins.dir, "sleepy", manifest("sleepy", { hooks: ["after_save"], widgets: [{ id: "zzz", title: "Zzz", handler: "w", location: "agent_home", size: "small" }] }), watPlugin("sleepy", "1.0.0", { after_save: { text: "{}" }, w: { text: "<p>zzz</p>" } }));
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process", plugins: { sleepy: { enabled: false } } } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

describe("widgets", () => {
  it("renders every enabled plugin's widgets for a location as framed HTML fragments", async () => {
    const res = await platform.fetch("/api/widgets?location=agent_home", { token: AGENT_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    const html = await res.text();
    expect(html.startsWith('<div class="gk-widgets" data-location="agent_home">')).toBe(true);
    expect(html).toContain(
      '<section class="gk-widget gk-widget--medium" data-plugin="dash" data-widget="open-tickets" data-size="medium" data-location="agent_home" data-status="200" data-refresh-seconds="30">' +
        '<header class="gk-widget__header"><h3 class="gk-widget__title">Open &#60;Tickets&#62;</h3><span class="gk-widget__plugin">dash</span></header>' +
        '<div class="gk-widget__body"><div class="stat"><div class="stat-title">Open</div><div class="stat-value">42</div></div></div></section>',
    );
    expect(html).toContain('<div class="kitchen-sink"><p>Hello, agent.smith!</p></div>');
    expect(html).toContain('data-widget="broken" data-size="large" data-location="agent_home" data-status="503"');
    expect(html).toContain('<div class="gk-widget__error" role="alert"><strong>This widget failed</strong> (FLAKY): w_broken failed on purpose</div>');
    expect(html).not.toContain("admins only");
    expect(html).not.toContain("zzz");
    expect([...html.matchAll(/data-widget="([^"]+)"/g)].map((m) => m[1])).toEqual(["open-tickets", "broken", "kitchen-sink"]);
  });

  it("answers JSON when asked", async () => {
    const res = await platform.json<Array<Record<string, unknown>>>("/api/widgets?location=admin_home", { headers: { accept: "application/json" } });
    expect(res.body).toEqual([
      expect.objectContaining({ plugin: "dash", id: "admin-only", title: "Admin", size: "full", location: "admin_home", status: 200, html: "<p>admins only</p>", error: null }),
    ]);
  });

  it("renders one widget, framed or bare, with kind widget and the user in its envelope", async () => {
    const framed = await platform.fetch("/api/plugins/dash/widgets/open-tickets", { token: AGENT_TOKEN });
    expect(framed.status).toBe(200);
    expect(await framed.text()).toMatch(/^<section class="gk-widget gk-widget--medium" data-plugin="dash" data-widget="open-tickets"/);

    const bare = await platform.fetch("/api/plugins/dash/widgets/envelope?bare=1", { token: AGENT_TOKEN, headers: { "accept-language": "de-DE" } });
    expect(bare.status).toBe(200);
    expect(JSON.parse(await bare.text())).toMatchObject({ kind: "widget", handler: "echo", user: { login: "agent.smith" }, locale: "de-DE", query: { bare: "1" } });
  });

  it("leaves paths that are not declared widgets to the plugin's own routes", async () => {
    const res = await platform.json<Record<string, unknown>>("/api/plugins/dash/widgets/not-a-widget");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "route", params: { id: "not-a-widget" } });
  });

  it("refuses unknown locations and anonymous users", async () => {
    const bad = await platform.json("/api/widgets?location=home", { token: AGENT_TOKEN });
    expect(bad).toMatchObject({ status: 400, body: { error: 'unknown widget location "home"; use one of agent_home, admin_home, customer_home, ticket_sidebar, ticket_detail', code: "E_BAD_REQUEST" } });
    expect((await platform.fetch("/api/widgets?location=agent_home", { token: null })).status).toBe(401);
    expect((await platform.fetch("/api/plugins/dash/widgets/open-tickets", { token: null })).status).toBe(401);
  });
});

describe("menu", () => {
  it("lists the menu items a user may see", async () => {
    const agent = await platform.json<Array<{ plugin: string; label: string }>>("/api/menu", { token: AGENT_TOKEN });
    expect(agent.status).toBe(200);
    expect(agent.body).toEqual([
      { plugin: "dash", label: "My tickets", path: "/agent/dash", location: "agent" },
      { plugin: "dash", label: "Reports", path: "/agent/reports", location: "agent", permission: "dash.view" },
    ]);
    const admin = await platform.json<Array<{ label: string }>>("/api/menu");
    expect(admin.body.map((i) => i.label)).toEqual(["Dash admin", "My tickets", "Reports", "Secrets"]);
    const adminMenu = await platform.json<Array<{ label: string; icon: string }>>("/api/menu?location=admin");
    expect(adminMenu.body).toEqual([{ plugin: "dash", label: "Dash admin", path: "/admin/dash", icon: "chart-bar", location: "admin" }]);
    expect((await platform.json("/api/menu?location=nav")).status).toBe(400);
  });
});

describe("hooks", () => {
  it("fireHook calls every enabled plugin's handler for the event, with kind hook and the data", async () => {
    const results = await platform.server.manager.fireHook("after_save", { ticket: 42 });
    expect(results.map((r) => [r.plugin, r.handler, r.response.status])).toEqual([
      ["dash", "after_save", 200],
      ["hooker", "after_save", 200],
    ]);
    expect(JSON.parse(String(results[0]!.response.body))).toMatchObject({ kind: "hook", handler: "after_save", hook: { event: "after_save", data: { ticket: 42 } } });

    const render = await platform.server.manager.fireHook("before_render", { template: "ticket/zoom" });
    expect(render.map((r) => r.plugin)).toEqual(["dash"]);
    const created = await platform.server.manager.fireHook("ticket.created", { id: 9 });
    expect(created.map((r) => r.handler)).toEqual(["on_ticket"]);
    expect(await platform.server.manager.fireHook("nobody_listens")).toEqual([]);
  });

  it("fires a hook over the admin API", async () => {
    const res = await platform.json<Array<{ plugin: string; status: number; body: unknown }>>("/api/v1/hooks/after_save", { method: "POST", body: JSON.stringify({ ticket: 7 }) });
    expect(res.status).toBe(200);
    expect(res.body.map((r) => r.plugin)).toEqual(["dash", "hooker"]);
    expect(res.body[0]!.body).toMatchObject({ kind: "hook", hook: { event: "after_save", data: { ticket: 7 } } });
    expect(res.body[1]).toEqual({ plugin: "hooker", handler: "after_save", status: 200, body: { seen: true }, error: null });
    expect((await platform.json("/api/v1/hooks/after_save", { method: "POST", body: "{not json" })).status).toBe(400);
    expect((await platform.fetch("/api/v1/hooks/after_save", { method: "POST", token: AGENT_TOKEN })).status).toBe(403);
  });
});
