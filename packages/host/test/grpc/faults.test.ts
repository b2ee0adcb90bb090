import { rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canSwitchUsers, createHost, type Host, type Plugin } from "../../src/index.js";
import { alive, eventually, faultPlugin, type FaultMode } from "./support/fault-plugin.js";

const bystanderDir = fileURLToPath(new URL("./fixtures/tutorial-node", import.meta.url));

/** Every fault leaves the other plugin answering. */
async function bystanderAnswers(host: Host): Promise<void> {
  const res = await host.call("tutorial-node", "list_reports");
  expect(res.status).toBe(200);
}

describe("gRPC plugin faults: a clean error, a restart, the other plugins unaffected", () => {
  let host: Host;
  const cleanups: (() => Promise<void>)[] = [];
  const pids: number[] = [];

  beforeEach(async () => {
    host = await createHost({ database: { demo: { tickets: 20 } } });
    await host.load(bystanderDir);
  });
  afterEach(async () => {
    await host.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    // No process outlives its host.
    for (const pid of pids.splice(0)) expect(alive(pid)).toBe(false);
  });

  async function load(name: string, mode: FaultMode, grpc: Record<string, unknown> = {}, limits: Record<string, unknown> = {}): Promise<{ plugin: Plugin; dir: string }> {
    const fault = await faultPlugin(name, mode, grpc, limits);
    cleanups.push(fault.cleanup);
    const plugin = await host.load(fault.dir);
    if (plugin.pid !== undefined) pids.push(plugin.pid);
    return { plugin, dir: fault.dir };
  }

  const pidOf = async (name: string): Promise<number> => {
    const res = await host.call(name, "echo");
    expect(res.status).toBe(200);
    const { pid } = JSON.parse(String(res.body)) as { pid: number };
    pids.push(pid);
    return pid;
  };

  it("crash mid-call: the call fails with the exit code, the next call runs on a new process", async () => {
    await load("fault-crash", "normal");
    const before = await pidOf("fault-crash");
    const res = await host.call("fault-crash", "crash");
    expect(res.status).toBe(500);
    expect(res.error).toEqual({ code: "E_TRAP", message: "the plugin process exited during the call (exit code 3); the host restarts it" });
    expect(host.logs.list("fault-crash", "error").map((l) => l.message)).toContain("the plugin process exited (exit code 3); restarting it");
    const after = await pidOf("fault-crash");
    expect(after).not.toBe(before);
    expect(alive(before)).toBe(false);
    await bystanderAnswers(host);
  });

  it("exit on start: the load fails naming the exit code and what the process printed", async () => {
    const fault = await faultPlugin("fault-exit", "exit-on-start");
    cleanups.push(fault.cleanup);
    const error = await host.load(fault.dir).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({
      code: "E_LOAD",
      message: "the plugin process exited before it served (exit code 2; stderr: boom: the plugin cannot start); run it by hand with GOATFLOW_PLUGIN_SOCKET=/tmp/test.sock to see why",
    });
    expect(host.plugin("fault-exit")).toBeUndefined();
    await bystanderAnswers(host);
  });

  it("exit on restart: calls fail with the reason while the host retries with backoff, then it recovers", async () => {
    const { dir } = await load("fault-restart", "normal");
    const first = await pidOf("fault-restart");
    await writeFile(join(dir, "fail-start"), "");
    await host.call("fault-restart", "crash");
    // Restarts now fail; the host keeps trying, further apart each time.
    const failing = await eventually(async () => {
      const res = await host.call("fault-restart", "echo");
      return res.error?.code === "E_UNAVAILABLE" || res.error?.code === "E_LOAD" ? res : null;
    });
    expect(failing.error?.message).toMatch(/exit code 2; stderr: boom: the plugin cannot start/);
    await bystanderAnswers(host);
    await rm(join(dir, "fail-start"));
    const recovered = await eventually(async () => {
      const res = await host.call("fault-restart", "echo");
      return res.status === 200 ? (JSON.parse(String(res.body)) as { pid: number }).pid : null;
    }, 30_000);
    pids.push(recovered);
    expect(recovered).not.toBe(first);
  }, 60_000);

  it("never listens: the load fails after grpc.start_timeout_ms and the process is ended", async () => {
    const fault = await faultPlugin("fault-silent", "never-listens", { start_timeout_ms: 800 });
    cleanups.push(fault.cleanup);
    const started = Date.now();
    const error = await host.load(fault.dir).catch((e: Error & { code?: string }) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({
      code: "E_LOAD",
      message: "the plugin process did not serve on its socket within 800 ms; it must listen on the unix socket named by GOATFLOW_PLUGIN_SOCKET and report SERVING on grpc.health.v1 (or raise grpc.start_timeout_ms)",
    });
    await bystanderAnswers(host);
  });

  it("hangs: the caller gets E_TIMEOUT after limits.timeout_ms, the hung process is killed and replaced", async () => {
    await load("fault-hang", "normal", {}, { timeout_ms: 1500 });
    const before = await pidOf("fault-hang");
    const res = await host.call("fault-hang", "hang");
    expect(res.status).toBe(504);
    expect(res.error).toEqual({ code: "E_TIMEOUT", message: "the call ran longer than 1500 ms and was stopped; make it faster or raise limits.timeout_ms" });
    expect(alive(before)).toBe(false);
    const after = await pidOf("fault-hang");
    expect(after).not.toBe(before);
    await bystanderAnswers(host);
  });

  it("answers garbage on its socket: the load fails cleanly", async () => {
    const fault = await faultPlugin("fault-garbage", "garbage-socket", { start_timeout_ms: 800 });
    cleanups.push(fault.cleanup);
    const error = await host.load(fault.dir).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: "E_LOAD", message: expect.stringContaining("did not serve on its socket within 800 ms") });
    await bystanderAnswers(host);
  });

  it("answers garbage to a call: E_TRAP saying the answer is no CallResponse", async () => {
    await load("fault-junk", "garbage-response");
    const res = await host.call("fault-junk", "echo");
    expect(res.error?.code).toBe("E_TRAP");
    expect(res.error?.message).toMatch(/^the plugin answered something that is not a plugin\.CallResponse \(.+\); it must serve packages\/sdk\/proto\/plugin\.proto$/);
    await bystanderAnswers(host);
  });

  it("answers a string where plugin.proto has bytes (the tutorial's Node.js text): E_TRAP naming the fix", async () => {
    await load("fault-string", "normal");
    const res = await host.call("fault-string", "string_result");
    expect(res.error?.code).toBe("E_TRAP");
    expect(res.error?.message).toMatch(/`result` is bytes: send a Buffer \(Buffer\.from\(JSON\.stringify\(value\)\)\), not a string$/);
    await bystanderAnswers(host);
  });

  it("floods its output: lines beyond the per-second budget are dropped and counted, the call answers", async () => {
    await load("fault-flood", "normal");
    const res = await host.call("fault-flood", "flood");
    expect(JSON.parse(String(res.body))).toEqual({ flooded: 20000 });
    const lines = await eventually(() => {
      const all = host.logs.list("fault-flood");
      return all.some((l) => l.message.startsWith("log flood:")) ? all : null;
    });
    expect(lines.filter((l) => l.message.startsWith("flood line")).length).toBeLessThanOrEqual(400);
    expect(lines.find((l) => l.message.startsWith("log flood:"))?.message).toMatch(/^log flood: \d+ output lines dropped \(more than 200 a second\)$/);
    await bystanderAnswers(host);
  });

  it("turns unhealthy: after two failed health checks the process is replaced", async () => {
    await load("fault-sick", "normal", { health_interval_ms: 100 });
    const before = await pidOf("fault-sick");
    await host.call("fault-sick", "sicken");
    await eventually(() => !alive(before));
    expect(host.logs.list("fault-sick", "error").map((l) => l.message)).toContain("the plugin process is unhealthy (NOT_SERVING); restarting it");
    const after = await pidOf("fault-sick");
    expect(after).not.toBe(before);
    await bystanderAnswers(host);
  });

  it("ignores SIGTERM: unloading kills it after grpc.stop_grace_ms", async () => {
    const { plugin } = await load("fault-stubborn", "ignore-sigterm", { stop_grace_ms: 300 });
    const pid = plugin.pid!;
    const started = Date.now();
    await host.unload("fault-stubborn");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(alive(pid)).toBe(false);
    expect(host.logs.list("fault-stubborn").map((l) => l.message)).toEqual(expect.arrayContaining(["SIGTERM ignored", "the plugin process did not stop within 300 ms of SIGTERM and was killed"]));
    await bystanderAnswers(host);
  });
});

