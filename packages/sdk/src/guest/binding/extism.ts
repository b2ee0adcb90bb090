/**
 * The Extism binding (docs/wit.md, "Extism"): host functions from the `extism:host/user`
 * imports, called with Extism memory offsets through the js-pdk globals `Host` and `Memory`;
 * handlers exported one by one, reading the request with `Host.inputString()` and answering
 * with `Host.outputString()`. The build links this module into Extism plugins only and
 * compiles them with `extism-js`; it type-checks against @extism/js-pdk (tsconfig.extism.json).
 */
import { callHandler } from "../dispatch.js";
import { hostError } from "../errors.js";
import { useHostBinding, type HostBinding } from "../host-binding.js";
import { isPluginDefinition, registrationText, type PluginDefinition } from "../plugin.js";

declare module "extism:host" {
  interface user {
    db_query(sql: PTR, args: PTR): PTR;
    db_exec(sql: PTR, args: PTR): PTR;
    cache_get(key: PTR): PTR;
    cache_set(key: PTR, value: PTR, ttlSeconds: I32): I32;
    cache_delete(key: PTR): I32;
    http_request(method: PTR, url: PTR, headers: PTR, body: PTR): PTR;
    send_email(to: PTR, subject: PTR, body: PTR, attachments: PTR): PTR;
    schedule_job(cron: PTR, handler: PTR, payload: PTR): PTR;
    log(level: PTR, message: PTR, fields: PTR): void;
    last_error(): PTR;
  }
}

/** An argument block; offset 0 is the ABI's "none", used for "". */
function stored(text: string): PTR {
  return text === "" ? 0 : Memory.fromString(text).offset;
}

function storedBytes(bytes: Uint8Array): PTR {
  if (bytes.byteLength === 0) return 0;
  return Memory.fromBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).offset;
}

function release(...offsets: PTR[]): void {
  for (const offset of offsets) if (Number(offset) !== 0) Memory.find(offset).free();
}

/** Reads and frees a result block; null for offset 0. */
function take(offset: PTR): MemoryHandle | null {
  return Number(offset) === 0 ? null : Memory.find(offset);
}

function takeText(offset: PTR): string | null {
  const handle = take(offset);
  if (handle === null) return null;
  const text = handle.readString();
  handle.free();
  return text;
}

/** The failure of the most recent host call, as the HostError to throw. */
function lastError(fn: string): Error {
  const text = takeText(Host.getFunctions().last_error());
  const envelope = text === null ? null : (JSON.parse(text) as { error?: string; code?: string });
  return hostError(envelope?.code ?? "E_SERVICE", envelope?.error ?? `${fn} failed without saying why`);
}

/** A host function answering JSON: its text, or the error envelope it returned, thrown. */
function jsonResult(fn: string, offset: PTR): string {
  const text = takeText(offset);
  if (text === null) throw hostError("E_SERVICE", `${fn} returned nothing`);
  if (text.startsWith("{")) {
    const parsed = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof parsed.error === "string") throw hostError(typeof parsed.code === "string" ? parsed.code : "E_SERVICE", parsed.error);
  }
  return text;
}

function call<T>(args: PTR[], fn: () => T): T {
  try {
    return fn();
  } finally {
    release(...args);
  }
}

const extismHost: HostBinding = {
  dbQuery(sql, argsJson) {
    const a = [stored(sql), stored(argsJson)] as const;
    return call([...a], () => jsonResult("db_query", Host.getFunctions().db_query(a[0], a[1])));
  },
  dbExec(sql, argsJson) {
    const a = [stored(sql), stored(argsJson)] as const;
    return call([...a], () => jsonResult("db_exec", Host.getFunctions().db_exec(a[0], a[1])));
  },
  cacheGet(key) {
    const k = stored(key);
    return call([k], () => {
      const handle = take(Host.getFunctions().cache_get(k));
      if (handle !== null) {
        const bytes = new Uint8Array(handle.readBytes());
        handle.free();
        return bytes;
      }
      // 0 is a miss or a failure; last_error tells them apart.
      const error = Host.getFunctions().last_error();
      if (Number(error) === 0) return null;
      const text = takeText(error)!;
      const envelope = JSON.parse(text) as { error: string; code: string };
      throw hostError(envelope.code, envelope.error);
    });
  },
  cacheSet(key, value, ttlSeconds) {
    const a = [stored(key), storedBytes(value)] as const;
    call([...a], () => {
      if (Host.getFunctions().cache_set(a[0], a[1], ttlSeconds) !== 0) throw lastError("cache_set");
    });
  },
  cacheDelete(key) {
    const k = stored(key);
    call([k], () => {
      if (Host.getFunctions().cache_delete(k) !== 0) throw lastError("cache_delete");
    });
  },
  httpRequest(method, url, headersJson, body) {
    const a = [stored(method), stored(url), stored(headersJson), stored(body)] as const;
    return call([...a], () => jsonResult("http_request", Host.getFunctions().http_request(a[0], a[1], a[2], a[3])));
  },
  sendEmail(to, subject, body, attachmentsJson) {
    const a = [stored(to), stored(subject), stored(body), stored(attachmentsJson)] as const;
    return call([...a], () => jsonResult("send_email", Host.getFunctions().send_email(a[0], a[1], a[2], a[3])));
  },
  scheduleJob(cron, handler, payloadJson) {
    const a = [stored(cron), stored(handler), stored(payloadJson)] as const;
    return call([...a], () => jsonResult("schedule_job", Host.getFunctions().schedule_job(a[0], a[1], a[2])));
  },
  log(level, message, fieldsJson) {
    const a = [stored(level), stored(message), stored(fieldsJson)] as const;
    call([...a], () => Host.getFunctions().log(a[0], a[1], a[2]));
  },
};

/** What the generated Extism entry exports: `gk_register` and one function per handler. */
export interface ExtismExports {
  register(): number;
  call(handler: string): number;
}

export function serveExtism(definition: unknown): ExtismExports {
  if (!isPluginDefinition(definition)) {
    throw new TypeError("the plugin entry must `export default definePlugin({ register, handlers })` from @goatkit/sdk/guest");
  }
  useHostBinding(extismHost);
  const plugin: PluginDefinition = definition;
  return {
    register() {
      Host.outputString(registrationText(plugin));
      return 0;
    },
    call(handler) {
      const outcome = callHandler(plugin, handler, Host.inputString());
      if (outcome.kind === "unknown-handler") throw new Error(`no handler named "${handler}"`);
      // extism-js reports an exception as the call's error, which the host answers as E_TRAP.
      if (outcome.kind === "uncaught") throw new Error(outcome.description);
      if (outcome.text !== "") Host.outputString(outcome.text);
      return 0;
    },
  };
}
