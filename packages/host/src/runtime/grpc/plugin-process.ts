import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { asUser, type ProcessUser } from "./process-user.js";

/** Where captured output goes: the plugin's log view. */
export type OutputSink = (level: "info" | "warn", message: string, fields: Record<string, unknown>) => void;

export interface ProcessOptions {
  executable: string;
  cwd: string;
  socketPath: string;
  sink: OutputSink;
  /** Output lines kept per second; the rest are counted and dropped (a flood costs the plugin, not the host). */
  maxLinesPerSecond: number;
  maxLineBytes: number;
  /** Its own uid and gid (grpc run_as "separate-users"); absent, it runs as the host's user. */
  user?: ProcessUser;
}

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it wrote to stderr, for the error that says why. */
  stderrTail: string[];
}

// Only what a program needs to run: the host's own variables (database URLs, tokens) stay with the host.
const PASSED_ENV = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "NODE_OPTIONS"];
const NODE_SCRIPT = /\.(mjs|cjs|js)$/;

/**
 * One plugin process: started with the socket it must listen on in `GOATFLOW_PLUGIN_SOCKET`
 * (and `GOATKIT_PLUGIN_SOCKET`), its stdout and stderr captured line by line into the plugin's
 * log, stopped with SIGTERM and then SIGKILL. A `.js`/`.mjs`/`.cjs` file runs on this host's
 * Node, so a built TypeScript plugin needs no interpreter on PATH.
 */
export class PluginProcess {
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | null = null;
  readonly #child: ChildProcess;
  readonly #stderrTail: string[] = [];
  #window = { start: 0, lines: 0, dropped: 0 };

  constructor(private readonly options: ProcessOptions) {
    const env: Record<string, string> = {};
    for (const key of PASSED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key]!;
    env.GOATFLOW_PLUGIN_SOCKET = options.socketPath;
    env.GOATKIT_PLUGIN_SOCKET = options.socketPath;
    const [program, programArgs] = NODE_SCRIPT.test(options.executable) ? [process.execPath, [options.executable]] : [options.executable, []];
    const run: ReturnType<typeof asUser> = options.user ? asUser(options.user, program, programArgs) : { command: program, args: programArgs };
    this.#child = spawn(run.command, run.args, {
      cwd: options.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(run.uid !== undefined ? { uid: run.uid, gid: run.gid! } : {}),
    });
    this.exited = new Promise((resolve) => {
      // "error" comes instead of "exit" when the executable cannot be started at all.
      this.#child.once("error", (error) => {
        this.#stderrTail.push(error.message);
        this.#finish(resolve, null, null);
      });
      this.#child.once("exit", (code, signal) => this.#finish(resolve, code, signal));
    });
    this.#capture(this.#child.stdout!, "stdout");
    this.#capture(this.#child.stderr!, "stderr");
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How it ended, once it has. */
  get exit(): ExitInfo | null {
    return this.#exit;
  }

  /** Asks it to stop (SIGTERM) and kills it (SIGKILL) when it has not within `graceMs`. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.#exit) return this.#exit;
    this.#child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    const ended = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (ended) return ended;
    this.options.sink("warn", `the plugin process did not stop within ${graceMs} ms of SIGTERM and was killed`, { pid: this.pid });
    return this.kill();
  }

  /** Ends it at once (a hung or unhealthy process). */
  kill(): Promise<ExitInfo> {
    if (!this.#exit) this.#child.kill("SIGKILL");
    return this.exited;
  }

  #finish(resolve: (info: ExitInfo) => void, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exit) return;
    this.#exit = { code, signal, stderrTail: this.#stderrTail.slice(-5) };
    resolve(this.#exit);
  }

  #capture(stream: NodeJS.ReadableStream, name: "stdout" | "stderr"): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on("line", (line) => {
      if (name === "stderr") {
        this.#stderrTail.push(line.slice(0, 500));
        if (this.#stderrTail.length > 20) this.#stderrTail.shift();
      }
      if (!this.#admit()) return;
      const text = Buffer.byteLength(line) > this.options.maxLineBytes ? `${line.slice(0, this.options.maxLineBytes)}… [cut at ${this.options.maxLineBytes} bytes]` : line;
      this.options.sink("info", text, { stream: name });
    });
  }

  /** Per-second line budget; what was dropped is reported once the second is over. */
  #admit(): boolean {
    const now = Date.now();
    if (now - this.#window.start >= 1000) {
      this.#flushDropped();
      this.#window = { start: now, lines: 0, dropped: 0 };
    }
    if (++this.#window.lines <= this.options.maxLinesPerSecond) return true;
    if (this.#window.dropped++ === 0) setTimeout(() => this.#flushDropped(), Math.max(0, this.#window.start + 1000 - now)).unref();
    return false;
  }

  #flushDropped(): void {
    const w = this.#window;
    if (w.dropped === 0) return;
    this.options.sink("warn", `log flood: ${w.dropped} output lines dropped (more than ${this.options.maxLinesPerSecond} a second)`, {});
    w.dropped = 0;
  }
}

/** How the process ended, with the last lines of its stderr. */
export function describeExit(info: ExitInfo): string {
  const how = info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
  return info.stderrTail.length === 0 ? how : `${how}; stderr: ${info.stderrTail.join(" | ")}`;
}
