import { describe, expect, it } from "vitest";
import { runHostProcess, type HostProcessLine } from "../../src/cluster/host-process.js";
import { eventually, manifest, pluginsDir, writePlugin } from "../platform/support/platform.js";
import { watPlugin } from "../platform/support/wat-plugin.js";

describe("runHostProcess without a Redis", () => {
  it("runs alone, as a host always has: every due time runs here, and it stops gracefully", async () => {
    const dir = await pluginsDir();
    const lines: HostProcessLine[] = [];
    try {
      await writePlugin(dir.dir, "ticker", manifest("ticker", { jobs: [{ id: "tick", schedule: "* * * * * *", handler: "tick" }] }), watPlugin("ticker", "1.0.0", { tick: { text: "tock" } }));
      const running = await runHostProcess({ pluginsDir: dir.dir, env: { GOATKIT_HOST_ID: "solo", GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_DEMO: "false" }, port: 0, schedulerTickMs: 50, handleSignals: false, print: (line) => lines.push(line) });
      expect(running.coordinator).toBeNull();
      // Registered from its manifest, its job scheduled; the module loads on the job's first run.
      expect(lines.find((l) => l.event === "ready")).toMatchObject({ host: "solo", cluster: false, database: "sqlite", plugins: [{ name: "ticker", status: "discovered" }] });
      await eventually(() => lines.filter((l) => l.event === "run" && l.status === "succeeded").length >= 2, 5000, "two runs of the every-second job");
      expect(lines.filter((l) => l.event === "plugin" && l.type === "loaded").map((l) => l.plugin)).toEqual(["ticker"]);
      await running.stop();
      expect(lines.at(-1)).toMatchObject({ event: "stopped", host: "solo" });
      const runs = lines.filter((l) => l.event === "run" && l.status === "succeeded");
      expect(new Set(runs.map((l) => l.tick)).size).toBe(runs.length);
      expect(runs[0]).toMatchObject({ plugin: "ticker", job: "tick", attempt: 1, trigger: "schedule" });
    } finally {
      await dir.remove();
    }
  });

  it("loads every plugin before it is ready when eager, and names a plugin that fails to load", async () => {
    const dir = await pluginsDir();
    const lines: HostProcessLine[] = [];
    try {
      await writePlugin(dir.dir, "ticker", manifest("ticker"), watPlugin("ticker", "1.0.0", { tick: { text: "tock" } }));
      await writePlugin(dir.dir, "broken", manifest("broken"), new Uint8Array([0, 97, 115, 109, 9, 9]));
      const running = await runHostProcess({ pluginsDir: dir.dir, eager: true, env: { GOATKIT_HOST_ID: "eager", GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_DEMO: "false" }, port: 0, handleSignals: false, print: (line) => lines.push(line) });
      const ready = lines.find((l) => l.event === "ready")!;
      expect(ready.plugins).toEqual([{ name: "broken", status: "error", error: expect.stringMatching(/\S/) }, { name: "ticker", status: "loaded" }]);
      expect(lines.find((l) => l.event === "error")).toMatchObject({ plugin: "broken" });
      await running.stop();
    } finally {
      await dir.remove();
    }
  });

  it("takes eager loading from the config (GOATKIT_PLUGINS_EAGER), lazy without it", async () => {
    const dir = await pluginsDir();
    try {
      await writePlugin(dir.dir, "ticker", manifest("ticker"), watPlugin("ticker", "1.0.0", { tick: { text: "tock" } }));
      for (const [eager, status] of [["true", "loaded"], ["false", "discovered"]] as const) {
        const lines: HostProcessLine[] = [];
        const running = await runHostProcess({ pluginsDir: dir.dir, env: { GOATKIT_HOST_ID: "eager", GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_DEMO: "false", GOATKIT_PLUGINS_EAGER: eager }, port: 0, handleSignals: false, print: (line) => lines.push(line) });
        expect(lines.find((l) => l.event === "ready")?.plugins).toEqual([{ name: "ticker", status }]);
        await running.stop();
      }
    } finally {
      await dir.remove();
    }
  });
});
