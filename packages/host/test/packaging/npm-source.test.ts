import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import { discoverNpmPlugins, extractPackage, packPlugin, PackageError, resolveNpmPlugin } from "../../src/packaging/index.js";
import { EMPTY_WASM, FIXTURE_DIR, kitchenSinkFolder, removeTemps, tempDir, writeTree } from "./support.js";

afterEach(removeTemps);

const json = (value: unknown) => JSON.stringify(value, null, 2);
const tinyManifest = (name: string, version = "1.0.0") => json({ name, version });

async function refusal(packageDir: string): Promise<PackageError> {
  const error = await resolveNpmPlugin(packageDir).catch((e: unknown) => e);
  if (!(error instanceof PackageError)) throw new Error(`expected a PackageError, got ${String(error)}`);
  return error;
}

describe("resolveNpmPlugin", () => {
  it("resolves goatkit.plugin (a folder) and loads it in the real host", async () => {
    const pkg = await tempDir();
    await writeTree(pkg, { "package.json": json({ name: "@acme/goatkit-kitchen-sink", version: "1.0.0", goatkit: { plugin: "dist/plugin" } }) });
    await mkdir(join(pkg, "dist/plugin"), { recursive: true });
    await copyFile(join(FIXTURE_DIR, "manifest.json"), join(pkg, "dist/plugin/manifest.json"));
    await mkdir(join(pkg, "dist/plugin/build"));
    await copyFile(join(FIXTURE_DIR, "build/plugin.wasm"), join(pkg, "dist/plugin/build/plugin.wasm"));

    const source = await resolveNpmPlugin(pkg);
    expect(source).toMatchObject({ kind: "folder", packageName: "@acme/goatkit-kitchen-sink", packageVersion: "1.0.0", dir: join(pkg, "dist/plugin"), warnings: [] });
    const host = await createHost({ database: { demo: { tickets: 5 } } });
    try {
      if (source.kind !== "folder") throw new Error("expected a folder");
      expect((await host.load(source.dir)).name).toBe("kitchen-sink");
    } finally {
      await host.close();
    }
  });

  it("accepts the string shorthand and goatkit.manifest, and warns when versions differ", async () => {
    const short = await tempDir();
    await writeTree(short, { "package.json": json({ name: "short", version: "2.0.0", goatkit: "plugin" }), "plugin/manifest.json": tinyManifest("short"), "plugin/plugin.wasm": EMPTY_WASM });
    const resolved = await resolveNpmPlugin(short);
    expect(resolved).toMatchObject({ kind: "folder", dir: join(short, "plugin") });
    expect(resolved.warnings).toEqual(["short: package.json version 2.0.0 differs from the manifest's version 1.0.0; keep them equal so admins know which plugin they run"]);

    const byManifest = await tempDir();
    await writeTree(byManifest, {
      "package.json": json({ name: "by-manifest", version: "1.0.0", goatkit: { manifest: "manifest.yaml" } }),
      "manifest.yaml": 'name: by-manifest\nversion: "1.0.0"\nwasm: dist/by-manifest.wasm\n',
      "dist/by-manifest.wasm": EMPTY_WASM,
    });
    expect(await resolveNpmPlugin(byManifest)).toMatchObject({ kind: "folder", dir: byManifest, manifest: { name: "by-manifest", wasm: "dist/by-manifest.wasm" } });
  });

  it("resolves goatkit.package to a zip that is then extracted under the trust policy", async () => {
    const pkg = await tempDir();
    const packed = await packPlugin(await kitchenSinkFolder());
    await writeTree(pkg, { "package.json": json({ name: "zipped", version: "1.0.0", goatkit: { package: `dist/${packed.fileName}` } }), [`dist/${packed.fileName}`]: packed.bytes });
    const source = await resolveNpmPlugin(pkg);
    expect(source).toMatchObject({ kind: "package", file: join(pkg, "dist/kitchen-sink-1.0.0.zip") });
    if (source.kind !== "package") throw new Error("expected a package");
    await expect(extractPackage(source.file, join(await tempDir(), "x"), { trust: { policy: "require" } })).rejects.toMatchObject({ code: "E_PACKAGE_UNSIGNED" });
  });

  it("names the problem and the fix for broken goatkit fields", async () => {
    const cases: Array<[unknown, string]> = [
      [{ plugin: "../outside" }, 'p: goatkit.plugin "../outside" leads outside the package. Fix: give a path inside the package, relative to package.json'],
      [{ plugin: "/abs/plugin" }, 'p: goatkit.plugin "/abs/plugin" leads outside the package. Fix: give a path inside the package, relative to package.json'],
      [{ plugin: "dist/missing" }, 'p: goatkit.plugin points at dist/missing, which is not in the package. Fix: add dist/missing to package.json "files" (and build it before publishing)'],
      [{ manifest: "m.json", wasm: "x.wasm" }, 'p: goatkit.wasm is not read. Fix: the manifest\'s "wasm" field names the module; point goatkit.manifest (or goatkit.plugin) at the manifest\'s folder and remove goatkit.wasm'],
      [{ plugins: "dist" }, 'p: goatkit has an unknown field "plugins". Fix: use exactly one of "plugin", "manifest", "package"'],
      [{ plugin: "a", package: "b.zip" }, 'p: goatkit sets plugin and package. Fix: use exactly one of "plugin", "manifest", "package"'],
      [{ manifest: "plugin.json" }, 'p: goatkit.manifest is "plugin.json". Fix: name the manifest manifest.json, manifest.yaml, manifest.yml'],
      [{ package: "plugin" }, 'p: goatkit.package is "plugin", not a .zip file. Fix: point it at the package `gk plugin pack` wrote'],
      [[], 'p: "goatkit" is a list. Fix: write "goatkit": { "plugin": "dist/plugin" } (or "manifest", or "package")'],
      [{ plugin: "" }, 'p: goatkit.plugin is "", not a path. Fix: give a path relative to package.json, e.g. "dist/plugin"'],
    ];
    for (const [goatkit, message] of cases) {
      const pkg = await tempDir();
      await writeTree(pkg, { "package.json": json({ name: "p", version: "1.0.0", goatkit }), "plugin/manifest.json": tinyManifest("p") });
      expect((await refusal(pkg)).message, JSON.stringify(goatkit)).toBe(message);
    }
  });

  it("refuses a plugin folder whose module was not published, or whose manifest is invalid", async () => {
    const unbuilt = await tempDir();
    await writeTree(unbuilt, { "package.json": json({ name: "unbuilt", goatkit: "dist" }), "dist/manifest.json": tinyManifest("unbuilt") });
    expect((await refusal(unbuilt)).message).toBe('unbuilt: the module dist/plugin.wasm is missing. Fix: build it before publishing and add it to package.json "files"');

    const invalid = await tempDir();
    await writeTree(invalid, { "package.json": json({ name: "invalid", goatkit: "dist" }), "dist/manifest.json": json({ name: "Invalid Name", version: "1.0.0" }) });
    expect((await refusal(invalid)).message).toMatch(/^invalid: the plugin manifest in dist is not valid:\n.*dist\/manifest.json: name: /);
  });

  it("refuses a symlink that leads out of the package", async () => {
    const outside = await tempDir();
    await writeTree(outside, { "manifest.json": tinyManifest("outside"), "plugin.wasm": EMPTY_WASM });
    const pkg = await tempDir();
    await writeTree(pkg, { "package.json": json({ name: "linked", goatkit: "dist" }) });
    await symlink(outside, join(pkg, "dist"));
    expect((await refusal(pkg)).message).toBe('linked: goatkit.plugin "dist" leads outside the package. Fix: give a path inside the package, relative to package.json');
  });
});

