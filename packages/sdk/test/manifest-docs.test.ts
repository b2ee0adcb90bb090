import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { formatIssues, ManifestSchema, validateManifest } from "../src/manifest/index.js";

// The examples in docs/manifest.md are part of the contract: they must stay valid.
const doc = readFileSync(fileURLToPath(new URL("../../../docs/manifest.md", import.meta.url)), "utf8");
const blocks = [...doc.matchAll(/```(json|yaml)\n([\s\S]*?)```/g)].map(([, lang, body]) => (lang === "json" ? JSON.parse(body!) : parseYaml(body!)) as unknown);
const topLevel = Object.keys(ManifestSchema.properties);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

describe("docs/manifest.md examples", () => {
  const full = blocks.filter((b) => isObject(b) && "name" in b && "version" in b);
  const fragments = blocks.filter((b) => isObject(b) && !("name" in b) && Object.keys(b).every((k) => topLevel.includes(k)));

  it("has the minimal, JSON and YAML examples, and they validate without errors", () => {
    expect(full.length).toBe(3);
    for (const example of full) {
      const result = validateManifest(example);
      expect(result.ok ? "" : formatIssues(result.errors)).toBe("");
    }
    expect(full[1]).toEqual(full[2]);
  });

  it("has top-level fragments that validate inside a manifest", () => {
    expect(fragments.length).toBeGreaterThanOrEqual(4);
    for (const fragment of fragments) {
      const result = validateManifest({ name: "faq", version: "1.0.0", ...(fragment as object) });
      expect(result.ok ? "" : formatIssues(result.errors)).toBe("");
    }
  });
});
