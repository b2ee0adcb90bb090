/**
 * A call's log lines on their way from its worker to the host, without a round trip for each:
 * the worker appends a line and goes on; the host takes the lines out while the worker cannot be
 * appending (before it answers the call's next host call, when the call is done) and when it
 * stops the call, so no line is lost and none overtakes what the call did after it. Each lane of
 * a worker (worker-runner.ts) has its own. A line that does not fit goes as a `log` host call,
 * which the host answers after the lines before it.
 *
 * Layout: Int32 bytes of lines, Int32 unused, then each line: u32 lengths of its level, message
 * and fields (UTF-8), then their bytes.
 */
const HEADER_BYTES = 8;
const LINE_HEADER_BYTES = 12;
/** Room for the lines of one call between two host calls; more go one by one. */
export const LOG_BUFFER_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class LogBuffer {
  readonly #used: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(readonly buffer = new SharedArrayBuffer(LOG_BUFFER_BYTES)) {
    this.#used = new Int32Array(buffer, 0, 1);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
  }

  /** The worker's side: appends a line, or answers false when it does not fit. */
  append(level: string, message: string, fields: string): boolean {
    const start = HEADER_BYTES + Atomics.load(this.#used, 0);
    let at = start + LINE_HEADER_BYTES;
    if (at > this.#bytes.length) return false;
    const texts = [level, message, fields];
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      const { read, written } = encoder.encodeInto(text, this.#bytes.subarray(at));
      if (read < text.length) return false;
      this.#view.setUint32(start + 4 * i, written, true);
      at += written;
    }
    // Published only once whole: the host reads up to this.
    Atomics.store(this.#used, 0, at - HEADER_BYTES);
    return true;
  }

  /**
   * The host's side: hands the lines to the call's host functions in order and empties the
   * buffer; `empty` false leaves it as it is (a worker being stopped may still be writing).
   */
  drainTo(calls: { log(level: string, message: string, fields: string): void }, empty = true): void {
    const end = HEADER_BYTES + Atomics.load(this.#used, 0);
    let at = HEADER_BYTES;
    while (at + LINE_HEADER_BYTES <= end) {
      const lengths = [0, 4, 8].map((offset) => this.#view.getUint32(at + offset, true));
      at += LINE_HEADER_BYTES;
      // Copied out first: TextDecoder does not read shared memory.
      const [level, message, fields] = lengths.map((length) => {
        const text = decoder.decode(this.#bytes.slice(at, at + length));
        at += length;
        return text;
      });
      calls.log(level!, message!, fields!);
    }
    if (empty) Atomics.store(this.#used, 0, 0);
  }
}
