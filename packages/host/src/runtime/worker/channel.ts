/**
 * The call channel between the host thread and one plugin worker: a growable
 * SharedArrayBuffer with a state word both sides wait on (Atomics), and one frame of data.
 * postMessage costs ~90 us a round trip here; this costs ~20 us, and lets the worker block
 * synchronously on host calls while the host answers them asynchronously.
 *
 * Layout: Int32 state, Int32 frame length, Int32 "worker asleep", Int32 "host asleep", Float64
 * host clock, Float64 how long the worker took for its latest call, then the frame: u32 header
 * length, the header (frame-header.ts), raw bytes (requests, results, cache values). Only the
 * side whose turn it is writes. The asleep words let a signal skip Atomics.notify (the dearest
 * step of a round trip) while the other side is still spinning.
 */

import type { HostCallName } from "../../host-functions/host-services.js";
import type { WasmFrame } from "../plugin-call-error.js";
import { headerBound, readHeader, tagOf, writeHeader } from "./frame-header.js";

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

const HEADER_BYTES = 32;
const WORKER_ASLEEP = 2;
const HOST_ASLEEP = 3;
/** Spin iterations between clock reads: performance.now() costs more than the load it guards. */
const SPINS_PER_CLOCK_READ = 64;
const MAX_WORKER_SPIN_MICROS = 50;
const MIN_WORKER_SPIN_MICROS = 2;

export interface Frame<T> {
  header: T;
  raw: Uint8Array | null;
}

export class Channel {
  readonly state: Int32Array;
  readonly #clock: Float64Array;
  readonly #ran: Float64Array;
  // Length-tracking views: they follow the buffer as it grows, so no call allocates new ones.
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** How long the worker spins before it sleeps: the full window while spins pay, less while they do not. */
  #spinMicros = MAX_WORKER_SPIN_MICROS;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.state = new Int32Array(buffer, 0, 4);
    this.#clock = new Float64Array(buffer, 16, 1);
    this.#ran = new Float64Array(buffer, 24, 1);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
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

  /**
   * How long the worker took for the call it reported done, in ms, from reading it to writing
   * its outcome (host calls included): written before the Done state, read after it.
   */
  get callMs(): number {
    return this.#ran[0]!;
  }

  set callMs(ms: number) {
    this.#ran[0] = ms;
  }

  /** A channel whose frames can grow to `maxBytes` (the largest request or result plus headers). */
  static create(maxBytes: number): Channel {
    return new Channel(new SharedArrayBuffer(64 * 1024, { maxByteLength: HEADER_BYTES + maxBytes + 64 * 1024 }));
  }

