import type { HostErrorCode } from "@goatkit/sdk/abi";
import { HostCallError, type ErrorEnvelope } from "../../host-functions/host-call-error.js";
import { hostFunction, JsonBytes, type GuestHostCalls, type HostArg } from "../../host-functions/host-function-table.js";
import type { HostCallName } from "../../host-functions/host-services.js";
import { State, type Channel, type HostCallHeader, type ReplyHeader } from "./channel.js";

const decoder = new TextDecoder();

/**
 * The host functions as seen from inside a worker: each call is sent over the channel as one
 * generic request (the table's row name and arguments) and the worker blocks until the host
 * thread answers. Same results and errors as HostCalls, except that `json` results arrive as
 * JsonBytes: the host's JSON text, handed to the guest without being parsed here.
 */
export class RemoteHostCalls implements GuestHostCalls {
  lastError: ErrorEnvelope | null = null;
  /** Set when the host cut this call's host calls off: later ones fail here, without a round trip. */
  #budgetSpent: HostCallError | null = null;
  #logs = 0;

  constructor(
    private readonly channel: Channel,
    /** Log lines the host keeps per call; one more is sent so the host can say it cut them. */
    private readonly maxLogsPerCall: number,
  ) {}

  /** Starts a handler call. */
  beginCall(): void {
    this.lastError = null;
    this.#budgetSpent = null;
    this.#logs = 0;
  }

  call(fn: HostCallName, args: readonly HostArg[]): unknown {
    const entry = hostFunction(fn);
    if (!entry) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${fn}"`);
    // Log lines past the host's cut are dropped here; a log line never touches last_error.
    const logs = entry.result === "none";
    if (logs && ++this.#logs > this.maxLogsPerCall + 1) return undefined;
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
    if (this.#budgetSpent && tracksError) {
      this.lastError = this.#budgetSpent.envelope;
      throw this.#budgetSpent;
    }
    this.channel.write(request, raw);
    this.channel.signal(State.HostCall);
    this.channel.waitFor(State.Reply);
    const reply = this.channel.read<ReplyHeader>();
    if (!reply.header.ok) {
      const error = new HostCallError(reply.header.code as HostErrorCode, reply.header.message);
      this.lastError = error.envelope;
      if (error.code === "E_LIMIT_EXCEEDED" && error.message.includes("host calls in one handler call")) this.#budgetSpent = error;
      throw error;
    }
    if (tracksError) this.lastError = null;
    return reply;
  }
}
