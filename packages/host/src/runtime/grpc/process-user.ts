import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { chmod, chown, lchown, lstat, rm } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";

/**
 * Whose rights a gRPC plugin process has: `separate-users` gives each plugin a uid and gid of
 * its own, so the kernel keeps it out of the other plugins' and the host's memory, environment
 * and sockets; `host-user` runs it as the host's user, which it can then read (docs/grpc.md).
 */
export type GrpcRunAs = "separate-users" | "host-user";

export interface GrpcProcessOptions {
  /** Default: `separate-users` when the host can switch users (root, or CAP_SETUID, CAP_SETGID and CAP_CHOWN), else `host-user`. */
  runAs?: GrpcRunAs;
  /** First uid (and gid) of the plugins' range (default 200000); no user of the system may have one in the range. */
  uidBase?: number;
  /** Size of the range (default 100000); a plugin's uid is uidBase + a hash of its name within it. */
  uidCount?: number;
}

/** The settings a host runs its gRPC plugins with, checked. */
export interface GrpcProcessSettings {
  runAs: GrpcRunAs;
  /** Whether runAs was chosen by default rather than asked for. */
  defaulted: boolean;
  uidBase: number;
  uidCount: number;
}

export interface ProcessUser {
  uid: number;
  gid: number;
}

export const RUN_AS_VALUES: readonly GrpcRunAs[] = ["separate-users", "host-user"];
const DEFAULT_UID_BASE = 200_000;
const DEFAULT_UID_COUNT = 100_000;
const CAP_CHOWN = 0;
const CAP_SETGID = 6;
const CAP_SETUID = 7;

/** Whether this process may start processes as other users and hand them a directory. */
export function canSwitchUsers(): boolean {
  if (typeof process.getuid !== "function") return false;
  if (process.getuid() === 0) return true;
  if (process.platform !== "linux") return false;
  try {
    const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    const caps = BigInt(`0x${line ?? "0"}`);
    return [CAP_CHOWN, CAP_SETGID, CAP_SETUID].every((cap) => (caps >> BigInt(cap)) & 1n);
  } catch {
    return false;
  }
}

/** Checks the options and settles the default; a mode this host cannot honour is an error naming the fix. */
export function grpcProcessSettings(options: GrpcProcessOptions = {}, canSwitch = canSwitchUsers()): GrpcProcessSettings {
  const { runAs, uidBase = DEFAULT_UID_BASE, uidCount = DEFAULT_UID_COUNT } = options;
  if (runAs !== undefined && !RUN_AS_VALUES.includes(runAs)) {
    throw new TypeError(`grpc.runAs must be "separate-users" or "host-user", got ${JSON.stringify(runAs)}`);
  }
  if (!Number.isInteger(uidBase) || uidBase < 1000) throw new TypeError(`grpc.uidBase must be a whole number of 1000 or more (above the system's users), got ${JSON.stringify(uidBase)}`);
  if (!Number.isInteger(uidCount) || uidCount < 1 || uidBase + uidCount > 2 ** 31) {
    throw new TypeError(`grpc.uidCount must be a whole number of 1 or more, with uidBase + uidCount at most 2^31, got ${JSON.stringify(uidCount)}`);
  }
  if (runAs === "separate-users" && !canSwitch) {
    throw new TypeError(
      'grpc.runAs is "separate-users" but this host cannot start processes as other users: run it as root, or give it CAP_SETUID, CAP_SETGID and CAP_CHOWN; or set it to "host-user" (GOATKIT_GRPC_RUN_AS=host-user), which lets plugin processes read one another (docs/grpc.md, Security)',
    );
  }
  return { runAs: runAs ?? (canSwitch ? "separate-users" : "host-user"), defaulted: runAs === undefined, uidBase, uidCount };
}

// uid of each plugin name, per range, for this host process: a name keeps its uid, and two
// names whose hashes meet get different ones.
const assigned = new Map<string, number>();
const owners = new Map<number, string>();

/** The plugin's own uid and gid: uidBase + a hash of its name, the next free one when another plugin has it. */
export function pluginUser(name: string, settings: Pick<GrpcProcessSettings, "uidBase" | "uidCount">): ProcessUser {
  const key = `${settings.uidBase}/${settings.uidCount}/${name}`;
  let uid = assigned.get(key);
  if (uid === undefined) {
    let offset = createHash("sha256").update(name).digest().readUInt32BE(0) % settings.uidCount;
    for (let tries = 0; owners.has(settings.uidBase + offset); tries++) {
      if (tries >= settings.uidCount) throw new TypeError(`grpc.uidCount (${settings.uidCount}) is too small for the plugins this host runs; raise it`);
      offset = (offset + 1) % settings.uidCount;
    }
    uid = settings.uidBase + offset;
    assigned.set(key, uid);
    owners.set(uid, key);
  }
  return { uid, gid: uid };
}

