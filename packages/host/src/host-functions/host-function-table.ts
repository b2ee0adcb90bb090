/**
 * The host functions, one row each: what every binding (core ABI, Extism, component, QuickJS,
 * GoatFlow, gRPC) and the worker relay need to know about a function to carry it. Adding a host
 * function is a row here plus its implementation on HostCalls; bindings map their import names
 * onto rows generically. Imported inside plugin workers: keep it free of services and the SDK's
 * validator (types only from "@goatkit/sdk/abi").
 */
import type { CapabilityPermission } from "@goatkit/sdk/abi";
import type { ErrorEnvelope } from "./host-call-error.js";
import type { HostCallName } from "./host-services.js";
import type { MaybePromise } from "../services/types.js";

/**
 * How an argument travels: `string` (UTF-8; a `(ptr, len)` pair in the core ABI), `bytes` (a
 * `(ptr, len)` pair), `u32` (one i32), `flag` (an optional boolean no ABI import passes; only
 * adapters with named arguments, such as GoatFlow's, set it).
 */
export type HostArgKind = "string" | "bytes" | "u32" | "flag";

/**
 * What a function answers and how a failure reaches the guest:
 * - `json`: a JSON value; guests get its JSON text, a failure the error envelope (WIT `err`).
 * - `bytes`: bytes or nothing (a miss); a failure is nothing, told apart by `last_error`.
 * - `status`: nothing; the core ABI answers an i32 code (0 for success).
 * - `text`: a string (plugin_call's target's raw result).
 * - `none`: nothing and never fails (log): unreadable arguments are kept, not refused.
 */
export type HostResultKind = "json" | "bytes" | "status" | "text" | "none";

/** An argument value as the table's kinds give it. */
export type HostArg = string | Uint8Array | number | boolean | undefined;

/** The HostCalls methods the table dispatches to. */
export type HostMethodName = "dbQuery" | "dbExec" | "cacheGet" | "cacheSet" | "cacheDelete" | "httpRequest" | "sendEmail" | "scheduleJob" | "pluginCall" | "publishEvent" | "log";

export interface HostFunctionEntry {
  /** The ABI import name (core ABI, Extism, GoatFlow's `host_call` name). */
  name: HostCallName;
  /** The HostCalls method that implements it; also the component's and QuickJS's import name. */
  method: HostMethodName;
  /** Arguments in call order. */
  args: readonly { name: string; kind: HostArgKind }[];
  result: HostResultKind;
  /** The grant it needs; `plugin:call:<target>` is checked per target; null: none. */
  grant: CapabilityPermission | "plugin:call:<target>" | null;
  /** Whether its service may answer with a promise (a guest on the host's thread then gets E_SERVICE). */
  async: boolean;
  /** In the typed ABI (core, Extism, component, QuickJS); false: GoatFlow's `host_call` only. */
  abi: boolean;
}

const str = (name: string) => ({ name, kind: "string" as const });

/** Every host function. Order is the ABI's (docs/abi.md). */
export const HOST_FUNCTION_TABLE = [
  { name: "db_query", method: "dbQuery", args: [str("sql"), str("args")], result: "json", grant: "db:read", async: true, abi: true },
  { name: "db_exec", method: "dbExec", args: [str("sql"), str("args")], result: "json", grant: "db:write", async: true, abi: true },
  { name: "cache_get", method: "cacheGet", args: [str("key")], result: "bytes", grant: "cache:read", async: true, abi: true },
  {
    name: "cache_set",
    method: "cacheSet",
    args: [str("key"), { name: "value", kind: "bytes" }, { name: "ttl", kind: "u32" }],
    result: "status",
    grant: "cache:write",
    async: true,
    abi: true,
  },
  { name: "cache_delete", method: "cacheDelete", args: [str("key")], result: "status", grant: "cache:write", async: true, abi: true },
  { name: "http_request", method: "httpRequest", args: [str("method"), str("url"), str("headers"), str("body")], result: "json", grant: "http:external", async: true, abi: true },
  {
    name: "send_email",
    method: "sendEmail",
    args: [str("to"), str("subject"), str("body"), str("attachments"), { name: "html", kind: "flag" }],
    result: "json",
    grant: "email:send",
    async: true,
    abi: true,
  },
  { name: "schedule_job", method: "scheduleJob", args: [str("cron"), str("handler"), str("payload")], result: "json", grant: "jobs:schedule", async: false, abi: true },
  { name: "log", method: "log", args: [str("level"), str("message"), str("fields")], result: "none", grant: null, async: false, abi: true },
  { name: "plugin_call", method: "pluginCall", args: [str("plugin"), str("function"), str("args")], result: "text", grant: "plugin:call:<target>", async: true, abi: false },
  { name: "publish_event", method: "publishEvent", args: [str("event_type"), str("data")], result: "status", grant: null, async: false, abi: false },
] as const satisfies readonly HostFunctionEntry[];

