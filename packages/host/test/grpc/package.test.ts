import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createHost, extractPackage, packPlugin, readPackage } from "../../src/index.js";

// A gRPC plugin packs like a WebAssembly one: the executable goes in as plugin.mjs, the packed
// manifest points at it, and an extracted package runs.
const kitchenSink = fileURLToPath(new URL("../../../../fixtures/ts-kitchen-sink/build/grpc/", import.meta.url));

describe("gRPC plugin packages", () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  it("packs the executable, reads back, extracts it executable and serves calls", async () => {
    const packed = await packPlugin(kitchenSink);
    expect([...packed.files.keys()].sort()).toEqual(["goatkit-integrity.json", "manifest.json", "plugin.mjs"]);
    expect(packed.manifest.grpc).toEqual({ binary: "plugin.mjs", health_check: true });
    expect(packed.manifestRewritten).toBe(false);
    expect(readPackage(packed.bytes, { trust: { policy: "off" } }).manifest.runtime).toBe("grpc");

    const target = join(await mkdtemp(join(tmpdir(), "goatkit-grpc-pkg-")), "kitchen-sink");
    temps.push(join(target, ".."));
    const extracted = await extractPackage(packed.bytes, target, { trust: { policy: "off" } });
    expect((await stat(join(extracted.dir, "plugin.mjs"))).mode & 0o777).toBe(0o755);
    // The folder too: the plugin may run as a user of its own.
    expect((await stat(extracted.dir)).mode & 0o777).toBe(0o755);
    await chmod(join(target, ".."), 0o755);
    const host = await createHost({ database: { demo: { tickets: 10 } } });
    try {
      await host.load(extracted.dir);
      expect(host.plugin("kitchen-sink")!.binding).toBe("grpc");
      expect((await host.call("kitchen-sink", "echo")).status).toBe(200);
    } finally {
      await host.close();
    }
  });

  it("points a manifest whose executable lives elsewhere at the packed name, dropping build", async () => {
    const packed = await packPlugin(fileURLToPath(new URL("../../../../plugins/analytics/", import.meta.url)));
    expect(packed.manifestRewritten).toBe(true);
    expect(packed.manifest.grpc).toEqual({ binary: "plugin.mjs", health_check: true });
    expect(packed.manifest.build).toBeUndefined();
    expect(packed.files.has("plugin.mjs")).toBe(true);
  });
});
