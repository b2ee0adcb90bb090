/**
 * The process binding (docs/grpc.md): the plugin is a process serving `plugin.PluginService`
 * and `grpc.health.v1.Health` on the unix socket named by GOATFLOW_PLUGIN_SOCKET, and reaching
 * the host functions through the host's `plugin.HostService`, whose address and token arrive
 * with SetHost.
 *
 * Handlers stay synchronous, as on WebAssembly: a host function blocks the handler's thread
 * (Atomics.wait) while a worker thread makes the gRPC call and hands the answer back through
 * `receiveMessageOnPort`. Handlers may also be async here: a returned Promise is awaited.
 */
import { MessageChannel, receiveMessageOnPort, Worker, isMainThread, workerData, type MessagePort } from "node:worker_threads";
import * as grpc from "@grpc/grpc-js";
import { callHandlerAsync, type CallOutcome } from "../dispatch.js";
import { hostError } from "../errors.js";
import { useHostBinding, type HostBinding } from "../host-binding.js";
import { isPluginDefinition, registrationText, type PluginDefinition } from "../plugin.js";
import { loadProtos } from "./process-protos.js";

type Message = Record<string, unknown>;
type Reply = { ok: true; response: Message } | { ok: false; code: string; message: string };

/** workerData key that makes a load of this module the host-call thread instead of a plugin. */
const WORKER_KEY = "goatkitHostCalls";
const SERVICES_KEY = "plugin";

interface WorkerStart {
  [WORKER_KEY]: true;
  port: MessagePort;
  flag: Int32Array;
}

/** The blocking side of the host-call thread. */
class HostCallBridge {
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #worker: Worker;

  constructor(address: string, token: string) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const data: WorkerStart = { [WORKER_KEY]: true, port: port2, flag: this.#flag };
    // The worker is this same file (one bundle): it notices WORKER_KEY and serves host calls.
    this.#worker = new Worker(new URL(import.meta.url), { workerData: { ...data, address, token }, transferList: [port2] });
    this.#worker.unref();
  }

