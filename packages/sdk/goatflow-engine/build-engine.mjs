#!/usr/bin/env node
// Builds engine.wasm, the JavaScript engine of TypeScript plugins built for GoatFlow
// (`gk plugin build --target goatflow`, docs/goatflow.md), from registry packages only:
//
// - QuickJS 2021-03-27 (Fabrice Bellard's C sources, LICENSE-quickjs) as the npm package
//   qjsc@0.3.0 ships them in package/deps/quickjs_2021_03_27/, fetched with `npm pack` and
//   checked against the pinned integrity;
// - Debian's clang 14, lld and wasi-libc (apt-get install -y clang lld wasi-libc
//   libclang-rt-14-dev-wasm32).
//
// The build is reproducible: fixed flags, fixed file order, and the temporary folder's path
// mapped away (-ffile-prefix-map), so the same clang gives the same bytes.
// packages/sdk/test/goatflow-engine.test.ts rebuilds it and compares with the committed file.
//
//   node build-engine.mjs [--out <file>]      (default: engine.wasm beside this script)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const PACKAGE = "qjsc@0.3.0";
const INTEGRITY = "sha512-a7+cU6/IVcZbIejffdt/wZVMX6LL2MDL3HQ9Zb5Gm23G9DvBMS/z9GHFxz39bAvp2PvMOM+ypSOAyokt2DdZ2w==";
const SOURCE_DIR = "package/deps/quickjs_2021_03_27";
const VERSION = "2021-03-27";
const UNITS = ["quickjs", "libregexp", "libunicode", "cutils", "libbf", "engine", "snapshot-heap", "memory-layout", "lazy-tables"];
// The engine's own sources, beside this script.
const ENGINE_SOURCES = ["engine.c", "snapshot-heap.c", "snapshot-heap.h", "memory-layout.c", "lazy-tables.c"];
const HEADERS = ["quickjs.h", "quickjs-atom.h", "quickjs-opcode.h", "libregexp.h", "libregexp-opcode.h", "libunicode.h", "libunicode-table.h", "cutils.h", "libbf.h", "list.h"];
const CFLAGS = ["--target=wasm32-wasi", "-O2", "-D_GNU_SOURCE", `-DCONFIG_VERSION="${VERSION}"`, "-DCONFIG_BIGNUM", "-DNDEBUG", "-fno-ident", "-Wno-everything"];
// 16 MiB of memory at most (GoatFlow's default), a 512 KiB shadow stack placed first so that an
// overflow traps instead of overwriting data, no names or debug sections.
const LDFLAGS = ["--target=wasm32-wasi", "-mexec-model=reactor", "-Wl,--stack-first", "-Wl,-z,stack-size=524288", "-Wl,--max-memory=16777216", "-Wl,--strip-all"];

