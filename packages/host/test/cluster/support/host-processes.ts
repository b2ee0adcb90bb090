import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/host-process.mjs", import.meta.url));

/** A line a host process printed (see HostProcessLine), with when the test received it. */
export interface HostLine {
  event: string;
  host: string;
  time: string;
  receivedAt: number;
  [field: string]: unknown;
}

export interface HostProcess {
  id: string;
  child: ChildProcess;
  lines: HostLine[];
  /** Resolves with the first line (already printed or to come) that matches. */
  waitFor(match: (line: HostLine) => boolean, timeoutMs: number, what: string): Promise<HostLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts the host-process fixture as a child process with `env` over the test's environment. */
export function spawnHost(id: string, entryUrl: string, pluginsDir: string, env: Record<string, string>): HostProcess {
  const child = spawn(process.execPath, [FIXTURE, pluginsDir], {
    env: { ...process.env, ...env, GOATKIT_HOST_ID: id, GOATKIT_TEST_HOST_ENTRY: entryUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: HostLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    try {
      lines.push({ ...(JSON.parse(text) as HostLine), receivedAt: Date.now() });
    } catch {
      stderr += `${text}\n`;
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(() => {
    for (const wake of waiters) wake();
  });
  let done = false;
  void exited.then(() => (done = true));

  return {
    id,
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found) {
            finish();
            resolve(found);
          } else if (done) {
            finish();
            reject(new Error(`host ${id} exited before ${what}; its last lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${stderr.slice(-2000)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from host ${id}; its last lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Ends a host that is still running, without waiting for it to stop gracefully. */
export function killHost(host: HostProcess): void {
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill("SIGKILL");
}