describe("gRPC plugin credentials: a process reaches the host service only with its own token", () => {
  let host: Host;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await host.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("as the host's user: another plugin's host service refuses a foreign or missing token; sockets are private", async () => {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs: "host-user" } });
    const a = await faultPlugin("fault-a", "normal");
    const b = await faultPlugin("fault-b", "normal");
    cleanups.push(a.cleanup, b.cleanup);
    await host.load(a.dir);
    await host.load(b.dir);
    const whoA = JSON.parse(String((await host.call("fault-a", "whoami")).body)) as { address: string; token: string; plugin: string };
    const whoB = JSON.parse(String((await host.call("fault-b", "whoami")).body)) as { address: string; token: string };
    expect(whoA.plugin).toBe("fault-a");
    expect(whoA.address).not.toBe(whoB.address);
    const dial = async (body: unknown) => JSON.parse(String((await host.call("fault-b", "dial", { kind: "route", method: "POST", body: JSON.stringify(body) })).body));
    const refused = { code: 16, details: "the host service refused the call: it carries no valid token; send `authorization: Bearer <token>` with the token SetHost gave this process" };
    expect(await dial({ address: whoA.address, token: whoB.token })).toEqual(refused);
    expect(await dial({ address: whoA.address })).toEqual(refused);
    expect(await dial({ address: whoB.address, token: whoB.token })).toEqual({ ok: true });
    expect(host.logs.list("fault-a").some((l) => l.message.startsWith("dialled by"))).toBe(false);
    // The folder holding both sockets is the host user's alone, and so are the sockets.
    const socket = whoA.address.replace(/^unix:\/\//, "");
    expect((await stat(join(socket, ".."))).mode & 0o777).toBe(0o700);
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!canSwitchUsers())("as users of their own: another plugin's sockets cannot even be reached; each folder is its plugin's alone", async () => {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs: "separate-users" } });
    const a = await faultPlugin("fault-a", "normal");
    const b = await faultPlugin("fault-b", "normal");
    cleanups.push(a.cleanup, b.cleanup);
    await host.load(a.dir);
    await host.load(b.dir);
    const whoA = JSON.parse(String((await host.call("fault-a", "whoami")).body)) as { address: string; token: string };
    const whoB = JSON.parse(String((await host.call("fault-b", "whoami")).body)) as { address: string; token: string };
    const dial = async (body: unknown) => JSON.parse(String((await host.call("fault-b", "dial", { kind: "route", method: "POST", body: JSON.stringify(body) })).body)) as { code?: number; details?: string; ok?: true };
    // Even with A's own token, B's process is refused by the kernel before any gRPC.
    const foreign = await dial({ address: whoA.address, token: whoA.token });
    expect(foreign.code).toBe(14);
    expect(foreign.details).toContain(`connect EACCES ${whoA.address.replace(/^unix:\/\//, "")}`);
    expect(await dial({ address: whoB.address, token: whoB.token })).toEqual({ ok: true });
    expect(await dial({ address: whoB.address })).toMatchObject({ code: 16 });
    expect(host.logs.list("fault-a").some((l) => l.message.startsWith("dialled by"))).toBe(false);
    const folderA = await stat(dirname(whoA.address.replace(/^unix:\/\//, "")));
    const folderB = await stat(dirname(whoB.address.replace(/^unix:\/\//, "")));
    expect(folderA.mode & 0o777).toBe(0o700);
    expect(folderA.uid).not.toBe(folderB.uid);
    expect(folderA.uid).not.toBe(process.getuid!());
  });
});
