// Throughput under concurrent load, from a second process, loopback only (docs/benchmarks.md,
// "Throughput"). The server runs in a child process (throughput-server.mjs), this process makes
// the load with autocannon: 32 connections, each comparison's two sides warmed for 1 s, then
// 5 s each in alternating rounds of 1 s, so a busy moment of a shared machine weighs on both.
//   - baseline: a plain Hono handler on @hono/node-server, the same bytes, the same bearer check;
//   - a trivial plugin route, and the tutorial's ticket counter (one cache_get hit per call),
//     served by the host as `gk start` serves it (runHostProcess);
//   - the hook path: 600 ticket creations (5 rounds of 120), 60 in flight, through the demo
//     desk's /api/demo/tickets with the first-party plugins' after_save hooks, against none;
//   - hot reload of the trivial plugin, five times during the load: failed requests counted.
// Run by run.mjs, or alone: `node scripts/bench/throughput.mjs [--profile DIR]`; --profile
// writes a V8 CPU profile of the host process (node --cpu-prof) for each host started.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { benchPluginDir, wat } from "./fixtures.mjs";

const root = new URL("../../", import.meta.url);
const TOKEN = "bench-token-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const CONNECTIONS = 32;
const SECONDS = 5;
/** Rounds a comparison alternates its two sides in, SECONDS / ROUNDS each. */
const ROUNDS = 5;
const FIRST_PARTY = ["stats", "faq", "calendar", "analytics", "process"].map((name) => fileURLToPath(new URL(`plugins/${name}`, root)));

/** Starts throughput-server.mjs with `spec`; resolves once it listens. */
function startServer(spec, profileDir) {
  const execArgv = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(new URL("./throughput-server.mjs", import.meta.url)), JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
  let errors = "";
  child.stderr.on("data", (d) => (errors += d));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      const { url } = JSON.parse(line);
      resolve({
        url,
        pid: child.pid,
        stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))),
      });
    });
    child.once("exit", (code) => reject(new Error(`throughput server (${spec.kind}) exited with ${code} before listening:\n${errors}`)));
  });
}

/**
 * CPU time (user + system, all threads) a server process has used, in microseconds; null where
 * /proc is not there. Per request, it is steadier than requests/s on a shared machine.
 */
function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks: USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** autocannon, warmed for a second first; the figures of the timed run (`pid`: the server's, for its CPU time). */
async function load(options, { warm = true, seconds = SECONDS } = {}) {
  const { amount, pid, ...rest } = options;
  if (warm) await autocannon({ connections: CONNECTIONS, ...rest, duration: 1 });
  const cpuBefore = pid ? cpuMicros(pid) : null;
  // A counted run (amount) or a timed one.
  const result = await autocannon({ connections: CONNECTIONS, ...rest, ...(amount ? { amount } : { duration: seconds }) });
  const cpuAfter = pid ? cpuMicros(pid) : null;
  return {
    cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
    // What the failures were: connection errors, time-outs (autocannon's 10 s), non-2xx answers.
    failures: `${result.errors} errors, ${result.timeouts} time-outs, ${result.non2xx} non-2xx`,
    total: result.requests.total,
  };
}

/** The bench module with a route per handler, as a plugin folder. */
async function benchRouteDir() {
  const dir = await benchPluginDir("bench");
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  manifest.routes = [{ method: "GET", path: "/api/plugins/bench/ok", handler: "ok" }];
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

/** The tutorial's ticket counter (packages/host/test/fixtures/wat), as a plugin folder. */
async function ticketCounterDir() {
  const fixtures = new URL("packages/host/test/fixtures/wat/", root);
  const dir = await mkdtemp(join(tmpdir(), "goatkit-bench-ticket-counter-"));
  await writeFile(join(dir, "manifest.json"), await readFile(new URL("ticket-counter.manifest.json", fixtures)));
  await writeFile(join(dir, "plugin.wasm"), wat(await readFile(new URL("ticket-counter.wat", fixtures), "utf8")));
  return dir;
}

async function bytesOf(url) {
  const res = await fetch(url, { headers: AUTH });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return { body: await res.text(), type: res.headers.get("content-type") ?? "text/plain" };
}

/** Figures of several runs together: requests/s over all, the medians of their p50 and p99. */
function combined(runs) {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const total = runs.reduce((n, r) => n + r.total, 0);
  const seconds = runs.reduce((n, r) => n + r.total / Math.max(r.rps, 1e-9), 0);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  const cpu = runs.every((r) => r.cpu !== null) ? runs.reduce((n, r) => n + r.cpu, 0) / Math.max(total, 1) : null;
  return { cpuPerRequest: cpu, rps: total / seconds, p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), failed, total, failures: runs.filter((r) => r.failed).map((r) => r.failures).join("; ") };
}

/**
 * The two sides of a comparison in alternating rounds (a, b, a, b, ...) after a warm-up of each:
 * on a shared machine a busy moment then weighs on both alike.
 */
async function paired(a, b, rounds = ROUNDS) {
  await load(a, { warm: false, seconds: 1 });
  await load(b, { warm: false, seconds: 1 });
  const runs = { a: [], b: [] };
  for (let i = 0; i < rounds; i++) {
    runs.a.push(await load(a, { warm: false, seconds: SECONDS / rounds }));
    runs.b.push(await load(b, { warm: false, seconds: SECONDS / rounds }));
  }
  return { a: combined(runs.a), b: combined(runs.b) };
}

/** Ticket creations through the demo desk's API of a running host: POST /api/demo/tickets. */
async function ticketOptions(server) {
  const { queues } = await (await fetch(`${server.url}/api/demo/tickets?limit=1`, { headers: AUTH })).json();
  return { url: `${server.url}/api/demo/tickets`, method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ title: "Printer offline", queue: queues[0] }), connections: 60 };
}

