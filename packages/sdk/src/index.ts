export {
  ABI_VERSION,
  HOST_MODULE,
  RESERVED_EXPORTS,
  CAPABILITY_PERMISSIONS,
  TABLE_WRITE_PERMISSION,
  PLUGIN_CALL_PERMISSION,
  ERROR_CODES,
  HOST_FUNCTIONS,
  LOG_LEVELS,
  packPtrLen,
  unpackPtrLen,
} from "./abi.js";
export type { CapabilityPermission, HostErrorCode, HostFunctionSpec, HostFunctionName, LogLevel } from "./abi.js";
export * from "./manifest/index.js";
export * from "./registration/index.js";
export * from "./build/index.js";
