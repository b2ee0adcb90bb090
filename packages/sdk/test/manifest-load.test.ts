import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadManifest, ManifestError, parseManifest, resolveHook } from "../src/manifest/index.js";

const fixtures = fileURLToPath(new URL("./fixtures/manifests/", import.meta.url));

async function loadError(path: string): Promise<ManifestError> {
  try {
    await loadManifest(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error(`loadManifest(${path}) did not throw`);
}

describe("loadManifest", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatkit-manifest-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the seed JSON manifests by file", async () => {
    const loaded = await loadManifest(join(fixtures, "seed-000-ticket-counter.manifest.json"));
    expect(loaded.manifest.name).toBe("ticket-counter");
    expect(loaded.file).toBe(join(fixtures, "seed-000-ticket-counter.manifest.json"));
    const grpc = await loadManifest(join(fixtures, "seed-001-analytics.manifest.json"));
    expect(grpc.manifest.runtime).toBe("grpc");
  });

  it("loads a YAML manifest with a build section and object hooks from a folder", async () => {
    const loaded = await loadManifest(join(fixtures, "yaml-build"));
    expect(loaded.file).toBe(join(fixtures, "yaml-build", "manifest.yaml"));
    expect(loaded.warnings).toEqual([]);
    expect(loaded.manifest.build).toEqual({
      command: "extism-js",
      args: ["src/index.js", "-i", "src/index.d.ts", "-o", "plugin.wasm"],
      watch: ["src/**/*.js", "src/**/*.ts"],
      output: "plugin.wasm",
    });
    expect(loaded.manifest.wasm).toBe("plugin.wasm");
    expect(loaded.manifest.hooks).toEqual([{ type: "database", source: "users", action: "insert" }]);
    expect(resolveHook(loaded.manifest.hooks[0]!).handler).toBe("database_users_insert");
  });

  it("loads manifest.yml", async () => {
    await writeFile(join(dir, "manifest.yml"), "name: faq\nversion: 0.8.0\npermissions: [db:read]\n");
    const loaded = await loadManifest(dir);
    expect(loaded.manifest).toMatchObject({ name: "faq", version: "0.8.0", permissions: ["db:read"] });
  });

  it("refuses a folder with both manifest.json and manifest.yaml and says which to delete", async () => {
    await writeFile(join(dir, "manifest.yaml"), "name: faq\nversion: 0.8.0\n");
    await writeFile(join(dir, "manifest.json"), '{"name": "faq", "version": "0.8.0"}');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, "manifest.yaml"), old, old);
    const error = await loadError(dir);
    expect(error.code).toBe("E_MANIFEST_INVALID");
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.message).toContain("manifest.json, manifest.yaml");
    expect(error.issues[0]!.fix).toMatch(/^delete manifest\.yaml \(manifest\.json is the most recently edited\)/);
    expect(error.message).toContain(`${dir}: `);
  });

  it("reports a YAML syntax error with its line and column", async () => {
    await writeFile(join(dir, "manifest.yaml"), "name: faq\nversion: 0.8.0\nroutes:\n  - method: GET\n    path: /articles\n   handler: list\n");
    const error = await loadError(dir);
    expect(error.issues[0]!.message).toMatch(/not valid YAML: .* at line 6, column \d+/);
    expect(error.issues[0]!.fix).toContain("line 6");
    expect(error.message.startsWith(join(dir, "manifest.yaml"))).toBe(true);
  });

  it("reports a JSON syntax error with its line and column", async () => {
    await writeFile(join(dir, "manifest.json"), '{\n  "name": "faq",\n  "version": "0.8.0",\n}\n');
    const error = await loadError(dir);
    expect(error.issues[0]!.message).toContain("not valid JSON");
    expect(error.issues[0]!.message).toContain("at line 4, column 1");
    expect(error.issues[0]!.fix).toBe("remove the trailing comma at line 4, column 1");
  });

  it("reports a missing manifest", async () => {
    const empty = await loadError(dir);
    expect(empty.code).toBe("E_MANIFEST_NOT_FOUND");
    expect(empty.message).toContain(`no manifest.json, manifest.yaml or manifest.yml in ${dir}`);
    const missing = await loadError(join(dir, "nope", "manifest.json"));
    expect(missing.code).toBe("E_MANIFEST_NOT_FOUND");
    expect(missing.message).toContain("does not exist");
  });

  it("reports validation errors with the file name", async () => {
    await writeFile(join(dir, "manifest.yaml"), "name: faq\nversion: 1.0\n");
    const error = await loadError(dir);
    expect(error.message).toBe(`${join(dir, "manifest.yaml")}: version: version must be a string, got the number 1. Fix: quote it and use three parts: "version": "1.0.0"`);
  });
});

describe("parseManifest", () => {
  it("parses text without touching the file system", () => {
    const { manifest, warnings } = parseManifest('{"name": "faq", "version": "1.0.0", "routes": [{"method": "GET", "path": "/articles", "handler": "list"}]}', "json");
    expect(manifest.routes).toHaveLength(1);
    expect(warnings[0]?.message).toContain("/api/plugins/faq/articles");
  });

  it("reports YAML duplicate keys", () => {
    expect(() => parseManifest("name: faq\nname: other\nversion: 1.0.0\n", "yaml", "manifest.yaml")).toThrowError(/manifest\.yaml: the manifest is not valid YAML: .*at line 2, column 1/);
  });

  it("treats an empty file as a missing object", () => {
    expect(() => parseManifest("", "yaml", "manifest.yaml")).toThrowError("manifest.yaml: the manifest must be an object of fields, got nothing");
  });
});
