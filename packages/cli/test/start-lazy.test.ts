import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { gk, kitchenSink, waitFor } from "./support.js";

interface Line {
  event: string;
  type?: string;
  plugin?: string;
  url?: string;
  plugins?: Array<{ name: string; status: string }>;
}

/** `gk start --json` with the given arguments; its JSON lines as they come. */
function start(args: string[]): { child: ChildProcessWithoutNullStreams; lines: Line[]; out: () => string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GOATKIT_")));
  const child = spawn("node", ["--no-warnings", gk, "start", "--json", "--port", "0", "--db", ":memory:", "--token", token, ...args], { env: clean });
  const lines: Line[] = [];
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const complete = out.split("\n");
    lines.length = 0;
    for (const text of complete.slice(0, -1)) if (text.startsWith("{")) lines.push(JSON.parse(text) as Line);
  });
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return { child, lines, out: () => out };
}

const token = "lazy-test-token";
const auth = { headers: { authorization: `Bearer ${token}` } };
type Listed = { name: string; status: string; loaded: boolean; loadedAt: string | null; routes: Array<{ mountPath: string }> };

async function listed(url: string): Promise<Listed> {
  const body = (await (await fetch(`${url}/api/v1/plugins`, auth)).json()) as { plugins: Listed[] };
  return body.plugins.find((p) => p.name === "kitchen-sink")!;
}

describe("gk start loads plugins on first use", () => {
  let running: ChildProcessWithoutNullStreams | null = null;
  afterEach(() => {
    running?.kill("SIGTERM");
    running = null;
  });

  it("registers a plugin from its manifest, instantiates it on its first route call, and answers", async () => {
    const started = start([kitchenSink]);
    running = started.child;
    const ready = await waitFor(() => started.lines.find((l) => l.event === "ready"), 60_000).catch(() => {
      throw new Error(`gk start was not ready: ${started.out()}`);
    });
    const url = ready.url!;
    expect(ready.plugins).toEqual([{ name: "kitchen-sink", status: "discovered" }]);

    // Known by its manifest (its routes are listed and mounted), not instantiated.
    const before = await listed(url);
    expect(before).toMatchObject({ status: "discovered", loaded: false, loadedAt: null });
    expect(before.routes.map((r) => r.mountPath)).toContain("/api/plugins/kitchen-sink/echo/:id");
    expect(started.lines.filter((l) => l.event === "plugin" && l.type === "loaded")).toEqual([]);

    const res = await fetch(`${url}/api/plugins/kitchen-sink/echo/7?page=3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ handler: "echo", params: { id: "7" } });

    const after = await listed(url);
    expect(after).toMatchObject({ status: "loaded", loaded: true, loadedAt: expect.any(String) });
    await waitFor(() => started.lines.find((l) => l.event === "plugin" && l.type === "loaded" && l.plugin === "kitchen-sink"), 10_000);
  });

  it("with --eager, loads every plugin before it is ready", async () => {
    const started = start([kitchenSink, "--eager"]);
    running = started.child;
    const ready = await waitFor(() => started.lines.find((l) => l.event === "ready"), 60_000).catch(() => {
      throw new Error(`gk start was not ready: ${started.out()}`);
    });
    expect(ready.plugins).toEqual([{ name: "kitchen-sink", status: "loaded" }]);
    const loadedAt = started.lines.findIndex((l) => l.event === "plugin" && l.type === "loaded");
    expect(loadedAt).toBeGreaterThanOrEqual(0);
    expect(loadedAt).toBeLessThan(started.lines.findIndex((l) => l.event === "ready"));
    expect(await listed(ready.url!)).toMatchObject({ status: "loaded", loaded: true });
  });
});
