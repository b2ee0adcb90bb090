import { defineConfig } from "tsup";

export default defineConfig({
  // `abi` is the ABI's constants alone: hosts' plugin workers import it without the
  // validator's dependencies.
  entry: { index: "src/index.ts", abi: "src/abi.ts" },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
});
