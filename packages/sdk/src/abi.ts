/**
 * Constants of the GoatKit core ABI v1 (docs/abi.md) and the host-function table shared by
 * every binding. The host, the validator and the CLI read these; nothing else restates them.
 */

/** The ABI major version this SDK speaks. */
export const ABI_VERSION = 1;

/** The import module every core-ABI host function lives in. */
export const HOST_MODULE = "host";

/** Guest exports reserved by the ABI; handlers may not use these names or the `gk_` prefix. */
export const RESERVED_EXPORTS = ["memory", "gk_alloc", "gk_register", "gk_abi_version", "_initialize", "_start"] as const;

/** Capability permissions a manifest can grant. `db:write:<table>` extends writes to one core table. */
export const CAPABILITY_PERMISSIONS = [
  "db:read",
  "db:write",
  "cache:read",
  "cache:write",
  "http:external",
  "email:send",
  "jobs:schedule",
] as const;
export type CapabilityPermission = (typeof CAPABILITY_PERMISSIONS)[number];

/** Pattern of a scoped write grant on a table the plugin does not own. */
export const TABLE_WRITE_PERMISSION = /^db:write:([a-z_][a-z0-9_]*)$/;

/** Pattern of a grant to call another plugin's functions through GoatFlow's `plugin_call` (docs/goatflow.md). */
export const PLUGIN_CALL_PERMISSION = /^plugin:call:([a-z0-9][a-z0-9_-]*)$/;

/** i32 codes returned by `cache_set` / `cache_delete`; the names appear in error envelopes. */
export const ERROR_CODES = {
  E_PERMISSION_DENIED: 1,
  E_INVALID_ARGUMENT: 2,
  E_LIMIT_EXCEEDED: 3,
  E_SERVICE: 4,
} as const;
export type HostErrorCode = keyof typeof ERROR_CODES;

type ValType = "i32" | "i64" | "f64";

export interface HostFunctionSpec {
  /** Import name in module `host`. */
  name: string;
  /** Parameter types, in order. */
  params: readonly ValType[];
  /** Result types (empty for none). */
  results: readonly ValType[];
  /** Permission the call needs; `null` for always allowed. */
  permission: CapabilityPermission | null;
}

const i32 = "i32" as const;
const i64 = "i64" as const;

/** Every import of module `host`, with the permission it needs (docs/host-functions.md). */
export const HOST_FUNCTIONS = [
  { name: "db_query", params: [i32, i32, i32, i32], results: [i64], permission: "db:read" },
  { name: "db_exec", params: [i32, i32, i32, i32], results: [i64], permission: "db:write" },
  { name: "cache_get", params: [i32, i32], results: [i64], permission: "cache:read" },
  { name: "cache_set", params: [i32, i32, i32, i32, i32], results: [i32], permission: "cache:write" },
  { name: "cache_delete", params: [i32, i32], results: [i32], permission: "cache:write" },
  { name: "http_request", params: [i32, i32, i32, i32, i32, i32, i32, i32], results: [i64], permission: "http:external" },
  { name: "send_email", params: [i32, i32, i32, i32, i32, i32, i32, i32], results: [i64], permission: "email:send" },
  { name: "schedule_job", params: [i32, i32, i32, i32, i32, i32], results: [i64], permission: "jobs:schedule" },
  { name: "log", params: [i32, i32, i32, i32, i32, i32], results: [], permission: null },
  { name: "last_error", params: [], results: [i64], permission: null },
] as const satisfies readonly HostFunctionSpec[];

export type HostFunctionName = (typeof HOST_FUNCTIONS)[number]["name"];

/** Log levels a plugin may use; anything else is logged as `info` with the given level kept as a field. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Packs a pointer and a length into the `ptr << 32 | len` i64 of the ABI. */
export function packPtrLen(ptr: number, len: number): bigint {
  return (BigInt(ptr >>> 0) << 32n) | BigInt(len >>> 0);
}

/** Splits a packed i64 into its pointer and length; `0n` gives `{ ptr: 0, len: 0 }` ("nothing"). */
export function unpackPtrLen(packed: bigint): { ptr: number; len: number } {
  const u = BigInt.asUintN(64, packed);
  return { ptr: Number(u >> 32n), len: Number(u & 0xffff_ffffn) };
}

/**
 * The QuickJS binding (docs/abi.md, "The QuickJS binding"): a plugin is a WebAssembly module
 * with no code of its own, whose custom sections hold its bundled JavaScript and a description;
 * the host runs that script on its one shared JavaScript engine module.
 */
export const QUICKJS_SECTION = "goatkit:quickjs";
/** The custom section holding the plugin's script (UTF-8). */
export const QUICKJS_CODE_SECTION = "goatkit:quickjs/script";
/** The global the host's host functions are installed under, in the plugin's JS context. */
export const QUICKJS_HOST_GLOBAL = "__goatkitHost";
/** The global the plugin's script assigns its exports (`register`, `handlers`, `call`) to. */
export const QUICKJS_PLUGIN_GLOBAL = "__goatkitPlugin";
/** What the metadata section holds. */
export interface QuickjsPluginMeta {
  /** The GoatKit ABI major version the script speaks. */
  abi: number;
  /** The engine the script is written for. */
  engine: "quickjs-ng";
  /** Handler names, as the build found them. */
  handlers: string[];
}