  /** Writes a frame straight into the shared buffer (no intermediate copies of the header). */
  write(header: unknown, raw: Uint8Array | null = null): void {
    const rawLength = raw?.byteLength ?? 0;
    // Room for the header's worst case first, then the exact length.
    const tag = tagOf(header);
    const bound = headerBound(header, tag);
    this.#ensure(4 + bound + rawLength, false);
    let written: number;
    if (HEADER_BYTES + 4 + bound <= this.buffer.byteLength) written = writeHeader(this.#bytes, this.#view, HEADER_BYTES + 4, header, tag);
    else {
      // Near the cap the worst case may not fit where the header itself would: write it aside first.
      const aside = new Uint8Array(bound);
      written = writeHeader(aside, new DataView(aside.buffer), 0, header, tag);
      this.#ensure(4 + written + rawLength);
      this.#bytes.set(aside.subarray(0, written), HEADER_BYTES + 4);
    }
    const total = 4 + written + rawLength;
    this.#ensure(total);
    this.#view.setUint32(HEADER_BYTES, written, true);
    if (raw) this.#bytes.set(raw, HEADER_BYTES + 4 + written);
    this.state[1] = total;
  }

  read<T>(): Frame<T> {
    const total = this.state[1]!;
    const headerLength = this.#view.getUint32(HEADER_BYTES, true);
    const start = HEADER_BYTES + 4;
    const header = readHeader<T>(this.#bytes, this.#view, start, headerLength);
    // Copy the raw part out: the other side reuses the buffer for its next frame.
    const raw = total > 4 + headerLength ? this.#bytes.slice(start + headerLength, HEADER_BYTES + total) : null;
    return { header, raw };
  }

  /** Grows the buffer to hold a frame; `exact` false: a worst-case estimate, grown up to the cap. */
  #ensure(frameBytes: number, exact = true): void {
    const wanted = HEADER_BYTES + frameBytes;
    if (wanted <= this.buffer.byteLength) return;
    if (wanted > this.buffer.maxByteLength) {
      if (exact) throw new RangeError(`a frame of ${frameBytes} bytes is larger than the channel's ${this.buffer.maxByteLength}`);
      this.buffer.grow(this.buffer.maxByteLength);
      return;
    }
    this.buffer.grow(wanted);
  }

  /**
   * Sets the state and wakes the other side if it sleeps; `wake` false: the other side waits for
   * a later state, so it need not wake for this one.
   */
  signal(state: number, wake = true): void {
    Atomics.store(this.state, 0, state);
    // Sequentially consistent: either the sleeper sees the new state before it sleeps, or this sees it asleep.
    if (wake && (Atomics.load(this.state, WORKER_ASLEEP) | Atomics.load(this.state, HOST_ASLEEP)) !== 0) Atomics.notify(this.state, 0);
  }

  /** Whether the worker sleeps on this channel's state, so that a new state must wake it. */
  get workerAsleep(): boolean {
    return Atomics.load(this.state, WORKER_ASLEEP) !== 0;
  }

  /** Wakes the worker if it sleeps on this channel: what `signal(state, false)` left out. */
  wakeWorker(): void {
    if (Atomics.load(this.state, WORKER_ASLEEP) !== 0) Atomics.notify(this.state, 0);
  }

  /**
   * Blocks this thread until the state is `wanted` (worker side only), spinning briefly first:
   * waking from Atomics.wait costs more than the host usually takes to answer.
   */
  waitFor(wanted: number): number {
    const start = performance.now();
    const until = start + this.#spinMicros / 1000;
    let spins = 0;
    for (;;) {
      if (Atomics.load(this.state, 0) === wanted) {
        this.#spinMicros = MAX_WORKER_SPIN_MICROS;
        return wanted;
      }
      if (++spins % SPINS_PER_CLOCK_READ === 0 && performance.now() >= until) break;
    }
    for (;;) {
      Atomics.store(this.state, WORKER_ASLEEP, 1);
      const current = Atomics.load(this.state, 0);
      if (current !== wanted) Atomics.wait(this.state, 0, current);
      Atomics.store(this.state, WORKER_ASLEEP, 0);
      if (Atomics.load(this.state, 0) === wanted) break;
    }
    // An answer within the full window would have paid for spinning: spin fully next time.
    // Otherwise (under load: calls far apart, cores shared with the host thread) spin less, so
    // an idle worker does not take the host thread's core.
    const waitedMicros = (performance.now() - start) * 1000;
    this.#spinMicros = waitedMicros < MAX_WORKER_SPIN_MICROS ? MAX_WORKER_SPIN_MICROS : Math.max(MIN_WORKER_SPIN_MICROS, this.#spinMicros / 2);
    return wanted;
  }

  /**
   * Waits without blocking the event loop until the state leaves `from`. A short blocking spin
   * first when nothing else waits on this thread (`spinMicros`): most host calls and small
   * handlers answer within microseconds. Then, for up to `pollMillis`, it looks again on each turn
   * of the event loop, so HTTP and other calls run in between and the worker need not wake this
   * thread (Atomics.notify and waitAsync's cross-thread task are the dearest steps under load).
   * Past that, it sleeps until the worker signals.
   */
  async changeFrom(from: number, spinMicros = 100, pollMillis = 0): Promise<number> {
    const until = performance.now() + spinMicros / 1000;
    let spins = 0;
    for (;;) {
      const current = Atomics.load(this.state, 0);
      if (current !== from) return current;
      if (++spins % SPINS_PER_CLOCK_READ === 0 && performance.now() >= until) break;
    }
    if (pollMillis > 0) {
      const pollUntil = performance.now() + pollMillis;
      do {
        await nextTurn();
        const current = Atomics.load(this.state, 0);
        if (current !== from) return current;
      } while (performance.now() < pollUntil);
    }
    for (;;) {
      Atomics.store(this.state, HOST_ASLEEP, 1);
      const waited = Atomics.waitAsync(this.state, 0, from);
      if (waited.async) await waited.value;
      Atomics.store(this.state, HOST_ASLEEP, 0);
      const current = Atomics.load(this.state, 0);
      if (current !== from) return current;
    }
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A call from the host to the worker. */
export type CallHeader = { op: "call"; handler: string } | { op: "register" } | { op: "abi" } | { op: "handlers" };

/**
 * A host-function request from the worker: the table's row name and its arguments in row order
 * (host-function-table.ts). `bytes` arguments travel in the frame's raw part, one after another;
 * their place in `args` holds their length.
 */
export interface HostCallHeader {
  fn: HostCallName;
  args: (string | number | boolean | null)[];
}

/** The host's reply: bytes in `raw` (JSON text for `json`, UTF-8 for `text`), nothing, or an error. */
export type ReplyHeader = { ok: true; kind: "json" | "text" | "bytes" | "null" | "void" } | { ok: false; code: string; message: string };

/** The outcome of a call; a failed one keeps the guest's frames for source-mapping. */
export type DoneHeader = { ok: true; kind: "bytes" | "null" | "number"; value?: number } | { ok: false; code: string; message: string; wasmFrames?: WasmFrame[] };
