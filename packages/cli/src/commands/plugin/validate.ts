import { readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { CAPABILITY_PERMISSIONS, formatIssues, loadManifest, type ManifestIssue } from "@goatkit/sdk";
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
    for (const permission of manifest.permissions) {
      if ((CAPABILITY_PERMISSIONS as readonly string[]).includes(permission) && !used.has(permission)) {
        warnings.push({
          path: "permissions",
          message: `"${permission}" is declared but the module never calls a host function that needs it`,
          fix: `remove "${permission}" (least privilege: ask only for what the plugin uses)`,
          severity: "warning",
        });
      }
    }
  }

  await checkRegistration(dir, lines, errors);
  return { file: where, lines, warnings, errors };
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