// Tables loaded on first use (lazy-tables.c, gk_load_lazy_data): the functions that read them, whose
// calls from the other objects the linker routes to lazy-tables.c's __wrap_ functions, and the input
// sections that hold them (read off the link map). They are recorded in the custom section
// goatkit.lazy_data as {"loader", "ranges": [[start, end], ...]}.
const LAZY_WRAPPED = ["exp", "exp2", "log", "log2", "pow", "sin", "cos", "tan", "lre_case_conv", "lre_is_cased", "lre_is_case_ignorable", "lre_is_id_start", "lre_is_id_continue", "unicode_normalize", "unicode_script", "unicode_general_category", "unicode_prop"];
const LAZY_SECTIONS = [/^libunicode\.o:\(\.rodata\./, /libc\.a\((exp_data|log_data|log2_data|pow_data|__rem_pio2_large)\.o\):\(\.rodata\./];
const LAZY_LOADER = "gk_load_lazy_data";

// QuickJS's configuration for WASI: no threads (Atomics need pthreads), no malloc_usable_size,
// and only the default rounding mode (wasm has no fesetround).
const PATCHES = [
  ["#if !defined(EMSCRIPTEN)\n#define CONFIG_ATOMICS", "#if !defined(EMSCRIPTEN) && !defined(__wasi__)\n#define CONFIG_ATOMICS"],
  ["#elif defined(EMSCRIPTEN)\n    NULL,", "#elif defined(EMSCRIPTEN) || defined(__wasi__)\n    NULL,"],
  ["#if !defined(_WIN32)\n/* define it if printf uses the RNDN", "#if !defined(_WIN32) && !defined(__wasi__)\n/* define it if printf uses the RNDN"],
];

const outIndex = process.argv.indexOf("--out");
const out = outIndex > 0 ? process.argv[outIndex + 1] : join(here, "engine.wasm");
const clang = process.env.CLANG ?? "clang";

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const hint = command === clang ? " (install Debian's clang, lld and wasi-libc: apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32)" : "";
    throw new Error(`${command} ${args.join(" ")} failed${hint}:\n${result.error?.message ?? ""}${result.stderr ?? ""}`);
  }
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), "goatflow-engine-"));
try {
  const packed = JSON.parse(run("npm", ["pack", PACKAGE, "--json", "--pack-destination", work], work));
  const tarball = join(work, packed[0].filename);
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (integrity !== INTEGRITY) throw new Error(`${PACKAGE} has integrity ${integrity}, expected ${INTEGRITY}`);
  run("tar", ["-xzf", tarball, "-C", work, SOURCE_DIR], work);
  const src = join(work, SOURCE_DIR);
  let quickjs = readFileSync(join(src, "quickjs.c"), "utf8");
  for (const [from, to] of PATCHES) {
    if (quickjs.split(from).length !== 2) throw new Error(`quickjs.c: the WASI patch does not apply: ${JSON.stringify(from)}`);
    quickjs = quickjs.replace(from, to);
  }
  writeFileSync(join(src, "quickjs.c"), quickjs);
  for (const file of ENGINE_SOURCES) copyFileSync(join(here, file), join(src, file));
  for (const header of HEADERS) readFileSync(join(src, header));
  const prefixMap = `-ffile-prefix-map=${src}=/goatflow-engine`;
  for (const unit of UNITS) run(clang, [...CFLAGS, prefixMap, "-c", `${unit}.c`, "-o", `${unit}.o`], src);
  const map = join(work, "engine.map");
  run(clang, [...LDFLAGS, ...LAZY_WRAPPED.map((name) => `-Wl,--wrap=${name}`), `-Wl,-Map=${map}`, "-o", join(work, "engine.wasm"), ...UNITS.map((unit) => `${unit}.o`)], src);
  const lazy = { loader: LAZY_LOADER, ranges: lazyRanges(readFileSync(map, "utf8")) };
  writeFileSync(out, Buffer.concat([readFileSync(join(work, "engine.wasm")), customSection("goatkit.lazy_data", JSON.stringify(lazy))]));
  const bytes = readFileSync(out);
  console.log(`${out}: ${bytes.byteLength} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex")}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * The address ranges of the lazy sections in wasm-ld's link map, whose input-section lines read
 * `<address> <load address> <size> <object>:(<section>)`; sections only alignment apart are one
 * range. Fails if a section that is not lazy lies inside a range.
 */
function lazyRanges(mapText) {
  const sections = [];
  for (const line of mapText.split("\n")) {
    const match = /^\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+(?:\d+\s+)?(\S.*:\(\.(?:rodata|data|bss)\S*\))$/.exec(line);
    if (match) sections.push({ start: parseInt(match[1], 16), end: parseInt(match[1], 16) + parseInt(match[2], 16), lazy: LAZY_SECTIONS.some((re) => re.test(match[3])) });
  }
  sections.sort((a, b) => a.start - b.start);
  const ranges = [];
  for (const section of sections) {
    if (section.start === section.end) continue;
    const last = ranges.at(-1);
    if (!section.lazy) {
      if (last && section.start < last[1]) throw new Error(`the link map puts a section that is not lazy inside a lazy range at ${section.start.toString(16)}`);
      continue;
    }
    if (last && section.start - last[1] < 16 && !sections.some((other) => !other.lazy && other.end > other.start && other.start >= last[1] && other.start < section.start)) last[1] = section.end;
    else ranges.push([section.start, section.end]);
  }
  if (ranges.length === 0) throw new Error("the link map names none of the lazy tables; check LAZY_SECTIONS against it");
  return ranges;
}

/** A custom section: its id 0, its size, the name, the payload. */
function customSection(name, payload) {
  const body = Buffer.concat([Buffer.from(leb128(Buffer.byteLength(name))), Buffer.from(name), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0, ...leb128(body.length)]), body]);
}

function leb128(value) {
  const out = [];
  do {
    out.push((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
    value >>>= 7;
  } while (value > 0);
  return out;
}
