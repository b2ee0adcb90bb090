/**
 * What wazero refuses when GoatFlow instantiates a module: imports its runtime does not define
 * (or defines with another type) and memory limits over its 256-page limit.
 */
import { formatType, PAGE, type FuncType, type MemoryShape, type ModuleImport } from "./module-shape.js";
import { wasiFunctionType } from "./wasi.js";

export type GoatflowLoadErrorCode = "E_COMPILE" | "E_IMPORT" | "E_MEMORY" | "E_START" | "E_EXPORT" | "E_REGISTER";

/** GoatFlow would not load the module; the message names the problem and the fix. */
export class GoatflowLoadError extends Error {
  constructor(
    readonly code: GoatflowLoadErrorCode,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
    this.name = "GoatflowLoadError";
  }
}

const GK_FUNCTIONS: Record<string, FuncType> = {
  host_call: { params: ["i32", "i32", "i32", "i32"], results: ["i64"] },
  log: { params: ["i32", "i32", "i32"], results: [] },
};

const sameType = (a: FuncType | undefined, b: FuncType) => !!a && a.params.join() === b.params.join() && a.results.join() === b.results.join();

/** Refuses every import GoatFlow's runtime cannot satisfy, all named in one error. */
export function checkImports(imports: readonly ModuleImport[]): void {
  const problems: string[] = [];
  const foreign = new Map<string, string[]>();
  for (const imp of imports) {
    const what = `${imp.module}.${imp.name}`;
    if (imp.module === "gk" || imp.module === "wasi_snapshot_preview1") {
      const expected = imp.module === "gk" ? (Object.hasOwn(GK_FUNCTIONS, imp.name) ? GK_FUNCTIONS[imp.name] : undefined) : wasiFunctionType(imp.name);
      if (imp.kind !== "function") problems.push(`${what} is imported as a ${imp.kind}; GoatFlow's ${imp.module} module has only functions`);
      else if (!expected) problems.push(`${what}: GoatFlow's ${imp.module} module has no function ${imp.name}${imp.module === "gk" ? " (it has host_call and log)" : ""}`);
      else if (!sameType(imp.type, expected)) problems.push(`${what} is imported as ${formatType(imp.type)}, but GoatFlow defines it as ${formatType(expected)}`);
      continue;
    }
    foreign.set(imp.module, [...(foreign.get(imp.module) ?? []), what]);
  }
  for (const [module, names] of foreign) problems.push(`${names.join(", ")} ${names.length === 1 ? "comes" : "come"} from module "${module}", which GoatFlow does not provide`);
  if (problems.length === 0) return;
  const modules = new Set(foreign.keys());
  const fixes: string[] = [];
  if (modules.has("host")) fixes.push("this is a GoatKit core-ABI module (it imports host.*), which GoatFlow cannot load: build it with `gk plugin build --target goatflow`");
  if (modules.has("env")) fixes.push("env.* imports come from AssemblyScript's runtime (env.abort, env.trace, env.seed): build with `gk plugin build --target goatflow`, or asc's --use abort= and no trace or seed");
  if (fixes.length === 0) fixes.push("import only gk.host_call, gk.log and wasi_snapshot_preview1 functions (docs/goatflow.md)");
  throw new GoatflowLoadError("E_IMPORT", `GoatFlow cannot instantiate the module: ${problems.join("; ")}`, fixes.join("; "));
}

const mib = (pages: number) => `${(pages * PAGE) / 1048576} MiB`;

/** Refuses memory limits wazero's 256-page limit refuses (a declared maximum over it, too). */
export function checkMemory(memory: MemoryShape | null, limitPages: number): void {
  if (!memory) return;
  if (memory.memory64) throw new GoatflowLoadError("E_MEMORY", "the module has a 64-bit memory, which GoatFlow's runtime does not support", "build for wasm32");
  if (memory.maximum !== null && memory.maximum > limitPages) {
    throw new GoatflowLoadError(
      "E_MEMORY",
      `the module declares a memory maximum of ${memory.maximum} pages (${mib(memory.maximum)}), over GoatFlow's limit of ${limitPages} pages (${mib(limitPages)}); wazero refuses it`,
      `lower the maximum to at most ${limitPages} pages, or declare none (clang: -Wl,--max-memory=${limitPages * PAGE}; AssemblyScript: --maximumMemory ${limitPages})`,
    );
  }
  if (memory.initial > limitPages) {
    throw new GoatflowLoadError(
      "E_MEMORY",
      `the module's memory starts at ${memory.initial} pages (${mib(memory.initial)}), over GoatFlow's limit of ${limitPages} pages (${mib(limitPages)}); wazero refuses it`,
      `start with at most ${limitPages} pages (clang: -Wl,--initial-memory; AssemblyScript: --initialMemory), and keep large data out of static memory`,
    );
  }
}
