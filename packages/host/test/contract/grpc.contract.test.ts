import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/ts-kitchen-sink again, the same source built by its build script as a gRPC process
// plugin (build/grpc/): the process binding, real processes, real sockets, the host service.
describeKitchenSinkContract({
  dir: new URL("../../../../fixtures/ts-kitchen-sink/build/grpc/", import.meta.url).pathname,
  binding: "grpc",
  trapMessage: /^trap failed: Error: kitchen-sink trap requested$/,
});
