import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/extism-kitchen-sink: AssemblyScript on the Extism kernel, host functions through
// extism:host/user; its `trap` fails the Extism way (error_set), as an uncaught exception in a
// js-pdk plugin does.
describeKitchenSinkContract({
  dir: new URL("../../../../fixtures/extism-kitchen-sink/", import.meta.url).pathname,
  binding: "extism",
  trapMessage: /^trap failed: kitchen-sink trap requested$/,
});
