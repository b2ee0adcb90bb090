import { crc32, inflateRawSync } from "node:zlib";
import { formatBytes, type PackageLimits } from "./layout.js";
import { PackageError } from "./package-error.js";

// The zip is read from its central directory by hand rather than with fflate's unzipSync:
// that one merges duplicate names, hides file types (symlinks) and inflates without a size
// cap, and each of those is what an attack on an extractor uses.

/** One entry of a zip's central directory, its sizes as declared. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** Uncompressed size, as declared; checked against the data when the entry is read. */
  size: number;
  crc32: number;
  /** Where the entry's (possibly compressed) bytes start. */
  dataOffset: number;
  /** `file`, `directory`, `symlink` or `other` (devices, sockets), from the external attributes. */
  type: "file" | "directory" | "symlink" | "other";
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MADE_ON_UNIX = 3;
const S_IFMT = 0o170000;
const FLAG_ENCRYPTED = 0x1;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads and checks a zip's central directory: structure, entry count and declared sizes. */
export function readZipDirectory(bytes: Uint8Array, label: string, limits: PackageLimits): ZipEntry[] {
  const corrupt = (why: string) => new PackageError("E_PACKAGE_INVALID", `${label} is not a valid zip file: ${why}`, "pack the plugin again with `gk plugin pack`, or download the package again");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw corrupt("no end-of-central-directory record (is it a zip?)");
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE) {
    throw new PackageError("E_PACKAGE_UNSAFE", `${label} is a ZIP64 archive`, `packages are at most ${formatBytes(limits.maxPackageBytes)} and never need ZIP64; pack the plugin with \`gk plugin pack\``);
  }
  const disk = view.getUint16(eocd + 4, true);
  const directoryDisk = view.getUint16(eocd + 6, true);
  const entriesOnDisk = view.getUint16(eocd + 8, true);
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== count) throw corrupt("it is split across several disks");
  if (count > limits.maxEntries) {
    throw new PackageError("E_PACKAGE_UNSAFE", `${label} has ${count} entries, more than the limit of ${limits.maxEntries}`, "a plugin package holds a manifest, a module and a few assets; remove files, or raise maxEntries if this package is trusted");
  }
  if (directoryOffset + directorySize > eocd) throw corrupt("the central directory lies outside the file");

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > directoryEnd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw corrupt(`central directory entry ${i + 1} of ${count} is damaged`);
    const madeBy = view.getUint8(at + 5);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const externalAttributes = view.getUint32(at + 38, true);
    const localOffset = view.getUint32(at + 42, true);
    const nameEnd = at + CENTRAL_SIZE + nameLength;
    if (nameEnd > directoryEnd) throw corrupt(`central directory entry ${i + 1} of ${count} is damaged`);
    const nameBytes = bytes.subarray(at + CENTRAL_SIZE, nameEnd);
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${i + 1} has a name that is not valid UTF-8`, "entry names are ASCII paths; pack the plugin with `gk plugin pack`");
    }
    const quoted = JSON.stringify(name);
    if (flags & FLAG_ENCRYPTED) throw new PackageError("E_PACKAGE_INVALID", `${label}: entry ${quoted} is encrypted`, "packages are not encrypted; pack the plugin with `gk plugin pack`");
    if (method !== 0 && method !== 8) throw new PackageError("E_PACKAGE_INVALID", `${label}: entry ${quoted} uses compression method ${method}`, "packages use deflate (8) or no compression (0); pack the plugin with `gk plugin pack`");
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} uses ZIP64 sizes`, "packages never need ZIP64; pack the plugin with `gk plugin pack`");
    }

    const dataOffset = localDataOffset(view, bytes, localOffset, nameBytes, method, label, quoted);
    if (dataOffset + compressedSize > directoryOffset) throw corrupt(`the data of entry ${quoted} runs past the end of the entries`);
    entries.push({ name, method, compressedSize, size, crc32: crc, dataOffset, type: typeOf(madeBy, externalAttributes) });
    at = nameEnd + extraLength + commentLength;
  }
  if (at !== directoryEnd) throw corrupt("the central directory's size does not match its entries");
  checkNoOverlap(entries, label);
  return entries;
}

/** Inflates one entry, never producing more than it declares, and checks its size and CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, label: string): Uint8Array {
  const quoted = JSON.stringify(entry.name);
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else {
    try {
      // Node's limit stops inflation as soon as the output passes it, so a bomb costs no more
      // memory or time than its declared size.
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} inflates to more than the ${entry.size} bytes it declares`, "do not install this package; its sizes are forged");
      }
      throw new PackageError("E_PACKAGE_INVALID", `${label}: entry ${quoted} cannot be inflated: ${(error as Error).message}`, "download the package again, or pack it again with `gk plugin pack`");
    }
  }
  if (data.byteLength !== entry.size) {
    throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} holds ${data.byteLength} bytes but declares ${entry.size}`, "do not install this package; its sizes are forged");
  }
  if (crc32(data) !== entry.crc32) {
    throw new PackageError("E_PACKAGE_INVALID", `${label}: entry ${quoted} fails its CRC-32 check (the file is damaged)`, "download the package again, or pack it again with `gk plugin pack`");
  }
  return data;
}

function findEndOfCentralDirectory(view: DataView): number {
  // The record sits at the end, followed only by a comment of at most 65535 bytes.
  const last = view.byteLength - EOCD_SIZE;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return -1;
}

function localDataOffset(view: DataView, bytes: Uint8Array, offset: number, nameBytes: Uint8Array, method: number, label: string, quoted: string): number {
  const damaged = () => new PackageError("E_PACKAGE_INVALID", `${label}: the local header of entry ${quoted} is damaged or disagrees with the central directory`, "download the package again, or pack it again with `gk plugin pack`");
  if (offset + LOCAL_SIZE > view.byteLength || view.getUint32(offset, true) !== LOCAL_SIGNATURE) throw damaged();
  const nameLength = view.getUint16(offset + 26, true);
  const extraLength = view.getUint16(offset + 28, true);
  if (view.getUint16(offset + 6, true) & FLAG_ENCRYPTED || view.getUint16(offset + 8, true) !== method) throw damaged();
  if (offset + LOCAL_SIZE + nameLength > view.byteLength) throw damaged();
  // A different local name is how some archives smuggle a second path past a checker.
  const localName = bytes.subarray(offset + LOCAL_SIZE, offset + LOCAL_SIZE + nameLength);
  if (!sameBytes(localName, nameBytes)) throw damaged();
  return offset + LOCAL_SIZE + nameLength + extraLength;
}

function typeOf(madeBy: number, externalAttributes: number): ZipEntry["type"] {
  if (madeBy === MADE_ON_UNIX) {
    const mode = (externalAttributes >>> 16) & S_IFMT;
    if (mode === 0o120000) return "symlink";
    if (mode === 0o040000) return "directory";
    if (mode !== 0 && mode !== 0o100000) return "other";
  }
  return externalAttributes & 0x10 ? "directory" : "file";
}

function checkNoOverlap(entries: readonly ZipEntry[], label: string): void {
  // Entries sharing data ("overlapping" zip bombs) multiply what a small file inflates to.
  const sorted = [...entries].sort((a, b) => a.dataOffset - b.dataOffset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.dataOffset < previous.dataOffset + previous.compressedSize + LOCAL_SIZE) {
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entries ${JSON.stringify(previous.name)} and ${JSON.stringify(current.name)} share data`, "do not install this package; overlapping entries are a zip-bomb technique");
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
