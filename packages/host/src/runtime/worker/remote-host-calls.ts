import type { HostErrorCode } from "@goatkit/sdk/abi";
import { HostCallError, type ErrorEnvelope } from "../../host-functions/host-call-error.js";
import type { GuestHostCalls } from "../../host-functions/host-calls.js";
import type { ExecResult, HttpResponseSpec, Row } from "../../services/types.js";
import { State, type Channel, type HostCallHeader, type ReplyHeader } from "./channel.js";

/**
 * The host functions as seen from inside a worker: each call is sent over the channel and the
 * worker blocks until the host thread answers. Same signatures and errors as HostCalls.
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

  dbQuery(sql: string, argsJson: string): Row[] {
    return this.#json("dbQuery", [sql, argsJson]) as Row[];
  }

  dbExec(sql: string, argsJson: string): ExecResult {
    return this.#json("dbExec", [sql, argsJson]) as ExecResult;
  }

  cacheGet(key: string): Uint8Array | null {
    const { raw } = this.#send({ fn: "cacheGet", args: [key] });
    return raw;
  }

  cacheSet(key: string, value: Uint8Array, ttlSeconds: number): void {
    this.#send({ fn: "cacheSet", args: [key, ttlSeconds] }, value);
  }

  cacheDelete(key: string): void {
    this.#send({ fn: "cacheDelete", args: [key] });
  }

  httpRequest(method: string, url: string, headersJson: string, body: string): HttpResponseSpec {
    return this.#json("httpRequest", [method, url, headersJson, body]) as HttpResponseSpec;
  }

  sendEmail(to: string, subject: string, body: string, attachmentsJson: string, html?: boolean): { id: string } {
    return this.#json("sendEmail", [to, subject, body, attachmentsJson, html ?? null]) as { id: string };
  }

  pluginCall(target: string, fn: string, argsJson: string): string {
    return this.#json("pluginCall", [target, fn, argsJson]) as string;
  }

  publishEvent(eventType: string, dataJson: string): void {
    this.#send({ fn: "publishEvent", args: [eventType, dataJson] });
  }

  scheduleJob(cron: string, handler: string, payloadJson: string): { id: string; next_run: string | null } {
    return this.#json("scheduleJob", [cron, handler, payloadJson]) as { id: string; next_run: string | null };
  }

  log(level: string, message: string, fieldsJson: string): void {
    if (++this.#logs > this.maxLogsPerCall + 1) return;
    this.#send({ fn: "log", args: [level, message, fieldsJson] }, null, false);
  }

  #json(fn: HostCallHeader["fn"], args: HostCallHeader["args"]): unknown {
    const { header } = this.#send({ fn, args });
    return header.ok && header.kind === "json" ? header.value : null;
  }

  #send(request: HostCallHeader, raw: Uint8Array | null = null, tracksError = true): { header: ReplyHeader; raw: Uint8Array | null } {
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
