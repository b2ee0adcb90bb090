/**
 * Looks at the plugin before compiling it: runs its bundle in a bare VM context (no Node APIs,
 * no host functions; a process plugin's is imported, see below) to read its handler names and registration, and checks them against the
 * manifest, so a missing handler fails the build in a second instead of at load time.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runInContext, createContext } from "node:vm";
import { handlerNameProblem, manifestHandlers } from "../manifest/handlers.js";
import type { ResolvedManifest } from "../manifest/schema.js";
import { registrationText, isPluginDefinition } from "../guest/plugin.js";
import { BuildError } from "./build-error.js";
import { bundle } from "./bundle.js";
import { describeEntry } from "./plugin-entry.js";

export interface PluginDescription {
  handlers: string[];
  registration: { name?: unknown; version?: unknown };
}

/**
 * `node`: the plugin is a process plugin, which may use Node's modules; its bundle is imported
 * in this process instead (it is the author's own code, as trusted as their build script).
 */
export async function describePlugin(entryPath: string, pluginDir: string, manifest: ResolvedManifest, options: { node?: boolean } = {}): Promise<PluginDescription> {
  let definition: unknown;
  try {
    definition = options.node ? await importDefinition(entryPath, pluginDir) : await evaluateDefinition(entryPath, pluginDir);
  } catch (error) {
    if (error instanceof BuildError) throw error;
    throw new BuildError(
      "E_PLUGIN_DEFINITION",
      `the plugin failed while loading: ${messageOf(error)}; top-level code runs once at build time without host functions: call them from handlers`,
      { cause: error },
    );
  }
  if (!isPluginDefinition(definition)) {
    throw new BuildError("E_PLUGIN_DEFINITION", `${entryPath} does not export default definePlugin({ register, handlers }); add: export default definePlugin({ ... }) from "@goatkit/sdk/guest"`);
  }
  const handlers = Object.keys(definition.handlers);
  const problems = handlers.map((name) => handlerNameProblem(name, "handler")).filter((p) => p !== undefined);
  const missing = [...new Set(manifestHandlers(manifest).map((ref) => ref.handler))].filter((name) => !handlers.includes(name));
  if (missing.length > 0) {
    problems.push({
      message: `the manifest names handler${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} that the plugin does not define`,
      fix: `add ${missing.length > 1 ? "them" : "it"} to definePlugin({ handlers: { ... } }), or fix the manifest`,
    });
  }
  let registration: PluginDescription["registration"];
  try {
    registration = JSON.parse(registrationText(definition)) as PluginDescription["registration"];
  } catch (error) {
    throw new BuildError("E_PLUGIN_DEFINITION", `register failed: ${messageOf(error)}`, { cause: error });
  }
  for (const field of ["name", "version"] as const) {
    if (registration[field] !== manifest[field]) {
      problems.push({ message: `register returns ${field} ${JSON.stringify(registration[field])} but the manifest's is "${manifest[field]}"`, fix: `make them equal` });
    }
  }
  if (problems.length > 0) {
    throw new BuildError("E_HANDLERS", `the plugin and its manifest disagree:\n${problems.map((p) => `  ${p.message}; ${p.fix}`).join("\n")}`);
  }
  return { handlers, registration };
}

async function evaluateDefinition(entryPath: string, pluginDir: string): Promise<unknown> {
  const code = await bundle(describeEntry(entryPath), pluginDir, "describe");
  const context = createContext({ TextEncoder, TextDecoder, URL, URLSearchParams, atob, btoa, console: silentConsole() });
  runInContext(code, context, { timeout: 5000, filename: "plugin-bundle.js" });
  return context.__goatkitPlugin;
}

async function importDefinition(entryPath: string, pluginDir: string): Promise<unknown> {
  const code = await bundle(describeEntry(entryPath), pluginDir, "process");
  const dir = await mkdtemp(join(tmpdir(), "goatkit-describe-"));
  const file = join(dir, "plugin.mjs");
  const global = globalThis as { __goatkitPlugin?: unknown };
  try {
    await writeFile(file, code);
    await import(pathToFileURL(file).href);
    return global.__goatkitPlugin;
  } finally {
    delete global.__goatkitPlugin;
    await rm(dir, { recursive: true, force: true });
  }
}

/** The message of an error from the VM context, where `instanceof Error` does not hold. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

function silentConsole(): Pick<Console, "log" | "info" | "warn" | "error" | "debug"> {
  const ignore = () => {};
  return { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore };
}
