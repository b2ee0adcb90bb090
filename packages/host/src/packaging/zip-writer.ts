import { zipSync, type ZipOptions } from "fflate";

const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
const MADE_ON_UNIX = 3;

/**
 * Writes a zip whose bytes depend only on the files: entries sorted by name, one fixed
 * timestamp, fixed attributes and compression level.
 */
export function writeZip(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  // fflate writes DOS time from the Date's local fields; a Date built from local fields gives
  // 1980-01-01 00:00 (the DOS epoch) in every time zone.
  const options: ZipOptions = { level: 9, mtime: new Date(1980, 0, 1, 0, 0, 0), os: MADE_ON_UNIX, attrs: REGULAR_FILE_0644 };
  const zippable: Record<string, [Uint8Array, ZipOptions]> = {};
  // Names never look like array indexes (root names are fixed, others contain "/"), so the
  // object keeps this insertion order.
  for (const name of [...files.keys()].sort(compareNames)) zippable[name] = [files.get(name)!, options];
  return zipSync(zippable, options);
}

/** Orders entry names by their UTF-16 code units, which for the ASCII names packages allow is byte order. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
