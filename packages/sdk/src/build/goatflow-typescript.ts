/**
 * `--target goatflow` for TypeScript plugins (docs/goatflow.md, "TypeScript plugins"): one core
 * WebAssembly module per plugin that GoatFlow loads as it is. The module is the SDK's engine
 * (QuickJS behind GoatFlow's ABI, packages/sdk/goatflow-engine/engine.wasm) pre-initialised by
 * Wizer with the plugin's bundled script: the script is parsed and its top-level code run at
 * build time, and the snapshot of the engine's memory is the plugin.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedManifest } from "../manifest/index.js";
import { BuildError } from "./build-error.js";
import { bundle } from "./bundle.js";
import { mergeDataSegments } from "./goatflow/data-segments.js";
import { deferLazyData } from "./goatflow/lazy-data.js";
import { goatflowRegistration } from "./goatflow/registration.js";
import { declareSnapshotMemory } from "./goatflow/snapshot-memory.js";

/** The only version whose npm install works everywhere (later ones break `npm ci`). */
export const WIZER_VERSION = "10.0.0";

export interface GoatflowBuildInput {
  entryPath: string;
  dir: string;
  manifest: ResolvedManifest;
  /** Warnings about what GoatFlow cannot express. */
  warn?: (message: string) => void;
}

/** The entry esbuild bundles: the engine's missing globals first, then the plugin and the binding. */
export function goatflowEntry(pluginPath: string, meta: unknown): string {
  return [
    `import "@goatkit/sdk/guest/goatflow-globals";`,
    `import plugin from ${JSON.stringify(pluginPath)};`,
    `import { serveGoatflow } from "@goatkit/sdk/guest/goatflow";`,
    `serveGoatflow(plugin, ${JSON.stringify(meta)});`,
    "",
  ].join("\n");
}

/**
 * What the binding needs to know of each handler, from the manifest; the registration is the one
 * the AssemblyScript build answers too (goatflow/registration.ts).
 */
export function goatflowMeta(manifest: ResolvedManifest, registration: Record<string, unknown>): { registration: Record<string, unknown>; handlers: Record<string, { kind: string; params?: string[] }>; config: Record<string, unknown> } {
  const handlers: Record<string, { kind: string; params?: string[] }> = {};
  for (const route of manifest.routes ?? []) handlers[route.handler] = { kind: "route", params: [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!) };
  for (const widget of manifest.widgets ?? []) handlers[widget.handler] = { kind: "widget" };
  for (const job of manifest.jobs ?? []) handlers[job.handler] = { kind: "job" };
  for (const fn of manifest.functions ?? []) handlers[fn.handler ?? fn.name] ??= { kind: "function" };
  for (const hook of manifest.hooks ?? []) {
    const handler = typeof hook === "string" ? hook : hook.handler;
    if (handler) handlers[handler] ??= { kind: "hook" };
  }
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(manifest.config ?? {})) if (spec.default !== undefined) config[key] = spec.default;
  return { registration, handlers, config };
}

/** Bundles the plugin and snapshots the engine with it; returns the module's bytes. */
export async function buildGoatflowTypescript(input: GoatflowBuildInput): Promise<Uint8Array> {
  const meta = goatflowMeta(input.manifest, await goatflowRegistration(input.manifest, input.dir));
  for (const warning of goatflowWarnings(input.manifest)) input.warn?.(warning);
  const script = await bundle(goatflowEntry(input.entryPath, meta), input.dir, "goatflow");
  return preinitialise(script);
}

/** Runs Wizer on the engine with the script on standard input; joins the snapshot's data segments. */
export async function preinitialise(script: string): Promise<Uint8Array> {
  const wizer = await wizerPath();
  const work = await mkdtemp(join(tmpdir(), "goatkit-goatflow-"));
  const out = join(work, "plugin.wasm");
  try {
    const args = ["--allow-wasi", "--inherit-stdio", "true", "--wasm-bulk-memory", "true", "-o", out, engineWasm()];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(wizer, args, { stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (status) => resolve({ code: status, stderr }));
      child.stdin.on("error", () => {});
      child.stdin.end(script);
    });
    if (code !== 0) {
      const thrown = /goatflow engine: ([\s\S]*)/.exec(stderr)?.[1]?.trim();
      throw new BuildError(
        "E_GOATFLOW",
        thrown
          ? `running the plugin's top-level code in the GoatFlow engine failed: ${thrown}`
          : `wizer failed (exit ${code}) pre-initialising the GoatFlow engine with the plugin:\n${stderr.trim()}`,
      );
    }
    // Wizer writes thousands of small data segments, each of which costs time at every
    // instantiation, keeps the tables loaded on first use in the snapshot, and declares the
    // memory the initialisation grew to.
    return declareSnapshotMemory(deferLazyData(mergeDataSegments(new Uint8Array(await readFile(out)))));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The committed engine module (packages/sdk/goatflow-engine/engine.wasm), from src/ or dist/. */
export function engineWasm(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "goatflow-engine", "engine.wasm");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new BuildError("E_GOATFLOW", "the SDK's goatflow-engine/engine.wasm is missing; reinstall @goatkit/sdk");
    dir = parent;
  }
}

async function wizerPath(): Promise<string> {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve("@bytecodealliance/wizer");
    return ((await import(main)) as { default: string }).default;
  } catch (error) {
    throw new BuildError(
      "E_WIZER_MISSING",
      `building for GoatFlow needs Wizer, which pre-initialises the engine with the plugin: npm install -D @bytecodealliance/wizer@${WIZER_VERSION} (exactly this version)`,
      { cause: error },
    );
  }
}

/** What the manifest says that GoatFlow's ABI cannot carry, named so the author sees it at build time. */
export function goatflowWarnings(manifest: ResolvedManifest): string[] {
  const warnings: string[] = [];
  for (const widget of manifest.widgets ?? []) {
    if (widget.location !== "agent_home") warnings.push(`widget "${widget.id}" is at ${widget.location}; GoatFlow renders only dashboard widgets (agent_home here)`);
  }
  if ((manifest.hooks ?? []).length > 0) warnings.push("hooks: GoatFlow's ABI has no events for plugins; the hooks never run there");
  if ((manifest.migrations ?? []).length > 0) warnings.push("migrations: GoatFlow does not run a plugin's migrations; create the tables another way there");
  warnings.push("GoatFlow answers every route with 200 (error envelopes are ordinary JSON), sends no headers or locale, and reports no inserted id from db_exec");
  return warnings;
}
