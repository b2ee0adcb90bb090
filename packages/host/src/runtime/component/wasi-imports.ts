/**
 * The WASI a component plugin gets: only what the JavaScript engine inside it needs. No
 * filesystem (no preopens), no environment or arguments, no sockets or HTTP (plugins use
 * `http_request`); stdout and stderr go to the plugin log line by line; the wall clock is the
 * host's clock (so a test clock reaches the guest, as AssemblyScript's `Date.now` does).
 *
 * The streams, pollables and clocks come from @bytecodealliance/preview2-shim's in-process
 * (browser) implementation: its Node implementation runs I/O on a worker thread and passes
 * the host's own stdio and environment through.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Which stream a plugin wrote a line to. */
export type StdioStream = "stdout" | "stderr";

export interface WasiOptions {
  now: () => number;
  log: (stream: StdioStream, line: string) => void;
}

export interface WasiImports {
  imports: Record<string, object>;
  /** Writes out a line the plugin left unfinished (call after each call). */
  flush(): void;
}

interface StreamHandler {
  write(contents: Uint8Array): void;
  blockingFlush(): void;
  drop(): void;
}

interface BrowserShim {
  cli: {
    createCli(config: { stdout: StreamHandler; stderr: StreamHandler; environment: Record<string, string>; arguments: string[]; initialCwd: string }): Record<string, object>;
  };
  clocks: { monotonicClock: object; wallClock: object };
  filesystem: { types: object };
  io: { error: object; poll: object; streams: object };
  random: { random: object; insecure: object; insecureSeed: object };
}

let shim: Promise<BrowserShim> | null = null;

function loadShim(): Promise<BrowserShim> {
  shim ??= (async () => {
    // The package's exports map sends Node to dist/nodejs; the in-process build sits beside it.
    const nodeEntry = createRequire(import.meta.url).resolve("@bytecodealliance/preview2-shim");
    const browser = join(dirname(nodeEntry), "..", "browser");
    const load = (name: string) => import(pathToFileURL(join(browser, `${name}.js`)).href);
    const [cli, clocks, filesystem, io, random] = await Promise.all(["cli", "clocks", "filesystem", "io", "random"].map(load));
    return { cli, clocks, filesystem, io, random } as BrowserShim;
  })();
  return shim;
}

const MAX_LINE = 16 * 1024;

/** A stream that hands complete lines to `emit`. */
function lineStream(emit: (line: string) => void): StreamHandler & { flush(): void } {
  const decoder = new TextDecoder();
  let pending = "";
  const flush = () => {
    pending += decoder.decode();
    if (pending !== "") emit(pending);
    pending = "";
  };
  return {
    write(contents) {
      pending += decoder.decode(contents, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) emit(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (pending.length > MAX_LINE) flush();
    },
    blockingFlush() {},
    drop: flush,
    flush,
  };
}

/** The WASI imports of one component instance, keyed as jco's instantiate() expects. */
export async function wasiImports(options: WasiOptions): Promise<WasiImports> {
  const { cli: cliShim, clocks, filesystem, io, random } = await loadShim();
  const stdout = lineStream((line) => options.log("stdout", line));
  const stderr = lineStream((line) => options.log("stderr", line));
  const cli = cliShim.createCli({ stdout, stderr, environment: {}, arguments: [], initialCwd: "/" });
  const wallClock = {
    ...clocks.wallClock,
    now() {
      const ms = options.now();
      return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: Math.floor(ms % 1000) * 1_000_000 };
    },
  };
  return {
    imports: {
      "wasi:cli/environment": cli.environment!,
      "wasi:cli/exit": cli.exit!,
      "wasi:cli/stdin": cli.stdin!,
      "wasi:cli/stdout": cli.stdout!,
      "wasi:cli/stderr": cli.stderr!,
      "wasi:cli/terminal-input": cli.terminalInput!,
      "wasi:cli/terminal-output": cli.terminalOutput!,
      "wasi:cli/terminal-stdin": cli.terminalStdin!,
      "wasi:cli/terminal-stdout": cli.terminalStdout!,
      "wasi:cli/terminal-stderr": cli.terminalStderr!,
      "wasi:clocks/monotonic-clock": clocks.monotonicClock,
      "wasi:clocks/wall-clock": wallClock,
      "wasi:filesystem/preopens": { getDirectories: () => [] },
      "wasi:filesystem/types": filesystem.types,
      "wasi:io/error": io.error,
      "wasi:io/poll": io.poll,
      "wasi:io/streams": io.streams,
      "wasi:random/random": random.random,
      "wasi:random/insecure": random.insecure,
      "wasi:random/insecure-seed": random.insecureSeed,
    },
    flush() {
      stdout.flush();
      stderr.flush();
    },
  };
}
