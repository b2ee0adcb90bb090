/**
 * The call channel between the host thread and one plugin worker: a growable
 * SharedArrayBuffer with a state word both sides wait on (Atomics), and one frame of data.
 * postMessage costs ~90 us a round trip here; this costs ~20 us, and lets the worker block
 * synchronously on host calls while the host answers them asynchronously.
 *
 * Layout: Int32 state, Int32 frame length, Float64 host clock, then the frame: u32 header
 * length, a JSON header, raw bytes (requests, results, cache values). Only the side whose turn
 * it is writes.
 */

import type { WasmFrame } from "../plugin-call-error.js";

export const State = {
  /** The worker waits for a call. */
  Idle: 0,
  /** The host wrote a call; the worker runs it. */
  Call: 1,
  /** The worker wrote a host-function request and waits. */
  HostCall: 2,
  /** The host wrote the host-function reply. */
  Reply: 3,
  /** The worker wrote the call's outcome. */
  Done: 4,
} as const;

const HEADER_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface Frame<T> {
  header: T;
  raw: Uint8Array | null;
}

export class Channel {
  readonly state: Int32Array;
  readonly #clock: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.state = new Int32Array(buffer, 0, 2);
    this.#clock = new Float64Array(buffer, 8, 1);
  }

  /**
   * The host's clock as of the call's start or its latest host-call reply: the guest's
   * Date.now() reads it, so a test host's controlled clock reaches workers too.
   */
  get clock(): number {
    return this.#clock[0]!;
  }

  set clock(ms: number) {
    this.#clock[0] = ms;
  }

  /** A channel whose frames can grow to `maxBytes` (the largest request or result plus headers). */
  static create(maxBytes: number): Channel {
    return new Channel(new SharedArrayBuffer(64 * 1024, { maxByteLength: HEADER_BYTES + maxBytes + 64 * 1024 }));
  }

  write(header: unknown, raw: Uint8Array | null = null): void {
    const json = encoder.encode(JSON.stringify(header));
    const total = 4 + json.byteLength + (raw?.byteLength ?? 0);
    if (HEADER_BYTES + total > this.buffer.byteLength) {
      if (HEADER_BYTES + total > this.buffer.maxByteLength) throw new RangeError(`a frame of ${total} bytes is larger than the channel's ${this.buffer.maxByteLength}`);
      this.buffer.grow(HEADER_BYTES + total);
    }
    const bytes = new Uint8Array(this.buffer, HEADER_BYTES, total);
    new DataView(this.buffer, HEADER_BYTES, 4).setUint32(0, json.byteLength, true);
    bytes.set(json, 4);
    if (raw) bytes.set(raw, 4 + json.byteLength);
    this.state[1] = total;
  }

  read<T>(): Frame<T> {
    const total = this.state[1]!;
    const jsonLength = new DataView(this.buffer, HEADER_BYTES, 4).getUint32(0, true);
    // Copy out: the other side reuses the buffer for its next frame.
    const bytes = new Uint8Array(this.buffer, HEADER_BYTES, total).slice();
    const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + jsonLength))) as T;
    const raw = total > 4 + jsonLength ? bytes.subarray(4 + jsonLength) : null;
    return { header, raw };
  }

  /** Sets the state and wakes the other side. */
  signal(state: number): void {
    Atomics.store(this.state, 0, state);
    Atomics.notify(this.state, 0);
  }

  /**
   * Blocks this thread until the state is one of `wanted` (worker side only), spinning briefly
   * first: waking from Atomics.wait costs more than the host usually takes to answer.
   */
  waitFor(...wanted: number[]): number {
    const until = performance.now() + 0.05;
    while (performance.now() < until) {
      const current = Atomics.load(this.state, 0);
      if (wanted.includes(current)) return current;
    }
    for (;;) {
      const current = Atomics.load(this.state, 0);
      if (wanted.includes(current)) return current;
      Atomics.wait(this.state, 0, current);
    }
  }

  /**
   * Waits without blocking the event loop until the state leaves `from`: a short spin first,
   * since most host calls and small handlers answer within microseconds.
   */
  async changeFrom(from: number, spinMicros = 100): Promise<number> {
    const until = performance.now() + spinMicros / 1000;
    do {
      const current = Atomics.load(this.state, 0);
      if (current !== from) return current;
    } while (performance.now() < until);
    for (;;) {
      const waited = Atomics.waitAsync(this.state, 0, from);
      if (waited.async) await waited.value;
      const current = Atomics.load(this.state, 0);
      if (current !== from) return current;
    }
  }
}

/** A call from the host to the worker. */
export type CallHeader = { op: "call"; handler: string } | { op: "register" } | { op: "abi" } | { op: "handlers" };

/** A host-function request from the worker. */
export interface HostCallHeader {
  fn: "dbQuery" | "dbExec" | "cacheGet" | "cacheSet" | "cacheDelete" | "httpRequest" | "sendEmail" | "scheduleJob" | "pluginCall" | "publishEvent" | "log";
  args: (string | number | boolean | null)[];
}

/** The host's reply: a JSON value, bytes in `raw`, nothing, or an error. */
export type ReplyHeader = { ok: true; kind: "json"; value: unknown } | { ok: true; kind: "bytes" | "null" | "void" } | { ok: false; code: string; message: string };

/** The outcome of a call; a failed one keeps the guest's frames for source-mapping. */
export type DoneHeader = { ok: true; kind: "bytes" | "null" | "number"; value?: number } | { ok: false; code: string; message: string; wasmFrames?: WasmFrame[] };
