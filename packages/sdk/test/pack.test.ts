import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = new URL("..", import.meta.url).pathname;
// The workspace's TypeScript checks the consumer, as an author's own would.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

// What an author gets from npm: the packed tarball, installed into an empty project.
describe("the packed @goatkit/sdk tarball", () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "goatkit-sdk-pack-"));
    await run("pnpm", ["pack", "--pack-destination", project], { cwd: packageDir });
    const tarball = (await readdir(project)).find((f) => f.endsWith(".tgz"))!;
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", `./${tarball}`], { cwd: project });
  }, 180_000);

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it("ships dist, the AssemblyScript sources and the JSON Schema, and no tests", async () => {
    const root = join(project, "node_modules/@goatkit/sdk");
    const files = await readdir(root, { recursive: true });
    expect(files).toContain(join("dist", "index.js"));
    expect(files).toContain(join("dist", "index.d.ts"));
    expect(files).toContain(join("dist", "manifest.schema.json"));
    expect(files).toContain(join("assembly", "index.ts"));
    expect(files.some((f) => f.startsWith("test"))).toBe(false);
  });

  it("imports as ESM in Node", async () => {
    const script = `import { ABI_VERSION, validateManifest } from "@goatkit/sdk";
const r = validateManifest({ name: "hello", version: "1.0.0" });
console.log(JSON.stringify({ abi: ABI_VERSION, ok: r.ok }));`;
    const { stdout } = await run("node", ["--input-type=module", "-e", script], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ abi: 1, ok: true });
  });

  it("type-checks a consumer under NodeNext resolution", async () => {
    await writeFile(
      join(project, "check.ts"),
      `import { validateManifest, type Manifest } from "@goatkit/sdk";
const m: Manifest = { name: "hello", version: "1.0.0" } as Manifest;
const result = validateManifest(m);
export const ok: boolean = result.ok;
`,
    );
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["check.ts"] }),
    );
    await expect(run("node", [tsc, "-p", project], { cwd: project })).resolves.toBeDefined();
  });
});
