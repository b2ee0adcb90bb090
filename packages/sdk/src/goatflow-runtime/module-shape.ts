/**
 * What a module's bytes declare that JavaScript's WebAssembly API does not tell: the types of
 * its imported functions and the limits of its memory. GoatFlow's runtime (wazero) checks both
 * when it instantiates a module, so the test runtime reads them from the binary too.
 */
import { writeU32 } from "../wasm-encoding.js";

export const PAGE = 65536;

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface ModuleImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** For a function: its type. */
  type?: FuncType;
}

export interface MemoryShape {
  /** Initial size in pages. */
  initial: number;
  /** Declared maximum in pages, or null. */
  maximum: number | null;
  memory64: boolean;
  /** Where the memory's limits are written (for rewriting the maximum), when defined by the module. */
  at?: { sectionStart: number; sectionEnd: number; contentStart: number; limitsStart: number; limitsEnd: number };
}

export interface ModuleShape {
  imports: ModuleImport[];
  /** The module's own memory, or null when it defines none. */
  memory: MemoryShape | null;
}

const VALTYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };
const KINDS = ["function", "table", "memory", "global", "tag"] as const;

export class ModuleShapeError extends Error {}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw new ModuleShapeError("the module ends in the middle of a section");
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw new ModuleShapeError("malformed LEB128 number in the module");
    }
  }
  name(): string {
    const len = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + len));
    this.at += len;
    return text;
  }
  valtype(): ValType {
    const b = this.byte();
    const type = VALTYPES[b];
    if (!type) throw new ModuleShapeError(`unknown value type 0x${b.toString(16)} in the module`);
    return type;
  }
  limits(): { initial: number; maximum: number | null; memory64: boolean } {
    const flags = this.byte();
    const initial = this.u32();
    const maximum = flags & 0x01 ? this.u32() : null;
    return { initial, maximum, memory64: (flags & 0x04) !== 0 };
  }
}

/** Reads the imports (with function types) and the memory of a module that already compiled. */
export function readModuleShape(bytes: Uint8Array): ModuleShape {
  const types: FuncType[] = [];
  const imports: ModuleImport[] = [];
  let memory: MemoryShape | null = null;
  const r = new Reader(bytes, 8);
  while (r.at < bytes.length) {
    const sectionStart = r.at;
    const id = r.byte();
    const size = r.u32();
    const contentStart = r.at;
    const end = contentStart + size;
    if (id === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        if (r.byte() !== 0x60) throw new ModuleShapeError("the module's type section holds something other than function types");
        const params = Array.from({ length: r.u32() }, () => r.valtype());
        const results = Array.from({ length: r.u32() }, () => r.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const module = r.name();
        const name = r.name();
        const kindByte = r.byte();
        const kind = KINDS[kindByte];
        if (!kind) throw new ModuleShapeError(`unknown import kind ${kindByte} in the module`);
        const item: ModuleImport = { module, name, kind };
        if (kind === "function") item.type = types[r.u32()];
        else if (kind === "table") {
          r.byte();
          r.limits();
        } else if (kind === "memory") {
          const limits = r.limits();
          memory = { ...limits };
        } else if (kind === "global") {
          r.valtype();
          r.byte();
        } else {
          r.byte();
          r.u32();
        }
        imports.push(item);
      }
    } else if (id === 5) {
      const count = r.u32();
      if (count > 0) {
        const limitsStart = r.at;
        const limits = r.limits();
        memory = { ...limits, at: { sectionStart, sectionEnd: end, contentStart, limitsStart, limitsEnd: r.at } };
      }
    }
    r.at = end;
  }
  return { imports, memory };
}


/**
 * The module with its own memory's maximum set to `pages` (as wazero's memory limit does: a
 * module declaring no maximum, or a larger one, gets the limit as its maximum, so `memory.grow`
 * past it answers -1).
 */
export function withMemoryMaximum(bytes: Uint8Array, memory: MemoryShape, pages: number): Uint8Array {
  if (!memory.at || (memory.maximum !== null && memory.maximum <= pages)) return bytes;
  const { sectionStart, sectionEnd, contentStart, limitsStart, limitsEnd } = memory.at;
  const flags = bytes[limitsStart]! | 0x01;
  const content = [...bytes.subarray(contentStart, limitsStart), flags, ...writeU32(memory.initial), ...writeU32(pages), ...bytes.subarray(limitsEnd, sectionEnd)];
  const header = [5, ...writeU32(content.length)];
  const out = new Uint8Array(bytes.length - (sectionEnd - sectionStart) + header.length + content.length);
  out.set(bytes.subarray(0, sectionStart), 0);
  out.set(header, sectionStart);
  out.set(content, sectionStart + header.length);
  out.set(bytes.subarray(sectionEnd), sectionStart + header.length + content.length);
  return out;
}

export function formatType(type: FuncType | undefined): string {
  if (!type) return "?";
  return `(${type.params.join(", ")}) -> ${type.results.length === 0 ? "()" : type.results.join(", ")}`;
}
