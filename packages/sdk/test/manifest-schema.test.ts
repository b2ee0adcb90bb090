import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { manifestJsonSchema, MANIFEST_SCHEMA_ID } from "../src/manifest/index.js";

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL("./fixtures/manifests/", import.meta.url));
const emitScript = fileURLToPath(new URL("../scripts/emit-schema.mjs", import.meta.url));

describe("manifestJsonSchema", () => {
  it("is plain draft-07 JSON with $schema, $id and title", () => {
    expect(manifestJsonSchema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(manifestJsonSchema.$id).toBe(MANIFEST_SCHEMA_ID);
    expect(manifestJsonSchema.title).toBe("GoatKit plugin manifest");
    expect(JSON.parse(JSON.stringify(manifestJsonSchema))).toEqual(manifestJsonSchema);
  });

  it("validates the seed manifests on its own, without the SDK", async () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(manifestJsonSchema);
    for (const file of ["seed-000-ticket-counter.manifest.json", "seed-001-analytics.manifest.json"]) {
      expect(validate(JSON.parse(await readFile(join(fixtures, file), "utf8"))), file).toBe(true);
    }
    expect(validate({ name: "x", version: "1.0.0", routes: [] })).toBe(false);
  });
});

describe("scripts/emit-schema.mjs", () => {
  it("writes manifest.schema.json next to the built index.js, from any working directory", async () => {
    const dist = await mkdtemp(join(tmpdir(), "goatkit-emit-"));
    try {
      await writeFile(join(dist, "index.js"), `export const manifestJsonSchema = ${JSON.stringify(manifestJsonSchema)};\n`);
      await run("node", [emitScript, dist], { cwd: tmpdir() });
      expect(JSON.parse(await readFile(join(dist, "manifest.schema.json"), "utf8"))).toEqual(manifestJsonSchema);
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });

  it("fails with a clear message when the build does not export the schema", async () => {
    const dist = await mkdtemp(join(tmpdir(), "goatkit-emit-"));
    try {
      await writeFile(join(dist, "index.js"), "export const other = 1;\n");
      await expect(run("node", [emitScript, dist])).rejects.toMatchObject({ stderr: expect.stringContaining("does not export manifestJsonSchema") as string });
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });
});
