/**
 * plugin.proto and health.proto, inlined as text when the SDK is built, so that a plugin
 * bundled to one file carries its contract and needs no files beside it.
 */
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import healthProto from "../../../proto/health.proto";
import pluginProto from "../../../proto/plugin.proto";

const OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export function loadProtos(): protoLoader.PackageDefinition {
  const root = new protobuf.Root();
  protobuf.parse(pluginProto, root, { keepCase: true });
  protobuf.parse(healthProto, root, { keepCase: true });
  return protoLoader.fromJSON(root.toJSON(), OPTIONS);
}
