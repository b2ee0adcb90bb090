import { messageOf } from "../../errors.js";
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { HostCallError } from "../../host-functions/host-call-error.js";
import type { HostCalls } from "../../host-functions/host-calls.js";
import { jsonBytesOf, type HostArg } from "../../host-functions/host-function-table.js";
import type { HostCallName } from "../../host-functions/host-services.js";
import type { ExecResult, HttpResponseSpec, MaybePromise } from "../../services/types.js";
import { ERROR_CODE_KEY, protos } from "./plugin-proto.js";

type Message = Record<string, unknown>;
type Handler = (request: Message) => MaybePromise<Message>;

const STATUS_OF: Record<string, grpc.status> = {
  E_PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  E_INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  E_LIMIT_EXCEEDED: grpc.status.RESOURCE_EXHAUSTED,
  E_SERVICE: grpc.status.UNAVAILABLE,
};

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString("utf8") : typeof value === "string" ? value : "");
const bytes = (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === "string" ? value : ""));

/**
 * The host service one plugin process dials back (proto `plugin.HostService`): every method
 * runs through the plugin's HostCalls, so grants, denial envelopes and log lines are those of
 * WebAssembly plugins. It listens on a socket in the plugin's private directory and answers
 * only calls that carry the token of the process the host started last.
 */
export class HostService {
  #token = "";

  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
    private readonly calls: () => HostCalls,
  ) {}

  /** Starts the service on `socketPath`; `calls` gives the HostCalls of the call in progress. */
  static async listen(socketPath: string, calls: () => HostCalls): Promise<HostService> {
    const server = new grpc.Server();
    const address = `unix://${socketPath}`;
    const service = new HostService(server, address, calls);
    server.addService(protos().plugin.HostService.service, service.#implementation());
    await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
    return service;
  }

  /** A fresh secret for a newly started process; the previous process's token stops working. */
  rotateToken(): string {
    this.#token = randomBytes(32).toString("base64url");
    return this.#token;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  #implementation(): grpc.UntypedServiceImplementation {
    // Each proto method names its table row (host-function-table.ts) and maps the message's fields
    // to the row's arguments and the result to the reply.
    const run = <T>(fn: HostCallName, args: HostArg[], reply: (value: T) => Message): MaybePromise<Message> => then(this.calls().call(fn, args) as MaybePromise<T>, reply);
    const methods: Record<string, Handler> = {
      DBQuery: (r) => run("db_query", [text(r.query), text(r.args)], (rows: unknown) => ({ rows: Buffer.from(jsonBytesOf(rows)) })),
      DBExec: (r) =>
        run("db_exec", [text(r.query), text(r.args)], (res: ExecResult) => ({ rows_affected: res.rows_affected, last_insert_id: res.last_insert_id === null ? "" : String(res.last_insert_id) })),
      HTTPRequest: (r) => {
        const headers = (r.headers ?? {}) as Record<string, string>;
        const headersJson = Object.keys(headers).length === 0 ? "" : JSON.stringify(headers);
        return run("http_request", [text(r.method), text(r.url), headersJson, text(r.body)], (res: HttpResponseSpec) => ({
          status: res.status,
          headers: res.headers,
          body: res.body_base64 ? Buffer.from(res.body_base64, "base64") : Buffer.from(res.body ?? ""),
        }));
      },
      SendEmail: (r) => run("send_email", [JSON.stringify(r.to ?? []), text(r.subject), text(r.body), text(r.attachments)], (res: { id: string }) => ({ id: res.id })),
      CacheGet: (r) => run("cache_get", [text(r.key)], (value: Uint8Array | null) => (value === null ? { found: false, value: Buffer.alloc(0) } : { found: true, value: Buffer.from(value) })),
      CacheSet: (r) => run("cache_set", [text(r.key), new Uint8Array(bytes(r.value)), Number(r.ttl ?? 0)], () => ({})),
      CacheDelete: (r) => run("cache_delete", [text(r.key)], () => ({})),
      ScheduleJob: (r) => run("schedule_job", [text(r.schedule), text(r.handler), text(r.payload)], (res: { id: string; next_run: string | null }) => ({ id: res.id, next_run: res.next_run ?? "" })),
      Log: (r) => {
        const fields = (r.fields ?? {}) as Record<string, string>;
        return run("log", [text(r.level), text(r.message), Object.keys(fields).length === 0 ? "" : JSON.stringify(fields)], () => ({}));
      },
    };
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(methods)) {
      implementation[name] = (call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
        if (!this.#authorized(call.metadata)) {
          callback({ code: grpc.status.UNAUTHENTICATED, details: "the host service refused the call: it carries no valid token; send `authorization: Bearer <token>` with the token SetHost gave this process" });
          return;
        }
        let result: MaybePromise<Message>;
        try {
          result = handler(call.request);
        } catch (error) {
          callback(statusOf(error));
          return;
        }
        if (result instanceof Promise) result.then((value) => callback(null, value), (error: unknown) => callback(statusOf(error)));
        else callback(null, result);
      };
    }
    return implementation;
  }

  #authorized(metadata: grpc.Metadata): boolean {
    const [value] = metadata.get("authorization");
    if (typeof value !== "string" || this.#token === "") return false;
    const given = Buffer.from(value.replace(/^Bearer\s+/i, ""));
    const expected = Buffer.from(this.#token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function then<T, U>(value: MaybePromise<T>, fn: (v: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** A host-call failure as a gRPC status carrying the host error code. */
function statusOf(error: unknown): Partial<grpc.StatusObject> {
  const hostError = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", messageOf(error));
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_KEY, hostError.code);
  return { code: STATUS_OF[hostError.code] ?? grpc.status.UNKNOWN, details: hostError.message, metadata };
}
