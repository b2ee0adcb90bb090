import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, normalize, resolve } from "node:path";
import { promisify } from "node:util";
import { defineCommand } from "citty";
import { loadManifest } from "@goatkit/sdk";
import { EXIT, GkError } from "../../errors.js";

const exec = promisify(execFile);

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  goatkit?: string | { plugin?: string; manifest?: string; package?: string };
}

/**
 * Checks that `npm publish` would ship a plugin hosts can load: the `goatkit` field, the manifest
 * and the module inside the tarball, versions in step. It never publishes; run `npm publish` after.
 */
export const publishCommand = defineCommand({
  meta: { name: "publish", description: "Check that the npm package of a plugin carries what hosts need (use --dry-run; it never publishes)" },
  args: {
    dir: { type: "positional", description: "Plugin package folder", required: false, default: "." },
    "dry-run": { type: "boolean", description: "Check only (required: publish with npm publish)", default: false },
  },
  async run({ args }) {
    if (!args["dry-run"]) throw new GkError("gk plugin publish only checks; run it with --dry-run, then publish with npm publish", EXIT.USAGE);
    const dir = resolve(args.dir);
    const problems: string[] = [];
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8").catch(() => {
      throw new GkError(`${dir}: no package.json; npm packages need one (npm init)`);
    })) as PackageJson;
    if (pkg.private) problems.push('package.json: "private": true stops npm publish. Fix: remove it');
    const field = typeof pkg.goatkit === "string" ? { plugin: pkg.goatkit } : pkg.goatkit;
    if (!field?.plugin && !field?.manifest && !field?.package) {
      problems.push('package.json: no "goatkit" field, so hosts cannot find the plugin in it. Fix: add "goatkit": { "plugin": "." } (see docs/packages.md)');
    }
    const pluginDir = resolve(dir, field?.plugin ?? field?.manifest ?? ".");
    const { manifest, file } = await loadManifest(pluginDir);
    if (pkg.version !== undefined && pkg.version !== manifest.version) {
      problems.push(`package.json version ${pkg.version} and manifest version ${manifest.version} differ. Fix: keep them the same`);
    }
    const { stdout } = await exec("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stderr?: string }) => {
      throw new GkError(`npm pack --dry-run failed: ${error.stderr ?? String(error)}`);
    });
    const [packed] = JSON.parse(stdout) as { files: { path: string; size: number }[]; size: number; filename: string }[];
    const files = new Set(packed!.files.map((f) => normalize(f.path)));
    const inPackage = (path: string) => normalize(path.startsWith(dir) ? path.slice(dir.length + 1) : path);
    const manifestPath = inPackage(file);
    const wasmPath = inPackage(join(pluginDir, manifest.wasm ?? "plugin.wasm"));
    if (!files.has(manifestPath)) problems.push(`${manifestPath} is not in the package. Fix: add it to "files" in package.json`);
    if (!files.has(wasmPath)) problems.push(`${wasmPath} is not in the package. Fix: build first (gk plugin build) and add it to "files" in package.json`);
    if (problems.length > 0) throw new GkError(`${pkg.name ?? dir} is not ready to publish:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    console.log(`${pkg.name}@${pkg.version}: ready to publish (${packed!.files.length} files, ${(packed!.size / 1024).toFixed(1)} KiB packed): ${manifestPath}, ${wasmPath}\nPublish with: npm publish`);
  },
});
