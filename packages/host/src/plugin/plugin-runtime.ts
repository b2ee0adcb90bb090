import type { Manifest } from "@goatkit/sdk";

/** How a manifest's plugin runs: `runtime`, else its alias `type`, else WebAssembly. */
export function pluginRuntime(manifest: Pick<Manifest, "runtime" | "type"> | null | undefined): "wasm" | "grpc" {
  return (manifest?.runtime ?? manifest?.type) === "grpc" ? "grpc" : "wasm";
}