let setprivPath: string | null | undefined;

/**
 * util-linux's setpriv, when installed: it starts the plugin with no_new_privs (no setuid
 * program or file capability gives it rights back) besides the uid, gid and cleared groups
 * that Node's spawn sets too.
 */
export function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  for (const dir of [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, "setpriv"), constants.X_OK);
      setprivPath = join(dir, "setpriv");
      break;
    } catch {
      // not here
    }
  }
  return setprivPath;
}

/** The command and arguments that run `command args` as `user`. */
export function asUser(user: ProcessUser, command: string, args: string[]): { command: string; args: string[]; uid?: number; gid?: number } {
  const tool = setpriv();
  if (tool) return { command: tool, args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--no-new-privs", "--", command, ...args] };
  // Node (libuv) clears the supplementary groups too when it switches users.
  return { command, args, uid: user.uid, gid: user.gid };
}

/** Removes a directory with the plugin user's rights only: what the plugin left in it cannot make the host remove anything else. */
export function removeAsUser(user: ProcessUser, dir: string): Promise<boolean> {
  const run = asUser(user, "rm", ["-rf", "--", dir]);
  return new Promise((resolve) => {
    const child = spawn(run.command, run.args, { stdio: "ignore", ...(run.uid !== undefined ? { uid: run.uid, gid: run.gid! } : {}) });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}

/**
 * Why `user` cannot run the plugin, found by the permission bits of each path it needs (a
 * diagnosis after a failed start; the kernel decides): the executable (read for a Node script,
 * execute otherwise) and the directories leading to it, and to its socket directory.
 */
export function unreachable(user: ProcessUser, paths: { file: string; needs: "read" | "execute" }[], dirs: string[]): string | null {
  const bit = (mode: number, uid: number, gid: number, want: number): boolean => {
    const shift = uid === user.uid ? 6 : gid === user.gid ? 3 : 0;
    return ((mode >> shift) & want) === want;
  };
  const walk = (dir: string): string | null => {
    const parent = dirname(dir);
    const above = parent === dir ? null : walk(parent);
    if (above) return above;
    try {
      const st = statSync(dir);
      if (!bit(st.mode, st.uid, st.gid, 1)) return `cannot enter ${dir} (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}, owner ${st.uid}:${st.gid})`;
    } catch {
      return null;
    }
    return null;
  };
  for (const dir of dirs) {
    const problem = walk(dir);
    if (problem) return problem;
  }
  for (const { file, needs } of paths) {
    const problem = walk(dirname(file));
    if (problem) return problem;
    try {
      const st = statSync(file);
      if (!bit(st.mode, st.uid, st.gid, needs === "read" ? 4 : 1)) return `cannot ${needs} ${file} (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}, owner ${st.uid}:${st.gid})`;
    } catch {
      // missing: named by the start's own error
    }
  }
  return null;
}

/** Removes a private folder; one the plugin owns with the plugin's rights only (it may have put links there). */
export async function removePrivateDir(dir: string, user: ProcessUser | undefined): Promise<void> {
  if (user) {
    if (await removeAsUser(user, dir)) return;
    // Not handed over yet (a failed start): still the host's own.
    const owner = await lstat(dir).then((st) => st.uid, () => null);
    if (owner === null || owner === user.uid) return;
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * Gives a plugin's private folder to its user once the host's socket is in it: the socket is the
 * host service's (0600, the plugin's to connect to), the folder the plugin's (it creates its own
 * socket there, and no other plugin user can enter it).
 */
export async function handOver(dir: string, hostSocket: string, user: ProcessUser | undefined): Promise<void> {
  await chmod(hostSocket, 0o600);
  if (!user) return;
  await lchown(hostSocket, user.uid, user.gid);
  await chown(dir, user.uid, user.gid);
}

/**
 * What a plugin's user cannot reach of what it needs to start (its executable, Node for a script,
 * its folders), with the fix; null when nothing.
 */
export function whyUnreachable(user: ProcessUser, executable: string, folders: string[]): string | null {
  const node = /\.(mjs|cjs|js)$/.test(executable);
  const needs = [{ file: executable, needs: node ? ("read" as const) : ("execute" as const) }, ...(node ? [{ file: process.execPath, needs: "execute" as const }] : [])];
  const problem = unreachable(user, needs, folders);
  if (!problem) return null;
  return `the plugin runs as uid ${user.uid} (grpc run_as "separate-users"), which ${problem}: let other users read and enter the plugin's folder (chmod -R o+rX, or install plugins under a folder such as /srv/goatkit/plugins), or run plugins as the host's user (GOATKIT_GRPC_RUN_AS=host-user), which gives up their separation (docs/grpc.md, Security)`;
}