describe("discoverNpmPlugins", () => {
  it("finds plugin packages (scoped and pnpm-symlinked too), skips other packages, and reports broken ones", async () => {
    const root = await tempDir();
    const modules = join(root, "node_modules");
    await writeTree(modules, {
      "plain/package.json": json({ name: "plain", version: "1.0.0", goatkit: "plugin" }),
      "plain/plugin/manifest.json": tinyManifest("plain"),
      "plain/plugin/plugin.wasm": EMPTY_WASM,
      "@acme/scoped/package.json": json({ name: "@acme/scoped", version: "1.0.0", goatkit: { plugin: "." } }),
      "@acme/scoped/manifest.json": tinyManifest("scoped"),
      "@acme/scoped/plugin.wasm": EMPTY_WASM,
      "lodash/package.json": json({ name: "lodash", version: "4.17.21" }),
      "broken/package.json": json({ name: "broken", goatkit: { plugin: "../../etc" } }),
      ".bin/gk": "#!/bin/sh",
    });
    await writeTree(root, { "store/linked/package.json": json({ name: "linked", version: "1.0.0", goatkit: "p" }), "store/linked/p/manifest.json": tinyManifest("linked"), "store/linked/p/plugin.wasm": EMPTY_WASM });
    await symlink(join(root, "store/linked"), join(modules, "linked"));
    await writeFile(join(modules, "not-a-folder"), "x");

    const { plugins, problems } = await discoverNpmPlugins(modules);
    expect(plugins.map((p) => [p.packageName, p.kind === "folder" ? p.manifest.name : null])).toEqual([
      ["@acme/scoped", "scoped"],
      ["linked", "linked"],
      ["plain", "plain"],
    ]);
    expect(problems.map((p) => [p.packageDir, p.error.message])).toEqual([
      [join(modules, "broken"), 'broken: goatkit.plugin "../../etc" leads outside the package. Fix: give a path inside the package, relative to package.json'],
    ]);
    expect(await discoverNpmPlugins(join(root, "no-such-folder"))).toEqual({ plugins: [], problems: [] });
  });
});
