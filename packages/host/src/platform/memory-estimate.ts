import { readFile } from "node:fs/promises";
import type { Plugin } from "../plugin/plugin.js";
import type { Binding } from "../runtime/detect-binding.js";

/**
 * What a loaded plugin costs in memory, for the manager's budget and LRU eviction.
 *
 * The runtime cannot measure it: V8 reports neither the machine code of one module nor, for
 * worker isolation, the heap of one worker. So the default is an estimate built from what is
 * known when the module loads:
 *
 *   compiled code     wasm file size × CODE_FACTOR (V8's baseline code plus metadata is a few
 *                     times the wasm size; 4 errs on the high side for small modules)
 *   linear memory     the module's declared initial memory, once per instance
 *   worker overhead   WORKER_BYTES per warm worker in `worker` isolation (a Node worker with
 *                     its own isolate costs about 8 MiB, measured on these machines)
 *   shared JS engine  QUICKJS_BYTES per instance of a TypeScript plugin on the QuickJS binding:
 *                     its module holds only a script, while each instance runs an engine
 *                     (20 such plugins measured 10.7 MiB each in workers, 2.7 MiB over a worker)
 *
 * Memory a plugin grows into at run time is not counted; a runner that can measure (a
 * `memory.buffer.byteLength` from its instances, `process.memoryUsage` inside a worker) can
 * pass its figure through `PluginManagerOptions.memoryEstimate` instead.
 */
export interface MemoryEstimateInput {
  name: string;
  binding: Binding;
  wasmBytes: number;
  /** Initial linear memory the module declares (or imports), in bytes. */
  initialMemoryBytes: number;
  isolation: "worker" | "in-process";
  /** Instances (warm workers) the plugin keeps. */
  instances: number;
}

export type MemoryEstimator = (input: MemoryEstimateInput) => number;

export const CODE_FACTOR = 4;
export const WORKER_BYTES = 8 * 1024 * 1024;
export const QUICKJS_BYTES = 3 * 1024 * 1024;
const PAGE_BYTES = 64 * 1024;

export const defaultMemoryEstimate: MemoryEstimator = ({ binding, wasmBytes, initialMemoryBytes, isolation, instances }) =>
  wasmBytes * CODE_FACTOR + instances * (initialMemoryBytes + (isolation === "worker" ? WORKER_BYTES : 0) + (binding === "quickjs" ? QUICKJS_BYTES : 0));

/** A loaded plugin's figure: its module file read again for size and declared memory. */
export async function estimatePluginMemory(plugin: Plugin, options: { isolation: MemoryEstimateInput["isolation"]; instances: number; estimator: MemoryEstimator }): Promise<number> {
  // A process plugin's memory is its own process's: measured (resident set, Linux), not estimated.
  if (plugin.binding === "grpc") return processResidentBytes(plugin.pid);
  const wasm = await readFile(plugin.wasmPath).catch(() => new Uint8Array());
  const input = { name: plugin.name, binding: plugin.binding, wasmBytes: wasm.byteLength, initialMemoryBytes: initialMemoryBytes(wasm), isolation: options.isolation, instances: options.instances };
  return Math.max(0, Math.round(options.estimator(input)));
}

/**
 * The initial size of a module's memory from its memory or import section, in bytes; 0 when it
 * has none or the binary cannot be read (the caller then counts code only).
 */
export function initialMemoryBytes(wasm: Uint8Array): number {
  if (wasm.length < 8 || wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) return 0;
  try {
    const reader = new Reader(wasm, 8);
    while (reader.pos < wasm.length) {
      const id = reader.byte();
      const size = reader.u32();
      const end = reader.pos + size;
      if (id === 2) {
        const count = reader.u32();
        for (let i = 0; i < count; i++) {
          reader.skipName();
          reader.skipName();
          const kind = reader.byte();
          if (kind === 0x02) return reader.limitsMin() * PAGE_BYTES;
          reader.skipImportDesc(kind);
        }
      } else if (id === 5) {
        return reader.u32() > 0 ? reader.limitsMin() * PAGE_BYTES : 0;
      } else if (id > 5) {
        return 0;
      }
      reader.pos = end;
    }
  } catch {
    // A module V8 accepted but this reader does not understand: count its code only.
  }
  return 0;
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError("unexpected end of module");
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  skipName(): void {
    const length = this.u32();
    this.pos += length;
  }

  /** Minimum of a limits record (memory64 minimums are u64 too; same LEB reading). */
  limitsMin(): number {
    this.byte();
    return this.u32();
  }

  skipImportDesc(kind: number): void {
    if (kind === 0x00) this.u32();
    else if (kind === 0x01) {
      this.byte();
      const flags = this.byte();
      this.u32();
      if (flags & 1) this.u32();
    } else if (kind === 0x03) {
      this.byte();
      this.byte();
    } else if (kind === 0x04) {
      this.byte();
      this.u32();
    } else throw new RangeError(`unknown import kind ${kind}`);
  }
}

/** A process's resident memory from /proc (0 where there is no /proc or the process is gone). */
async function processResidentBytes(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const statm = await readFile(`/proc/${pid}/statm`, "utf8").catch(() => "");
  const pages = Number(statm.split(" ")[1]);
  return Number.isFinite(pages) ? pages * 4096 : 0;
}
