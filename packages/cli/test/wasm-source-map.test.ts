import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapWasmFrames } from "../src/commands/source-map.js";
import { repo } from "./support.js";

// The frames gk dev gets from the host for an abort, mapped to the author's line with the map asc
// writes, whether asc inlined the standard library's check into the author's function or not.

const asc = join(repo, "packages/sdk/node_modules/assemblyscript/bin/asc.js");
const SOURCE = `export function pick(i: i32): i32 {
  const picked: i32[] = [];
  return picked[i + 5];
}
`;

/** Calls `pick` and returns the message and frames the host would log for its abort. */
async function abortOf(modulePath: string) {
  const bytes = await readFile(modulePath);
  let frames: { func: number; offset: number }[] = [];
  const env = {
    abort: () => {
      frames = [...(new Error().stack ?? "").matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)].map((m) => ({ func: Number(m[1]), offset: parseInt(m[2]!, 16) }));
      throw new Error("aborted");
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env });
  expect(() => (instance.exports.pick as (i: number) => number)(0)).toThrow("aborted");
  return frames;
}

describe("mapWasmFrames", () => {
  let dir: string;
  const message = "pick aborted: Index out of range at ~lib/array.ts:114:42";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-wasm-map-"));
    await mkdir(join(dir, "assembly"));
    await writeFile(join(dir, "assembly/index.ts"), SOURCE);
    const build = (out: string, ...options: string[]) => promisify(execFile)("node", [asc, "assembly/index.ts", "--outFile", out, "--runtime", "incremental", ...options], { cwd: dir });
    await Promise.all([build("build/plain.wasm", "--sourceMap"), build("build/small.wasm", "--optimizeLevel", "0", "--shrinkLevel", "2", "--sourceMap"), build("build/nomap.wasm")]);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the author's line below the standard library's frame", async () => {
    const path = join(dir, "build/plain.wasm");
    const frames = await abortOf(path);
    expect(frames.length).toBeGreaterThan(1);
    expect(mapWasmFrames(message, frames, path)).toMatch(/^pick aborted: Index out of range at assembly\/index\.ts:3:\d+$/);
  });

  it("names the author's line when the library's check is inlined into the author's function (shrinkLevel 2)", async () => {
    const path = join(dir, "build/small.wasm");
    const frames = await abortOf(path);
    expect(mapWasmFrames(message, frames, path)).toMatch(/^pick aborted: Index out of range at assembly\/index\.ts:3:\d+$/);
  });

  it("leaves the message as it is for a module without a source map", async () => {
    const path = join(dir, "build/nomap.wasm");
    expect(mapWasmFrames(message, await abortOf(path), path)).toBe(message);
  });

  it("leaves the message as it is for frames of another build of the module", async () => {
    const path = join(dir, "build/plain.wasm");
    expect(mapWasmFrames(message, [{ func: 10_000, offset: 5 }], path)).toBe(message);
  });
});
