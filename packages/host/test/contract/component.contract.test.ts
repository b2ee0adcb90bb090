import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/ts-kitchen-sink: TypeScript through the guest SDK, componentized by its build script.
describeKitchenSinkContract({
  dir: new URL("../../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname,
  binding: "component",
  trapMessage: /^trap threw Error: kitchen-sink trap requested$/,
});
