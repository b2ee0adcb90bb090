import { GoatKitError } from "../errors.js";
/**
 * JavaScript cannot read a compiled module's memory limits, and WebAssembly.Memory created by
 * the module itself grows up to whatever the module declares (or 4 GiB when it declares no
 * maximum). So the host reads the memory section from the bytes and rewrites its maximum to
 * the plugin's cap before compiling: `memory.grow` past the cap then fails inside the guest
 * (returns -1), as the spec intends, instead of eating the host's memory.
 */

const PAGE = 65536;
const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;

export interface MemoryLimits {
  /** Initial size in pages. */
  initial: number;
  /** Declared maximum in pages, or null when unbounded. */
  maximum: number | null;
  /** Where the memory is: defined by the module or imported. */
  source: "defined" | "imported";
}

/** A module whose memory cannot be capped (a malformed section); the load fails with E_LOAD. */
export class MemoryCapError extends GoatKitError {
  constructor(message: string) {
    super("E_LOAD", message);
    this.name = "MemoryCapError";
  }
}

interface Leb {
  value: number;
  next: number;
}

export function readU32(bytes: Uint8Array, at: number): Leb {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new MemoryCapError("truncated LEB128 in the module");
    const b = bytes[i++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new MemoryCapError("malformed LEB128 in the module");
  }
  return { value, next: i };
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export interface Section {
  id: number;
  start: number; // first byte of the section id
  contentStart: number;
  end: number;
}

/** The sections of a core module, in order (the 8-byte header skipped). */
export function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const size = readU32(bytes, at + 1);
    out.push({ id, start: at, contentStart: size.next, end: size.next + size.value });
    at = size.next + size.value;
  }
  return out;
}

/** Reads the memory limits of a core module; null when it has no memory. */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits | null {
  for (const section of sections(bytes)) {
    if (section.id === MEMORY_SECTION) {
      const count = readU32(bytes, section.contentStart);
      if (count.value === 0) return null;
      return { ...readLimits(bytes, count.next).limits, source: "defined" };
    }
    if (section.id === IMPORT_SECTION) {
      const imported = importedMemory(bytes, section);
      if (imported) return { ...imported, source: "imported" };
    }
  }
  return null;
}

function readLimits(bytes: Uint8Array, at: number): { limits: Omit<MemoryLimits, "source">; next: number } {
  const flags = bytes[at]!;
  if (flags & 0x04) throw new MemoryCapError("64-bit memories are not supported; build for wasm32");
  const initial = readU32(bytes, at + 1);
  if (flags & 0x01) {
    const maximum = readU32(bytes, initial.next);
    return { limits: { initial: initial.value, maximum: maximum.value }, next: maximum.next };
  }
  return { limits: { initial: initial.value, maximum: null }, next: initial.next };
}

function importedMemory(bytes: Uint8Array, section: Section): Omit<MemoryLimits, "source"> | null {
  const count = readU32(bytes, section.contentStart);
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const moduleLen = readU32(bytes, at);
    at = moduleLen.next + moduleLen.value;
    const nameLen = readU32(bytes, at);
    at = nameLen.next + nameLen.value;
    const kind = bytes[at++]!;
    if (kind === 0) at = readU32(bytes, at).next; // function: type index
    else if (kind === 1) at = readLimits(bytes, at + 1).next; // table: reftype, limits
    else if (kind === 2) return readLimits(bytes, at).limits;
    else if (kind === 3) at += 2; // global: valtype, mutability
    else if (kind === 4) at = readU32(bytes, at + 1).next; // tag
  }
  return null;
}

/**
 * Returns module bytes whose memory cannot grow beyond `capMb`. A module that needs more than
 * the cap to start is refused with a message naming both figures.
 */
export function capMemory(bytes: Uint8Array<ArrayBuffer>, capMb: number): Uint8Array<ArrayBuffer> {
  const capPages = Math.floor((capMb * 1024 * 1024) / PAGE);
  const memory = sections(bytes).find((s) => s.id === MEMORY_SECTION);
  const limits = readMemoryLimits(bytes);
  if (!limits) return bytes;
  if (limits.initial > capPages) {
    throw new MemoryCapError(
      `the module starts with ${(limits.initial * PAGE) / 1048576} MiB of memory, more than its cap of ${capMb} MiB; raise limits.memory_mb or lower the initial memory`,
    );
  }
  if (limits.source === "imported" || !memory) return bytes; // the host creates imported memories itself
  if (limits.maximum !== null && limits.maximum <= capPages) return bytes;

  const count = readU32(bytes, memory.contentStart);
  const { next: limitsEnd } = readLimits(bytes, count.next);
  const flags = bytes[count.next]! | 0x01;
  const content = [
    ...bytes.subarray(memory.contentStart, count.next),
    flags,
    ...writeU32(limits.initial),
    ...writeU32(capPages),
    ...bytes.subarray(limitsEnd, memory.end),
  ];
  const header = [MEMORY_SECTION, ...writeU32(content.length)];
  const out = new Uint8Array(bytes.length - (memory.end - memory.start) + header.length + content.length);
  out.set(bytes.subarray(0, memory.start), 0);
  out.set(header, memory.start);
  out.set(content, memory.start + header.length);
  out.set(bytes.subarray(memory.end), memory.start + header.length + content.length);
  return out;
}
