import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";

/** Variables whose values are secrets: the admin token and the service URLs (they carry passwords). */
export const SECRET_ENV_VARS = ["GOATKIT_TOKEN", "GOATKIT_DB_URL", "GOATKIT_REDIS_URL", "GOATKIT_SMTP_URL"] as const;

export interface ForgottenSecrets {
  /** The variables removed from process.env. */
  removed: string[];
  /**
   * Whether the process's initial environment block (what /proc/<pid>/environ shows) no longer
   * holds them; false off Linux or where /proc/self/mem cannot be written.
   */
  scrubbed: boolean;
}

/**
 * Forgets secrets this process has read from its environment: removes them from process.env,
 * so processes it starts later cannot inherit them, and on Linux overwrites them in the initial
 * environment block, which /proc/<pid>/environ shows to every process of the same user and which
 * deleting from process.env leaves untouched. The bytes are written through /proc/self/mem (a
 * process may always write its own memory) between `env_start` and `env_end` of
 * /proc/self/stat; libc no longer points at them once the variables are unset.
 */
export function forgetSecrets(names: readonly string[] = SECRET_ENV_VARS): ForgottenSecrets {
  const removed: string[] = [];
  for (const name of names) {
    if (process.env[name] === undefined) continue;
    delete process.env[name];
    removed.push(name);
  }
  return { removed, scrubbed: process.platform === "linux" && scrubInitialEnvironment(names) };
}

function scrubInitialEnvironment(names: readonly string[]): boolean {
  let fd: number | null = null;
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces); env_start and env_end are fields 50 and 51.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[50 - 3]);
    const end = Number(fields[51 - 3]);
    if (!(start > 0 && end > start)) return false;
    fd = openSync("/proc/self/mem", "r+");
    const block = Buffer.alloc(end - start);
    readSync(fd, block, 0, block.length, start);
    let entry = 0;
    while (entry < block.length) {
      let next = block.indexOf(0, entry);
      if (next === -1) next = block.length;
      const text = block.toString("latin1", entry, Math.min(next, entry + 256));
      if (names.some((name) => text.startsWith(`${name}=`))) writeSync(fd, Buffer.alloc(next - entry), 0, next - entry, start + entry);
      entry = next + 1;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
