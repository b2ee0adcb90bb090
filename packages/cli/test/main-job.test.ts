import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gk, repo } from "./support.js";

// The README's main job, as `pnpm start` runs it after the build: the host serving the
// reference plugins on the embedded demo help desk. Every GET route and widget must answer.
const rootPackage = JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as { scripts: { start: string } };
const pluginDirs = /cli\.js start (.+)$/.exec(rootPackage.scripts.start)![1]!.split(/\s+/);

// Routes that need a query to mean anything get the one a user would type.
const EXAMPLE_QUERIES: Record<string, string> = { "/api/plugins/faq/search": "?q=password" };

interface Manifest {
  name: string;
  routes?: { method: string; path: string; middleware?: string[] }[];
  widgets?: { id: string }[];
}

describe(`pnpm start (${pluginDirs.join(", ")})`, () => {
  let child: ChildProcess;
  let url = "";
  let output = "";
  const token = "main-job-test-token";

  beforeAll(async () => {
    child = spawn("node", ["--no-warnings", gk, "start", ...pluginDirs, "--port", "0", "--db", ":memory:", "--token", token], { cwd: repo });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const until = Date.now() + 120_000;
    while (!(url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? "")) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`the host did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 150_000);

  let grpcPids: number[] = [];
  afterAll(async () => {
    child?.kill("SIGTERM");
    await new Promise((r) => child?.once("exit", r));
    // Stopping the host stops its gRPC plugin processes.
    for (const pid of grpcPids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it("prints the dashboard URL with a token, and serves the dashboard", async () => {
    expect(output).toContain(`dashboard  ${url}/#token=${token}`);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>");
  });

  it("prints the agent page's URL and serves it, rendered from templates that use the stats and faq plugins", async () => {
    expect(output).toContain(`agent page ${url}/agent#token=${token}`);
    const res = await fetch(`${url}/agent`, { headers: { authorization: `Bearer ${token}` } });
    const html = await res.text();
    expect(res.status, html.slice(0, 500)).toBe(200);
    expect(html).toContain("<title>Agent dashboard · GoatFlow</title>");
    const counts = (await (await fetch(`${url}/api/plugins/stats/counts`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number };
    expect(html).toContain(`<section id="tickets">\n  <h2>Tickets</h2>\n  <p class="figure">${counts.total}</p>`);
    expect(html).toMatch(/<h2>SLA, last 30 days \(\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\)<\/h2>/);
    expect(html).toContain('<section id="top-articles">');
    expect(html).toContain("<h2>Articles about “password”</h2>");
    expect(html).not.toContain('class="gk-call-failed"');
  });

  it("serves the sample process, which a ticket created in the demo help desk starts", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const processes = await (await fetch(`${url}/api/plugins/process/processes`, { headers: auth })).json();
    expect(processes.processes.map((p: { name: string; published_version: { version: number } }) => [p.name, p.published_version.version])).toEqual([["Support escalation", 1]]);
    const created = await fetch(`${url}/api/demo/tickets`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ title: "Printer offline", queue: "Support" }) });
    const saved = await created.json();
    const answer = saved.hooks.find((h: { plugin: string }) => h.plugin === "process");
    expect(JSON.parse(answer.response.body).started).toEqual([expect.objectContaining({ status: "waiting", step: "wait" })]);
  });

  it("lists the gRPC plugin in /api/v1/plugins like the others, with its process once used", async () => {
    const list = async () => (await (await fetch(`${url}/api/v1/plugins`, { headers: { authorization: `Bearer ${token}` } })).json() as { plugins: { name: string; runtime: string; pid: number | null; status: string }[] }).plugins;
    expect((await list()).map((p) => p.name).sort()).toEqual(["analytics", "calendar", "faq", "process", "stats"]);
    const res = await fetch(`${url}/api/plugins/analytics/reports`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const analytics = (await list()).find((p) => p.name === "analytics")!;
    expect(analytics).toMatchObject({ runtime: "grpc", status: "loaded", pid: expect.any(Number) });
    grpcPids = [analytics.pid!];
    expect((await list()).find((p) => p.name === "stats")).toMatchObject({ runtime: "wasm", pid: null });
  });

  for (const dir of pluginDirs) {
    it(`answers every GET route and widget of ${dir}`, async () => {
      const manifest = JSON.parse(await readFile(join(repo, dir, "manifest.json"), "utf8")) as Manifest;
      const failures: string[] = [];
      for (const route of manifest.routes ?? []) {
        if (route.method !== "GET" || route.path.includes(":")) continue;
        const path = route.path.startsWith("/api/") ? route.path : `/api/plugins/${manifest.name}${route.path}`;
        const res = await fetch(`${url}${path}${EXAMPLE_QUERIES[path] ?? ""}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status >= 400) failures.push(`GET ${path} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
      }
      for (const widget of manifest.widgets ?? []) {
        const res = await fetch(`${url}/api/plugins/${manifest.name}/widgets/${widget.id}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        if (res.status !== 200 || body.length === 0) failures.push(`widget ${widget.id} -> ${res.status} ${body.slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
    }, 60_000);
  }
});
