import { readdir, readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, createHost, ERROR_STATUS, GoatKitError, PluginCallError, startServer, statusOf } from "../src/index.js";

const DOCS = new URL("../../../docs/errors.md", import.meta.url);
const SRC = new URL("../src/", import.meta.url);

// The one table of codes and statuses (errors.ts) and its documentation (docs/errors.md).
describe("the error table", () => {
  it("docs/errors.md lists every code with the status ERROR_STATUS gives it, and no other", async () => {
    const text = await readFile(DOCS, "utf8");
    const rows = [...text.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(new Map(rows).size).toBe(rows.length);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });

  it("gives one status per code, 500 for a code it does not know", () => {
    expect(statusOf("E_PLUGIN_DISABLED")).toBe(503);
    expect(statusOf("E_UNKNOWN_PLUGIN")).toBe(404);
    expect(statusOf("PLUGIN_OWN_CODE")).toBe(500);
    expect(statusOf("toString")).toBe(500);
  });

  it("leaves no plain Error thrown in the host's sources", async () => {
    const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(new URL(file, SRC), "utf8");
      text.split("\n").forEach((line, i) => {
        if (line.includes("throw new Error(")) offenders.push(`${file}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe("GoatKitError", () => {
  it("carries code, message, status and fix, and keeps its class's name", () => {
    const error = new PluginCallError("E_TIMEOUT", "the call ran longer than 50 ms", { fix: "raise limits.timeout_ms" });
    expect(error).toBeInstanceOf(GoatKitError);
    expect(error).toMatchObject({ name: "PluginCallError", code: "E_TIMEOUT", status: 504, fix: "raise limits.timeout_ms", message: "the call ran longer than 50 ms" });
    expect(new ConfigError("x")).toMatchObject({ name: "ConfigError", code: "E_CONFIG", fix: null });
  });

  it("is what a bad plugin file fails with: the code, and the fix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "goatkit-errors-"));
    const host = await createHost({ database: { demo: false }, platformState: false });
    try {
      await writeFile(join(dir, "not-wasm.wasm"), "hello");
      const failure = await host.load(join(dir, "not-wasm.wasm")).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(GoatKitError);
      expect(failure).toMatchObject({ code: "E_LOAD", status: 500 });
      expect((failure as Error).message).toContain("not a WebAssembly binary");
      expect((failure as Error).message).toContain("check the path or rebuild the plugin");
    } finally {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is refused with a ConfigError when a server token is too short", async () => {
    const host = await createHost({ database: { demo: false }, platformState: false });
    try {
      const failure = await startServer({ host, port: 0, hostname: "127.0.0.1", tokens: { short: { id: 1, login: "root", email: "r@example.com", role: "admin" } } }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect(failure).toMatchObject({ code: "E_CONFIG", fix: "use a token of at least 8 characters (e.g. crypto.randomUUID())" });
    } finally {
      await host.close();
    }
  });
});

describe("over HTTP", () => {
  it("answers a family error with its code's status and the error envelope", async () => {
    const host = await createHost({ database: { demo: false }, platformState: false });
    const token = "admin-token-errors";
    const server = await startServer({ host, port: 0, hostname: "127.0.0.1", scheduler: false, tokens: { [token]: { id: 1, login: "root", email: "r@example.com", role: "admin" } } });
    try {
      const headers = { authorization: `Bearer ${token}` };
      // No scheduler on this server: a JobError.
      const jobs = await fetch(`${server.url}/api/v1/plugins/none/jobs/x/run`, { method: "POST", headers });
      expect(jobs.status).toBe(404);
      expect(await jobs.json()).toEqual({ error: "this server runs no job scheduler; start it with startServer({ scheduler: {} })", code: "E_NO_SCHEDULER" });
      // An unknown plugin: a PluginManagerError.
      const unknown = await fetch(`${server.url}/api/v1/plugins/none`, { headers });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: "E_UNKNOWN_PLUGIN" });
    } finally {
      await server.close();
      await host.close();
    }
  });
});