const BY_NAME = new Map<string, HostFunctionEntry>(HOST_FUNCTION_TABLE.map((e) => [e.name, e]));

/** The row of `name`, or undefined when there is no such host function. */
export function hostFunction(name: string): HostFunctionEntry | undefined {
  return BY_NAME.get(name);
}

/** The rows of the typed ABI (what core, Extism, component and QuickJS guests import). */
export const ABI_HOST_FUNCTIONS: readonly HostFunctionEntry[] = HOST_FUNCTION_TABLE.filter((e) => e.abi);

/**
 * Import names of the typed ABI (core `host`, `extism:host/user`) and the grant each needs:
 * the rows plus `last_error`, which every binding answers from its own state.
 */
export const ABI_IMPORTS: ReadonlyMap<string, { permission: CapabilityPermission | null }> = new Map([
  ...ABI_HOST_FUNCTIONS.map((e) => [e.name, { permission: e.grant === "plugin:call:<target>" ? null : e.grant }] as const),
  ["last_error", { permission: null }] as const,
]);

/**
 * A JSON result already as UTF-8 JSON text: what a worker gets from the host (the host
 * stringified it once), passed to the guest as it is instead of parsed and stringified again.
 */
export class JsonBytes {
  constructor(readonly bytes: Uint8Array) {}
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A `json` result as the guest's bytes. */
export function jsonBytesOf(value: unknown): Uint8Array {
  return value instanceof JsonBytes ? value.bytes : encoder.encode(JSON.stringify(value));
}

/** A `json` result as the guest's text. */
export function jsonTextOf(value: unknown): string {
  return value instanceof JsonBytes ? decoder.decode(value.bytes) : JSON.stringify(value);
}

/** A `json` result as a value, for adapters that reshape it (GoatFlow's db_exec). */
export function jsonValueOf(value: unknown): unknown {
  return value instanceof JsonBytes ? (JSON.parse(decoder.decode(value.bytes)) as unknown) : value;
}

/**
 * The host functions as a guest binding sees them: run on the host, or relayed from a worker.
 * `call` runs the row `fn` with arguments in the row's order; a `json` result may come as
 * JsonBytes. Failures throw HostCallError and are kept in `lastError`.
 */
export interface GuestHostCalls {
  lastError: ErrorEnvelope | null;
  call(fn: HostCallName, args: readonly HostArg[]): MaybePromise<unknown>;
  /** The plugin's log, also written by the runtimes themselves (AssemblyScript `trace`, WASI stdout). */
  log(level: string, message: string, fieldsJson: string): void;
}

/**
 * Reads a row's arguments with `read(kind, index)`. A row whose result is `none` (log) never
 * fails: reading stops at the first unreadable argument, which is kept as a note in the message.
 */
export function readHostArgs(entry: HostFunctionEntry, read: (kind: HostArgKind, index: number) => HostArg): HostArg[] {
  const args: HostArg[] = [];
  if (entry.result !== "none") {
    for (let i = 0; i < entry.args.length; i++) args.push(read(entry.args[i]!.kind, i));
    return args;
  }
  // log(level, message, fields): what could be read, "info" for an unreadable level.
  const lenient: HostArg[] = ["info", "", ""];
  try {
    for (let i = 0; i < entry.args.length; i++) lenient[i] = read(entry.args[i]!.kind, i);
  } catch (error) {
    lenient[1] ||= `(unreadable log message: ${error instanceof Error ? error.message : String(error)})`;
  }
  return lenient;
}
