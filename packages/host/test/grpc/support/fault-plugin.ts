import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../fixtures/fault-server.cjs", import.meta.url));

export type FaultMode = "normal" | "exit-on-start" | "never-listens" | "garbage-socket" | "garbage-response" | "ignore-sigterm";

/** A plugin folder whose executable is fixtures/fault-server.cjs in `mode`. Remove it with `cleanup`. */
export async function faultPlugin(name: string, mode: FaultMode, grpc: Record<string, unknown> = {}, limits: Record<string, unknown> = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `goatkit-${name}-`));
  const manifest = {
    name,
    version: "1.0.0",
    runtime: "grpc",
    grpc: { binary: "plugin.cjs", health_check: true, ...grpc },
    limits,
    routes: ["echo", "crash", "hang", "flood", "sicken", "whoami", "dial", "string_result"].map((handler) => ({ method: "POST", path: `/api/plugins/${name}/${handler}`, handler })),
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, "plugin.cjs"), `require(${JSON.stringify(SERVER)})(${JSON.stringify(mode)}, ${JSON.stringify(name)});\n`);
  // Readable by the plugin's own user when the host runs each plugin as one (grpc run_as "separate-users").
  await chmod(dir, 0o755);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Whether a process is alive. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `ms` pass. */
export async function eventually<T>(check: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