  call(method: string, request: Message): Message {
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage({ method, request });
    if (Atomics.wait(this.#flag, 0, 0, 120_000) === "timed-out") throw hostError("E_SERVICE", `${method}: the host service did not answer within 120 s`);
    const reply = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
    if (!reply) throw hostError("E_SERVICE", `${method}: no answer from the host-call thread`);
    if (!reply.ok) throw hostError(reply.code, reply.message);
    return reply.response;
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** The host-call thread: one gRPC client, one call at a time, answers posted back. */
function serveHostCalls(start: WorkerStart & { address: string; token: string }): void {
  const { HostService } = grpc.loadPackageDefinition(loadProtos())[SERVICES_KEY] as unknown as { HostService: grpc.ServiceClientConstructor };
  const client = new HostService(start.address, grpc.credentials.createInsecure()) as unknown as Record<string, (r: Message, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: Message) => void) => void>;
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${start.token}`);
  start.port.on("message", ({ method, request }: { method: string; request: Message }) => {
    client[method]!(request, metadata, (error, response) => {
      let reply: Reply;
      if (error) {
        const [code] = error.metadata?.get("goatkit-error-code") ?? [];
        reply = { ok: false, code: typeof code === "string" ? code : "E_SERVICE", message: typeof code === "string" ? error.details : `${method} failed: ${error.details || error.message}` };
      } else {
        reply = { ok: true, response };
      }
      start.port.postMessage(reply);
      Atomics.store(start.flag, 0, 1);
      Atomics.notify(start.flag, 0);
    });
  });
}

const text = (value: unknown): string => (Buffer.isBuffer(value) || value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : String(value ?? ""));
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The HostBinding contract (JSON text in and out) over the proto's messages. */
function processHost(bridge: () => HostCallBridge): HostBinding {
  const call = (method: string, request: Message) => bridge().call(method, request);
  return {
    dbQuery: (sql, args) => text(call("DBQuery", { query: sql, args: Buffer.from(args) }).rows),
    dbExec(sql, args) {
      const res = call("DBExec", { query: sql, args: Buffer.from(args) });
      const id = String(res.last_insert_id ?? "");
      const numeric = id === "" ? null : Number.isSafeInteger(Number(id)) ? Number(id) : id;
      return JSON.stringify({ rows_affected: Number(res.rows_affected), last_insert_id: numeric });
    },
    cacheGet(key) {
      const res = call("CacheGet", { key });
      return res.found ? new Uint8Array(res.value as Buffer) : null;
    },
    cacheSet: (key, value, ttl) => void call("CacheSet", { key, value: Buffer.from(value), ttl }),
    cacheDelete: (key) => void call("CacheDelete", { key }),
    httpRequest(method, url, headersJson, body) {
      const res = call("HTTPRequest", { method, url, headers: headersJson === "" ? {} : JSON.parse(headersJson), body: Buffer.from(body) });
      const bytes = res.body as Buffer;
      let decoded: string | null;
      try {
        decoded = utf8.decode(bytes);
      } catch {
        decoded = null;
      }
      return JSON.stringify({ status: res.status, headers: res.headers, ...(decoded === null ? { body: "", body_base64: bytes.toString("base64") } : { body: decoded }) });
    },
    sendEmail(to, subject, body, attachments) {
      const list = to.trim().startsWith("[") ? (JSON.parse(to) as string[]) : to.split(",").map((x) => x.trim()).filter(Boolean);
      return JSON.stringify(call("SendEmail", { to: list, subject, body, attachments: Buffer.from(attachments) }));
    },
    scheduleJob(schedule, handler, payload) {
      const res = call("ScheduleJob", { schedule, handler, payload: Buffer.from(payload) });
      return JSON.stringify({ id: res.id, next_run: res.next_run === "" ? null : res.next_run });
    },
    log(level, message, fieldsJson) {
      // LogRequest.fields is map<string, string>: other values travel as their JSON.
      const fields: Record<string, string> = {};
      if (fieldsJson !== "") {
        for (const [k, v] of Object.entries(JSON.parse(fieldsJson) as Record<string, unknown>)) fields[k] = typeof v === "string" ? v : JSON.stringify(v);
      }
      try {
        call("Log", { level, message, fields });
      } catch {
        // Logging never fails for the plugin.
      }
    },
  };
}

export interface ProcessPlugin {
  /** The socket the plugin listens on. */
  socketPath: string;
  /** Stops serving (what SIGTERM and SIGINT do). */
  stop(): Promise<void>;
}

/**
 * Serves a plugin definition as a gRPC process plugin; the generated entry of a `grpc` build
 * calls it. Resolves once the server listens; in the host-call thread it does nothing.
 */
export async function serveProcess(definition: unknown): Promise<ProcessPlugin | null> {
  if (!isMainThread && (workerData as Partial<WorkerStart> | null)?.[WORKER_KEY]) return null;
  if (!isPluginDefinition(definition)) {
    throw new TypeError("the plugin entry must `export default definePlugin({ register, handlers })` from @goatkit/sdk/guest");
  }
  const plugin: PluginDefinition = definition;
  const socketPath = process.env.GOATFLOW_PLUGIN_SOCKET ?? process.env.GOATKIT_PLUGIN_SOCKET;
  if (!socketPath) {
    throw new Error("GOATFLOW_PLUGIN_SOCKET is not set: the host starts gRPC plugins with it; to run the plugin by hand, set it to a socket path, e.g. GOATFLOW_PLUGIN_SOCKET=/tmp/test-plugin.sock");
  }
  let bridge: HostCallBridge | null = null;
  useHostBinding(
    processHost(() => {
      if (!bridge) throw hostError("E_SERVICE", "the host has not called SetHost yet, so host functions are not connected");
      return bridge;
    }),
  );
  const definitions = grpc.loadPackageDefinition(loadProtos());
  const { PluginService } = definitions[SERVICES_KEY] as unknown as { PluginService: grpc.ServiceClientConstructor };
  const { Health } = (definitions.grpc as unknown as { health: { v1: { Health: grpc.ServiceClientConstructor } } }).health.v1;
  const server = new grpc.Server();
  const handlerNames = Object.keys(plugin.handlers);

  server.addService(PluginService.service, {
    SetHost(call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) {
      const previous = bridge;
      bridge = new HostCallBridge(String(call.request.address), String(call.request.token));
      void previous?.close();
      callback(null, {});
    },
    Register(_call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) {
      try {
        const registration = registrationText(plugin);
        const doc = JSON.parse(registration) as { name?: string; version?: string; description?: string };
        callback(null, { name: doc.name ?? "", version: doc.version ?? "", description: doc.description ?? "", registration, handlers: handlerNames });
      } catch (error) {
        callback({ code: grpc.status.UNKNOWN, details: `register failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    },
    Call(call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) {
      const handler = String(call.request.function);
      const answer = (outcome: CallOutcome) => {
        if (outcome.kind === "result") callback(null, { result: Buffer.from(outcome.text) });
        else if (outcome.kind === "unknown-handler") callback({ code: grpc.status.NOT_FOUND, details: `no handler named "${handler}"; the plugin has ${handlerNames.join(", ")}` });
        else callback({ code: grpc.status.UNKNOWN, details: outcome.description });
      };
      const outcome = callHandlerAsync(plugin, handler, text(call.request.args));
      if (outcome instanceof Promise) void outcome.then(answer);
      else answer(outcome);
    },
  });
  // The standard health service: SERVING for the server ("") and for "plugin", as the tutorial's Go plugin reports.
  server.addService(Health.service, {
    Check(call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) {
      const service = String(call.request.service ?? "");
      if (service === "" || service === "plugin") callback(null, { status: "SERVING" });
      else callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
    },
    Watch(call: grpc.ServerWritableStream<Message, Message>) {
      call.write({ status: "SERVING" });
    },
  });

  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
  const stop = async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await bridge?.close();
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
  return { socketPath, stop };
}

if (!isMainThread && (workerData as Partial<WorkerStart> | null)?.[WORKER_KEY]) serveHostCalls(workerData as WorkerStart & { address: string; token: string });
