import { chmod, cp, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Host } from "../../../src/index.js";
import type { TokenUser } from "../../../src/http/auth.js";
import { startServer, type RunningServer, type ServerOptions } from "../../../src/http/server.js";

export const ADMIN_TOKEN = "admin-token-7f3a9c";
export const AGENT_TOKEN = "agent-token-51be20";
export const ADMIN: TokenUser = { id: 1, login: "root", email: "root@example.com", role: "admin" };
export const AGENT: TokenUser = { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent", permissions: ["dash.view"] };
export const TOKENS = { [ADMIN_TOKEN]: ADMIN, [AGENT_TOKEN]: AGENT };

/** The AssemblyScript fixture (built by `pnpm --filter @goatkit/fixture-as-kitchen-sink build`). */
export const KITCHEN_SINK = new URL("../../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;

/** A temporary plugins directory; `remove` deletes it. */
export async function pluginsDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "goatkit-plugins-"));
  // gRPC plugins in it may run as users of their own.
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a plugin folder (manifest.json + plugin.wasm) into a plugins directory. */
export async function writePlugin(dir: string, folder: string, manifest: object, wasm: Uint8Array): Promise<string> {
  const path = join(dir, folder);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, "manifest.json"), JSON.stringify(manifest, null, 2));
  await writeFile(join(path, "plugin.wasm"), wasm);
  return path;
}

/** Replaces a file the way builds do: write a temp file beside it, then rename over it. */
export async function replaceFile(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, bytes);
  await rename(temp, path);
}

/** Copies the kitchen-sink fixture (manifest and built module) into a plugins directory. */
export async function copyKitchenSink(dir: string): Promise<string> {
  const path = join(dir, "kitchen-sink");
  await mkdir(join(path, "build"), { recursive: true });
  await cp(join(KITCHEN_SINK, "manifest.json"), join(path, "manifest.json"));
  await cp(join(KITCHEN_SINK, "build", "plugin.wasm"), join(path, "build", "plugin.wasm"));
  return path;
}

/** A manifest for a generated plugin, with the fields a test needs. */
export function manifest(name: string, fields: Record<string, unknown> = {}, version = "1.0.0"): Record<string, unknown> {
  return { name, version, description: `Test plugin ${name}`, ...fields };
}

export interface Platform {
  host: Host;
  server: RunningServer;
  url: string;
  /** The host clock, in ms; tests move it. */
  clock: { now: number };
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  json<T = unknown>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A host with a controllable clock, served on 127.0.0.1 on a free port, with the admin and
 * agent tokens. Requests go through real HTTP (fetch); `token` defaults to the admin's.
 */
export async function startPlatform(options: Omit<ServerOptions, "host" | "port" | "hostname"> & { hostOptions?: Parameters<typeof createHost>[0] } = {}): Promise<Platform> {
  const clock = { now: Date.parse("2026-03-10T12:00:00Z") };
  const { hostOptions, ...serverOptions } = options;
  const host = await createHost({ now: () => clock.now, database: { demo: { tickets: 50, anchorDay: "2026-03-09" } }, ...hostOptions });
  let server: RunningServer;
  try {
    server = await startServer({ tokens: TOKENS, scheduler: { tickMs: 0 }, ...serverOptions, host, port: 0, hostname: "127.0.0.1" });
  } catch (error) {
    await host.close();
    throw error;
  }
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = ADMIN_TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return fetch(`${server.url}${path}`, { ...rest, headers });
  };
  return {
    host,
    server,
    url: server.url,
    clock,
    fetch: call,
    async json<T>(path: string, init?: RequestInit & { token?: string | null }) {
      const res = await call(path, init);
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, body: body as T, headers: res.headers };
    },
    async close() {
      await server.close();
      await host.close();
    },
  };
}

/** Reads Server-Sent Events from a fetch response until `until` returns true or `timeoutMs` passes. */
export async function readEvents(res: Response, until: (events: Array<{ event: string; data: unknown }>) => boolean, timeoutMs = 5000): Promise<Array<{ event: string; data: unknown }>> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: unknown }> = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for events; got ${JSON.stringify(events.map((e) => e.event))}`);
      const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for events; got ${JSON.stringify(events)}`)), left))]);
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop()!;
      for (const block of blocks) {
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")) });
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, what = "the condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
