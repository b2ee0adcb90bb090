import { describe, expect, it } from "vitest";
import { pointManifestAtPackageWasm } from "../../src/packaging/manifest-rewrite.js";

describe("pointing a packed manifest at plugin.wasm", () => {
  it("JSON: replaces wasm in place and removes build wherever it is, leaving other text alone", () => {
    const middle = '{\n  "name": "x",\n  "wasm": "out/x.wasm",\n  "build": { "command": "make", "output": "out/x.wasm" },\n  "version": "1.0.0"\n}\n';
    expect(pointManifestAtPackageWasm(middle, "json", "manifest.json")).toBe('{\n  "name": "x",\n  "wasm": "plugin.wasm",\n  "version": "1.0.0"\n}\n');
    const last = '{"name":"x","version":"1.0.0","wasm":"out/x.wasm","build":{"command":"make","output":"out/x.wasm","args":["a,b","}"]}}';
    expect(pointManifestAtPackageWasm(last, "json", "manifest.json")).toBe('{"name":"x","version":"1.0.0","wasm":"plugin.wasm"}');
    const first = '{ "build": {"command": "make", "output": "o.wasm"},\n  "name": "x\\"y", "version": "1.0.0" }';
    expect(pointManifestAtPackageWasm(first, "json", "manifest.json")).toBe('{ "wasm": "plugin.wasm",\n  "name": "x\\"y", "version": "1.0.0" }');
  });

  it("JSON: refuses a manifest that repeats wasm or build", () => {
    expect(() => pointManifestAtPackageWasm('{"wasm": "a.wasm", "wasm": "b.wasm"}', "json", "manifest.json")).toThrow('manifest.json has the key "wasm" twice. Fix: keep one of them');
  });

  it("YAML: sets wasm, drops build, keeps comments", () => {
    const yaml = "name: x # id\nbuild:\n  # how\n  command: make\n  output: out/x.wasm\nversion: \"1.0.0\"\n";
    expect(pointManifestAtPackageWasm(yaml, "yaml", "manifest.yaml")).toBe('name: x # id\nversion: "1.0.0"\nwasm: plugin.wasm\n');
  });
});
