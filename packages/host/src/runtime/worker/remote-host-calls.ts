import type { HostErrorCode } from "@goatkit/sdk/abi";
import { HostCallError, hostCallBudgetError, isHostCallBudgetError, type ErrorEnvelope } from "../../host-functions/host-call-error.js";
import { hostFunction, JsonBytes, type GuestHostCalls, type HostArg } from "../../host-functions/host-function-table.js";
import type { HostCallName } from "../../host-functions/host-services.js";
import type { CacheMirrorReader } from "../../services/cache-mirror.js";
import type { LogBuffer } from "./log-buffer.js";
import { State, type Channel, type HostCallHeader, type ReplyHeader } from "./channel.js";

const decoder = new TextDecoder();
const textOf = (value: HostArg | undefined): string => (typeof value === "string" ? value : "");

/**
 * The host functions as seen from inside a worker: each call is sent over the channel as one
 * generic request (the table's row name and arguments) and the worker blocks until the host
 * thread answers. Same results and errors as HostCalls, except that `json` results arrive as
 * JsonBytes: the host's JSON text, handed to the guest without being parsed here. A `cache_get`
 * hit is answered here from the plugin's cache mirror when the host gave the worker one; log
 * lines go into the lane's log buffer, which the host empties (log-buffer.ts).
 */
export class RemoteHostCalls implements GuestHostCalls {
  lastError: ErrorEnvelope | null = null;
  /** Set once this call's host-call budget is spent (counted here or by the host): later calls fail the same way, without a round trip. */
  #budgetSpent: HostCallError | null = null;
  #logs = 0;
  /** Host calls of this handler call, answered here or by the host (log lines aside). */
  #calls = 0;
  /** Where log lines go without a round trip; one that does not fit goes as a host call. */
  #logBuffer: LogBuffer | null = null;

  constructor(
    private channel: Channel,
    private readonly limits: {
      /** Log lines the host keeps per call; one more is sent so the host can say it cut them. */
      maxLogsPerCall: number;
      /** The host's budget, which calls answered here count towards too. */
      maxHostCallsPerCall: number;
    },
    /** This plugin's cache mirror, when it may read its cache here. */
    private readonly cache: CacheMirrorReader | null = null,
  ) {}

  /** The lane of the call being served (the worker's lanes take turns): its channel and log lines. */
  useLane(channel: Channel, logs: LogBuffer): void {
    this.channel = channel;
    this.#logBuffer = logs;
  }

  /** Starts a handler call. */
  beginCall(): void {
    this.lastError = null;
    this.#budgetSpent = null;
    this.#logs = 0;
    this.#calls = 0;
  }

  call(fn: HostCallName, args: readonly HostArg[]): unknown {
    const entry = hostFunction(fn);
    if (!entry) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${fn}"`);
    // Log lines past the host's cut are dropped here; a log line never touches last_error.
    const logs = entry.result === "none";
    if (logs && ++this.#logs > this.limits.maxLogsPerCall + 1) return undefined;
    if (logs && this.#logBuffer?.append(textOf(args[0]), textOf(args[1]), textOf(args[2]))) return undefined;
    if (!logs && ++this.#calls > this.limits.maxHostCallsPerCall) this.#refuse(this.#budgetSpent ?? hostCallBudgetError(this.limits.maxHostCallsPerCall));
    if (fn === "cache_get" && this.cache && typeof args[0] === "string") {
      // The host's clock as of this call's start or its latest reply, as the host would read it.
      const hit = this.cache.get(args[0], this.channel.clock);
      if (hit) {
        this.lastError = null;
        return hit;
      }
    }
    const header: HostCallHeader = { fn, args: [] };
    const blobs: Uint8Array[] = [];
    for (let i = 0; i < entry.args.length; i++) {
      const value = args[i];
      if (entry.args[i]!.kind === "bytes") {
        const bytes = value instanceof Uint8Array ? value : new Uint8Array();
        blobs.push(bytes);
        header.args.push(bytes.byteLength);
      } else header.args.push(value === undefined || value instanceof Uint8Array ? null : value);
    }
    const raw = blobs.length === 0 ? null : blobs.length === 1 ? blobs[0]! : Buffer.concat(blobs);
    const reply = this.#send(header, raw, !logs);
    switch (reply.header.ok ? reply.header.kind : "void") {
      case "json":
        return new JsonBytes(reply.raw ?? new Uint8Array());
      case "text":
        return reply.raw ? decoder.decode(reply.raw) : "";
      case "bytes":
        return reply.raw ?? new Uint8Array();
      case "null":
        return null;
      default:
        return undefined;
    }
  }

  log(level: string, message: string, fieldsJson: string): void {
    this.call("log", [level, message, fieldsJson]);
  }

  #send(request: HostCallHeader, raw: Uint8Array | null, tracksError: boolean): { header: ReplyHeader; raw: Uint8Array | null } {
    this.channel.write(request, raw);
    this.channel.signal(State.HostCall);
    this.channel.waitFor(State.Reply);
    const reply = this.channel.read<ReplyHeader>();
    if (!reply.header.ok) {
      const error = new HostCallError(reply.header.code as HostErrorCode, reply.header.message);
      if (isHostCallBudgetError(error)) this.#refuse(error);
      this.lastError = error.envelope;
      throw error;
    }
    if (tracksError) this.lastError = null;
    return reply;
  }

  /** Fails this and every later host call of the handler call: its budget is spent. */
  #refuse(error: HostCallError): never {
    this.#budgetSpent = error;
    this.lastError = error.envelope;
    throw error;
  }
}
