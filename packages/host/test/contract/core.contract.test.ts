import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/as-kitchen-sink: AssemblyScript on the core ABI, built by asc during `pnpm build`.
describeKitchenSinkContract({
  dir: new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname,
  binding: "core",
  trapMessage: /^trap aborted: kitchen-sink trap requested at assembly\/index\.ts:\d+:\d+$/,
});
