#!/usr/bin/env node
// Writes dist/manifest.schema.json from the built SDK, so the published JSON Schema is exactly
// the one the validator uses. Run after tsup: `node scripts/emit-schema.mjs [distDir]`.
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const distDir = resolve(packageDir, process.argv[2] ?? "dist");
const entry = resolve(distDir, "index.js");

let sdk;
try {
  sdk = await import(pathToFileURL(entry).href);
} catch (error) {
  console.error(`emit-schema: cannot import ${entry}: ${error instanceof Error ? error.message : String(error)}\nRun tsup first (pnpm --filter @goatkit/sdk build).`);
  process.exit(1);
}

const schema = sdk.manifestJsonSchema;
if (!schema || typeof schema !== "object" || !schema.$schema || !schema.$id || !schema.title) {
  console.error(`emit-schema: ${entry} does not export manifestJsonSchema with $schema, $id and title; export it from src/index.ts`);
  process.exit(1);
}

const out = resolve(distDir, "manifest.schema.json");
await writeFile(out, `${JSON.stringify(schema, null, 2)}\n`);
console.log(`emit-schema: wrote ${out}`);
