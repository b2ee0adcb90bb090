import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { CAPABILITY_PERMISSIONS, findHostCalls, formatIssues, loadManifest, type ManifestIssue } from "@goatkit/sdk";
import { createHost, inspectModule, PluginCallError } from "@goatkit/host";
import { GkError } from "../../errors.js";
import { ensureFreshBuild } from "./fresh-build.js";

export const validateCommand = defineCommand({
  meta: { name: "validate", description: "Check a plugin: manifest schema, exported handlers, permissions against imports, registration" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
  },
  async run({ args }) {
    // Checks run on what the sources say now, not on the last build.
    await ensureFreshBuild(resolve(args.dir), (await loadManifest(args.dir)).manifest, console.log);
    const report = await validatePlugin(args.dir);
    for (const line of report.lines) console.log(line);
    if (report.warnings.length > 0) console.log(formatIssues(report.warnings, report.file));
    if (report.errors.length > 0) throw new GkError(`${report.errors.length} problem(s):\n${report.errors.join("\n")}`);
  },
});

// Where gk's own TypeScript build looks for the entry (buildPlugin's order).
const TS_ENTRIES = ["src/index.ts", "index.ts"];

export interface ValidationReport {
  file: string;
  lines: string[];
  warnings: ManifestIssue[];
  errors: string[];
}

/** Everything `gk plugin validate` checks, as data (the dev server and tests use it too). */
export async function validatePlugin(dir: string): Promise<ValidationReport> {
  const { manifest, file, warnings } = await loadManifest(dir);
  const where = relative(process.cwd(), file) || file;
  const lines = [`${where}: valid manifest for ${manifest.name} ${manifest.version}`];
  const errors: string[] = [];
  if (manifest.runtime === "grpc") {
    // A process plugin: nothing to inspect statically; starting it checks Register against the manifest.
    const executable = join(dir, manifest.grpc!.binary);
    const size = await stat(executable).then(
      (s) => s.size,
      () => {
        throw new GkError(`${executable}: no such file; build the plugin first: gk plugin build`);
      },
    );
    lines.push(`${relative(process.cwd(), executable) || executable}: gRPC process plugin, ${(size / 1024).toFixed(1)} KiB`);
    await checkRegistration(dir, lines, errors);
    return { file: where, lines, warnings, errors };
  }
  const wasmPath = join(dir, manifest.wasm ?? "plugin.wasm");
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(wasmPath));
  } catch {
    const build = manifest.build ? ` (${[manifest.build.command, ...(manifest.build.args ?? [])].join(" ")})` : "";
    throw new GkError(`${wasmPath}: no such file; build the plugin first: gk plugin build${build}`);
  }
  const info = inspectModule(bytes);
  lines.push(`${relative(process.cwd(), wasmPath) || wasmPath}: ${info.binding} module, ${(info.size / 1024).toFixed(1)} KiB`);

  if (info.binding === "core") {
    const granted = new Set(manifest.permissions);
    const used = new Set<string>();
    for (const imp of info.imports) {
      if (!imp.known) {
        errors.push(`${where}: the module imports "${imp.module}.${imp.name}", which the host does not provide. Fix: remove the import or use a host function from docs/host-functions.md`);
        continue;
      }
      if (!imp.permission) continue;
      used.add(imp.permission);
      if (!granted.has(imp.permission)) {
        errors.push(`${where}: permissions: the module calls ${imp.name}, which needs "${imp.permission}". Fix: add "${imp.permission}" to manifest.permissions`);
      }
    }
    warnUnused(manifest.permissions, used, "the module never calls a host function that needs it", warnings);
  } else {
    // A TypeScript plugin's module holds a script, not imports: its source says which host
    // functions it calls (found by the type checker, aliases and destructuring included).
    const entry = manifest.build ? undefined : TS_ENTRIES.map((f) => join(dir, f)).find((f) => existsSync(f));
    const found = entry === undefined ? null : findHostCalls(entry, dir);
    if (found && "skipped" in found) {
      warnings.push({ path: "permissions", message: `not checked against the code: ${found.skipped}`, fix: "npm install -D typescript", severity: "warning" });
    } else if (found) {
      const granted = new Set(manifest.permissions);
      // A db:write:<table> grant lets dbExec write that core table.
      if (manifest.permissions.some((p) => p.startsWith("db:write:"))) granted.add("db:write");
      for (const call of found.calls) {
        if (!granted.has(call.permission)) {
          errors.push(`${call.at}: permissions: the plugin calls host.${call.method}, which needs "${call.permission}". Fix: add "${call.permission}" to manifest.permissions`);
        }
      }
      warnUnused(manifest.permissions, new Set(found.calls.map((c) => c.permission)), "the plugin's code never calls a host function that needs it", warnings);
    }
  }

  await checkRegistration(dir, lines, errors);
  return { file: where, lines, warnings, errors };
}

/** A declared capability nothing uses is a warning: least privilege. */
function warnUnused(permissions: readonly string[], used: Set<string>, why: string, warnings: ManifestIssue[]): void {
  for (const permission of permissions) {
    if ((CAPABILITY_PERMISSIONS as readonly string[]).includes(permission) && !used.has(permission)) {
      warnings.push({
        path: "permissions",
        message: `"${permission}" is declared but ${why}`,
        fix: `remove "${permission}" (least privilege: ask only for what the plugin uses)`,
        severity: "warning",
      });
    }
  }
}

/** Registration and exported handlers: load it as the host would, against an empty database. */
async function checkRegistration(dir: string, lines: string[], errors: string[]): Promise<void> {
  const host = await createHost({ database: { demo: false }, isolation: "in-process" });
  try {
    const plugin = await host.load(dir);
    lines.push(`registration agrees with the manifest; ${plugin.manifest.routes.length} route(s), ${plugin.manifest.widgets.length} widget(s), ${plugin.manifest.jobs.length} job(s)`);
  } catch (error) {
    if (!(error instanceof PluginCallError)) throw error;
    errors.push(error.message);
  } finally {
    await host.close();
  }
}
