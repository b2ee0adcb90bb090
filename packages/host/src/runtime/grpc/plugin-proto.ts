import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const require = createRequire(import.meta.url);

/** The published contract (packages/sdk/proto/plugin.proto), loaded as the tutorial loads it. */
export const PLUGIN_PROTO_PATH = require.resolve("@goatkit/sdk/proto/plugin.proto");
/** The standard grpc.health.v1 service, as the SDK ships it. */
const HEALTH_PROTO_PATH = require.resolve("@goatkit/sdk/proto/health.proto");

// Bytes stay Buffers, int64 become strings (ids beyond 2^53 survive), unset fields get defaults.
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type ClientConstructor = grpc.ServiceClientConstructor;

interface PluginPackage {
  PluginService: ClientConstructor;
  HostService: ClientConstructor;
}

let loaded: { plugin: PluginPackage; health: ClientConstructor } | null = null;

/** The plugin and health services, loaded once per host. */
export function protos(): { plugin: PluginPackage; health: ClientConstructor } {
  if (loaded) return loaded;
  const plugin = grpc.loadPackageDefinition(protoLoader.loadSync(PLUGIN_PROTO_PATH, LOADER_OPTIONS)).plugin as unknown as PluginPackage;
  const healthPackage = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO_PATH, LOADER_OPTIONS)) as unknown as { grpc: { health: { v1: { Health: ClientConstructor } } } };
  loaded = { plugin, health: healthPackage.grpc.health.v1.Health };
  return loaded;
}

/** Metadata key of the host error code on a failed host-service call. */
export const ERROR_CODE_KEY = "goatkit-error-code";
