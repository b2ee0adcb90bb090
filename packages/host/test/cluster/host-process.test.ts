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
      expect(lines.find((l) => l.event === "ready")).toMatchObject({ host: "solo", cluster: false, database: "sqlite", plugins: [{ name: "ticker", status: "loaded" }] });
      await eventually(() => lines.filter((l) => l.event === "run" && l.status === "succeeded").length >= 2, 5000, "two runs of the every-second job");
      await running.stop();
      expect(lines.at(-1)).toMatchObject({ event: "stopped", host: "solo" });
      const runs = lines.filter((l) => l.event === "run" && l.status === "succeeded");
      expect(new Set(runs.map((l) => l.tick)).size).toBe(runs.length);
      expect(runs[0]).toMatchObject({ plugin: "ticker", job: "tick", attempt: 1, trigger: "schedule" });
    } finally {
      await dir.remove();
    }
  });
});