/**
 * Runs every case; `push(row)` gets docs/benchmarks.md's rows: p50/p99 in microseconds, ratio
 * the share of the baseline's requests/s (throughput) or the p99 slow-down (hooks).
 */
export async function benchThroughput(push, { profileDir } = {}) {
  const work = await mkdtemp(join(tmpdir(), "goatkit-bench-throughput-"));
  const benchDir = await benchRouteDir();
  const counterDir = await ticketCounterDir();
  const emptyDir = await mkdtemp(join(work, "no-plugins-"));
  const line = (name, r, note) => console.log(`throughput ${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  failed ${r.failed}${r.failed ? ` (${r.failures})` : ""}${note ? `  ${note}` : ""}`);
  // The server's CPU time per request (all its threads): what a route costs, steadier than requests/s.
  const cpuNote = (r) => (r.cpuPerRequest == null ? "" : `, server CPU ${r.cpuPerRequest.toFixed(0)} us/request`);
  const servers = [];
  const serve = async (spec, profile = null) => {
    const server = await startServer(spec, profile);
    servers.push(server);
    return server;
  };
  try {
    console.log(`throughput load average ${loadavg()[0].toFixed(2)} at the start`);
    const host = await serve({ kind: "host", plugins: [benchDir, counterDir], db: join(work, "host.db"), token: TOKEN }, profileDir);
    const paths = { ok: "/api/plugins/bench/ok", counts: "/api/plugins/ticket-counter/counts" };
    const bodies = {};
    for (const path of Object.values(paths)) bodies[path] = await bytesOf(host.url + path);
    const plain = await serve({ kind: "plain", token: TOKEN, bodies });
    const get = (server, path) => ({ url: server.url + path, headers: AUTH, pid: server.pid });
    const ok = await paired(get(plain, paths.ok), get(host, paths.ok));
    const counts = await paired(get(plain, paths.counts), get(host, paths.counts));

    // Hot reload five times while the load runs: every request must still be answered.
    let reloads = 0;
    let reloadFailures = 0;
    const timer = setInterval(() => {
      reloads++;
      fetch(`${host.url}/api/v1/plugins/bench/reload`, { method: "POST", headers: AUTH }).then((r) => r.ok || reloadFailures++, () => reloadFailures++);
    }, (SECONDS * 1000) / 6);
    const reloading = load(get(host, paths.ok), { warm: false });
    setTimeout(() => clearInterval(timer), SECONDS * 1000 - 500);
    const reload = { ...(await reloading), reloads, reloadFailures };

    // The hook path: 600 creations (5 rounds of 120), 60 in flight, on a host without plugins
    // and on one with the first-party plugins, alternating.
    const none = await serve({ kind: "host", plugins: [], pluginsDir: emptyDir, db: join(work, "none.db"), token: TOKEN });
    const hooks = await serve({ kind: "host", plugins: FIRST_PARTY, db: join(work, "hooks.db"), token: TOKEN }, profileDir);
    const creations = await paired({ ...(await ticketOptions(none)), amount: 120 }, { ...(await ticketOptions(hooks)), amount: 120 });

    const row = (name, r, ratio, note) => {
      line(name, r, note);
      push({ group: "throughput", name, p50: r.p50 * 1000, p99: r.p99 * 1000, ratio, note });
    };
    row("plain Hono handler, \"ok\" (baseline)", ok.a, null, `${ok.a.rps.toFixed(0)} req/s${cpuNote(ok.a)}`);
    row("trivial plugin route", ok.b, ok.b.rps / ok.a.rps, `${ok.b.rps.toFixed(0)} req/s, share of baseline; target >= 0.50${cpuNote(ok.b)}`);
    row("plain Hono handler, ticket counts (baseline)", counts.a, null, `${counts.a.rps.toFixed(0)} req/s${cpuNote(counts.a)}`);
    row("ticket counter, one cache_get", counts.b, counts.b.rps / counts.a.rps, `${counts.b.rps.toFixed(0)} req/s, share of baseline; target >= 0.40${cpuNote(counts.b)}`);
    row("600 ticket creations, 60 in flight, no plugin", creations.a, null, `${creations.a.failed} failed`);
    row("same, first-party after_save hooks", creations.b, creations.b.p99 / creations.a.p99, `${creations.b.failed} failed; p99 slow-down, target <= 4x`);
    row("trivial route during 5 hot reloads", reload, null, `${reload.failed} failed of ${reload.total}, ${reload.reloads} reloads (${reload.reloadFailures} refused); target 0 failed`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all([work, benchDir, counterDir].map((d) => rm(d, { recursive: true, force: true })));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--profile");
  await benchThroughput(() => undefined, { profileDir: at > 0 ? process.argv[at + 1] : undefined });
}
