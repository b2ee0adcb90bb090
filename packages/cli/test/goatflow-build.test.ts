import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createHost, type Host } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUntil } from "./support.js";

// `gk plugin init --lang as` as an author types it, then `gk plugin build --target goatflow`
// with the project's own asc: the module has GoatFlow's ABI and the host serves it through its
// goatflow binding. The @goatkit packages come from the tarballs `--deps local` packs into vendor/.
const exec = promisify(execFile);
const repo = new URL("../../../", import.meta.url).pathname;
const gk = join(repo, "packages/cli/dist/cli.js");

async function run(cmd: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("gk plugin build --target goatflow on the AssemblyScript scaffold", () => {
  let work: string;
  let project: string;
  let host: Host | null = null;
  const name = "gf-notes";

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-goatflow-"));
    const init = await run("node", [gk, "plugin", "init", name, "--lang", "as", "--deps", "local"], work);
    expect(init.code, init.stderr).toBe(0);
    project = join(work, name);
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], project);
    expect(install.code, install.stderr).toBe(0);
  }, 600_000);
  afterAll(async () => {
    await host?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("builds build/goatflow/<name>.wasm with GoatFlow's exports and only gk and WASI imports, naming what GoatFlow answers differently", async () => {
    const build = await run("node", [gk, "plugin", "build", "--target", "goatflow"], project);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(new RegExp(`build/goatflow/${name}\\.wasm: goatflow module, [\\d.]+ KiB, imports gk\\.log, gk\\.host_call`));
    // packError answers a status, which GoatFlow cannot send: said with the lines that do it.
    expect(build.stdout).toMatch(/warning: assembly\/index\.ts:[\d,]+: packError: answers an error status; GoatFlow answers 200/);
    expect(build.stdout).toContain("warning: migrations: migrations: GoatFlow does not run a plugin's migrations");

    const module = await WebAssembly.compile(await readFile(join(project, `build/goatflow/${name}.wasm`)));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.every((i) => i.startsWith("gk.") || i.startsWith("wasi_snapshot_preview1."))).toBe(true);
    expect(imports).toContain("gk.host_call");
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["gk_call", "gk_free", "gk_malloc", "gk_register", "memory"]);
    // The GoatFlow build writes only its own folder.
    expect(await readFile(join(project, "build/plugin.wasm")).catch(() => null)).toBeNull();

    const inspect = await run("node", [gk, "plugin", "inspect", `build/goatflow/${name}.wasm`, "--json"], project);
    expect(JSON.parse(inspect.stdout).binding).toBe("goatflow");
  }, 300_000);

  it("passes gk plugin check --target goatflow: GoatFlow's runtime loads it, every route answers JSON, the widget html", async () => {
    // The GoatFlow test runtime of @goatkit/sdk, as GoatFlow runs it: no host_call is granted.
    const check = await run("node", [gk, "plugin", "check", "--target", "goatflow", "--json"], project);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const report = JSON.parse(check.stdout) as { ok: boolean; registration: { name: string }; calls: Array<{ kind: string; answer: string | null }> };
    expect(report.ok).toBe(true);
    expect(report.registration.name).toBe(name);
    const routes = report.calls.filter((c) => c.kind === "route");
    expect(routes.length).toBeGreaterThan(0);
    for (const call of routes) expect(() => JSON.parse(call.answer ?? "null")).not.toThrow();
    const widgets = report.calls.filter((c) => c.kind === "widget");
    expect(widgets.length).toBe(1);
    expect(typeof JSON.parse(widgets[0]!.answer!).html).toBe("string");
  }, 120_000);

  it("answers through the host's goatflow binding: its route, widget and registration", async () => {
    // The project's manifest, with the GoatFlow module as its module.
    const manifest = JSON.parse(await readFile(join(project, "manifest.json"), "utf8"));
    const { build: _build, ...rest } = manifest;
    await writeFile(join(project, "build/goatflow/manifest.json"), JSON.stringify({ ...rest, wasm: `${name}.wasm` }));
    host = await createHost({ database: { demo: { anchorDay: "2026-06-30", seed: 7, tickets: 200 } } });
    const plugin = await host.load(join(project, "build/goatflow"));
    expect(plugin.binding).toBe("goatflow");
    expect(plugin.manifest.widgets.map((w) => [w.id, w.location])).toEqual(manifest.widgets.map((w: { id: string }) => [w.id, "agent_home"]));

    const counts = await host.call(name, "get_counts", { kind: "route", method: "GET", path: `/api/plugins/${name}/counts`, user: { id: 5, login: "emma", email: "emma@example.com", role: "agent" } });
    expect(counts.status, String(counts.body)).toBe(200);
    const rows = JSON.parse(String(counts.body)) as Array<{ state: string; count: number }>;
    const expected = await host.services.db.query("SELECT ts.name AS state, COUNT(*) AS count FROM ticket t JOIN ticket_state ts ON t.ticket_state_id = ts.id GROUP BY ts.name", []);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(200);
    expect(Object.fromEntries(rows.map((r) => [r.state, r.count]))).toEqual(Object.fromEntries(expected.map((r) => [r.state, r.count])));

    const widget = await host.call(name, "render_widget", { kind: "widget" });
    expect(widget.status).toBe(200);
    expect(String(widget.body)).toMatch(/^<ul class="ticket-counts">(<li>[a-z ]+: \d+<\/li>)+<\/ul>$/);

    // An empty note is the plugin's own 400 on our ABI; on GoatFlow's, a 200 whose body says so.
    const empty = await host.call(name, "add_note", { kind: "route", method: "POST", path: `/api/plugins/${name}/notes`, body: "" });
    expect(empty.status).toBe(200);
    expect(JSON.parse(String(empty.body))).toEqual({ error: "send the note as the request body", code: "EMPTY_NOTE", status: 400 });
  }, 120_000);

  it("is served over HTTP by gk start: the route as JSON, the widget as HTML", async () => {
    // The folder of the previous case: the GoatFlow module with the project's manifest beside it.
    const token = "goatflow-test-token";
    const started = await startUntil([join(project, "build/goatflow"), "--token", token], /Press Ctrl-C|gk: /);
    try {
      expect(started.url, started.out).not.toBeNull();
      const headers = { authorization: `Bearer ${token}` };
      const counts = await fetch(`${started.url}/api/plugins/${name}/counts`, { headers });
      expect(counts.status).toBe(200);
      expect(counts.headers.get("content-type")).toContain("application/json");
      const rows = (await counts.json()) as Array<{ state: string; count: number }>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => typeof r.state === "string" && Number.isInteger(r.count))).toBe(true);
      const manifest = JSON.parse(await readFile(join(project, "manifest.json"), "utf8"));
      const widget = await fetch(`${started.url}/api/plugins/${name}/widgets/${manifest.widgets[0].id}`, { headers });
      expect(widget.status).toBe(200);
      // The host's widget frame around the plugin's HTML, unwrapped from GoatFlow's {"html"}.
      expect(await widget.text()).toMatch(/<ul class="ticket-counts">(<li>[a-z ]+: \d+<\/li>)+<\/ul>/);
    } finally {
      started.stop();
    }
  }, 120_000);

  it("refuses a template answer at build time, naming the feature and the line", async () => {
    const source = join(project, "assembly/index.ts");
    const original = await readFile(source, "utf8");
    try {
      await writeFile(source, `${original}\nimport { packTemplate } from "@goatkit/sdk/assembly";\nexport function page(reqPtr: u32, reqLen: u32): u64 {\n  return packTemplate("page.html");\n}\n`);
      const build = await run("node", [gk, "plugin", "build", "--target", "goatflow"], project);
      expect(build.code).toBe(1);
      const line = original.split("\n").length + 3;
      expect(build.stderr).toContain(`gk: assembly/index.ts:${line}: packTemplate answers with a template (gk_template), which GoatFlow cannot render; render the HTML in the handler with html(...)`);
    } finally {
      await writeFile(source, original);
    }
  }, 120_000);
});
