import { describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/as-kitchen-sink: AssemblyScript on the core ABI, built by asc during `pnpm build`.
const core = {
  dir: new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname,
  binding: "core" as const,
  trapMessage: /^trap aborted: kitchen-sink trap requested at assembly\/index\.ts:\d+:\d+$/,
};
describeKitchenSinkContract(core);
// The trusted mode: the same contract on the host's own thread.
describeKitchenSinkContract({ ...core, load: { isolation: "in-process" } });

// Only the core ABI has a bare `unreachable` to reach: a trap that is not an abort.
describe("core kitchen-sink: a wasm trap without a message", () => {
  it.each(["worker", "in-process"] as const)("is E_TRAP naming the trap, and the next call works (%s)", async (isolation) => {
    const host = await createHost({ database: { demo: { tickets: 10 } }, isolation });
    try {
      await host.load(core.dir);
      const res = await host.call("kitchen-sink", "trap", { query: { mode: "unreachable" } });
      expect(res.error?.code).toBe("E_TRAP");
      expect(res.error?.message).toMatch(/^trap trapped: unreachable/);
      expect((await host.call("kitchen-sink", "nothing")).status).toBe(204);
    } finally {
      await host.close();
    }
  });
});
