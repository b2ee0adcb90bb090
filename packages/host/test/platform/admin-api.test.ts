import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/index.js";
import { AGENT_TOKEN, copyKitchenSink, pluginsDir, readEvents, startPlatform, type Platform } from "./support/platform.js";

// The admin API's logs, live streams and the dashboard page itself.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await copyKitchenSink(plugins.dir);
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

describe("logs", () => {
  it("lists a plugin's log lines, filtered by level, lifecycle lines included", async () => {
    expect((await platform.fetch("/api/plugins/kitchen-sink/log", { method: "POST" })).status).toBe(200);
    const all = await platform.json<LogEntry[]>("/api/v1/plugins/kitchen-sink/logs");
    expect(all.status).toBe(200);
    expect(all.body.map((l) => [l.level, l.message])).toEqual([
      ["info", "discovered version 1.0.0 in " + plugins.dir + "/kitchen-sink"],
      ["info", expect.stringMatching(/^loaded version 1\.0\.0 in \d+ ms$/)],
      ["debug", "kitchen-sink debug"],
      ["info", "kitchen-sink info"],
      ["warn", "kitchen-sink warn"],
      ["error", "kitchen-sink error"],
    ]);
    expect(all.body[2]).toMatchObject({ plugin: "kitchen-sink", time: "2026-03-10T12:00:00.000Z", fields: { handler: "log", path: "/api/plugins/kitchen-sink/log" } });
    const warn = await platform.json<LogEntry[]>("/api/v1/plugins/kitchen-sink/logs?level=warn");
    expect(warn.body.map((l) => l.level)).toEqual(["warn", "error"]);
    const limited = await platform.json<LogEntry[]>("/api/v1/logs?plugin=kitchen-sink&limit=1");
    expect(limited.body.map((l) => l.message)).toEqual(["kitchen-sink error"]);
    const bad = await platform.json("/api/v1/logs?level=loud");
    expect(bad).toMatchObject({ status: 400, body: { error: 'unknown log level "loud"; use one of debug, info, warn, error' } });
  });

  it("streams new log lines live over Server-Sent Events", async () => {
    const res = await platform.fetch("/api/v1/logs/stream?plugin=kitchen-sink&level=info&tail=0");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    let fired = false;
    const events = await readEvents(res, (got) => {
      if (!fired && got.some((e) => e.event === "ready")) {
        fired = true;
        void platform.fetch("/api/plugins/kitchen-sink/log", { method: "POST" });
      }
      return got.filter((e) => e.event === "log").length >= 3;
    });
    expect(events[0]).toEqual({ event: "ready", data: { backlog: 0 } });
    expect(events.filter((e) => e.event === "log").map((e) => (e.data as LogEntry).message)).toEqual(["kitchen-sink info", "kitchen-sink warn", "kitchen-sink error"]);
  });

  it("starts a stream with the recent backlog", async () => {
    const res = await platform.fetch("/api/v1/logs/stream?plugin=kitchen-sink&level=error&tail=2");
    const events = await readEvents(res, (got) => got.some((e) => e.event === "ready"));
    expect(events.map((e) => e.event)).toEqual(["log", "log", "ready"]);
    expect(events.slice(0, 2).map((e) => (e.data as LogEntry).level)).toEqual(["error", "error"]);
  });
});

describe("live events", () => {
  it("streams plugin lifecycle events and job runs", async () => {
    const res = await platform.fetch("/api/v1/events");
    let fired = false;
    const events = await readEvents(res, (got) => {
      if (!fired && got.some((e) => e.event === "ready")) {
        fired = true;
        void (async () => {
          await platform.fetch("/api/v1/plugins/kitchen-sink/disable", { method: "POST" });
          await platform.fetch("/api/v1/plugins/kitchen-sink/enable", { method: "POST" });
          await platform.fetch("/api/v1/plugins/kitchen-sink/jobs/on-job/run", { method: "POST" });
        })();
      }
      return got.filter((e) => e.event === "job").length >= 2;
    });
    const plugin = events.filter((e) => e.event === "plugin").map((e) => (e.data as { type: string }).type);
    expect(plugin.slice(0, 3)).toEqual(["disabled", "unloaded", "enabled"]);
    const jobs = events.filter((e) => e.event === "job").map((e) => e.data as { status: string; job: string; trigger: string });
    expect(jobs.map((j) => [j.job, j.trigger, j.status])).toEqual([
      ["on-job", "manual", "running"],
      ["on-job", "manual", "succeeded"],
    ]);
  });

  it("are for administrators only", async () => {
    expect((await platform.fetch("/api/v1/events", { token: AGENT_TOKEN })).status).toBe(403);
    expect((await platform.fetch("/api/v1/logs/stream", { token: null })).status).toBe(401);
  });
});

describe("the dashboard page", () => {
  it("is served at / and /dashboard under a CSP that runs only this host's script files", async () => {
    for (const path of ["/", "/dashboard"]) {
      const res = await platform.fetch(path, { token: null });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'self'");
      expect(csp.split("; ").find((directive) => directive.startsWith("script-src"))).toBe("script-src 'self'");
      const html = await res.text();
      // No inline script: the one script is a file of this host.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/^<script type="module" src="\/dashboard\/assets\/main-[\w-]+\.js">$/)]);
      expect(html).toMatch(/<link rel="stylesheet" href="\/dashboard\/assets\/main-[\w-]+\.css">/);
      expect(html).toMatch(/<body data-widget-script="\/dashboard\/assets\/widget-size-[\w-]+\.js"/);
      // Nothing is loaded from elsewhere: no external scripts, styles, fonts or images.
      expect(html.match(/\b(?:src|href)="(?:https?:)?\/\/[^"]*"/g)).toBeNull();
      expect(html).not.toMatch(/@import|url\(\s*["']?https?:/);
    }
  });

  it("serves the page's script, styles and the widget frames' script as long-cached files, to anyone", async () => {
    const html = await (await platform.fetch("/", { token: null })).text();
    const files = [...html.matchAll(/(?:src|href|data-widget-script)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(files.map((f) => f.replace(/-[\w-]{8}(\.\w+)$/, "$1"))).toEqual(["/dashboard/assets/main.css", "/dashboard/assets/main.js", "/dashboard/assets/widget-size.js"]);
    for (const file of files) {
      const res = await platform.fetch(file, { token: null });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    expect((await platform.fetch("/dashboard/assets/no-such-file.js", { token: null })).status).toBe(404);
    expect((await platform.fetch("/dashboard/assets/..%2Fmanifest.json", { token: null })).status).toBe(404);
  });

  it("reads who is signed in and the host's health", async () => {
    expect((await platform.json("/api/me", { token: AGENT_TOKEN })).body).toEqual({ id: 7, login: "agent.smith", email: "smith@example.com", role: "agent", permissions: ["dash.view"] });
    expect((await platform.json("/api/health", { token: null })).body).toEqual({ status: "ok", plugins: 1 });
  });
});
