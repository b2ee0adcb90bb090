// `pnpm bench:journey`: the author's journey, timed. From a fresh folder with a warm npm cache,
// three commands take a plugin from nothing to answering over HTTP:
//   gk plugin init bench-<lang> --lang <lang>;  npm install;  npx gk dev  (GOATKIT_PORT=0)
// then hot reload: with gk dev still running, a change to the handler's source is saved, and the
// time from the save to the first HTTP answer that carries the change is measured.
// `gk` is installed from the packed tarballs into a temporary prefix first, as the guide does,
// and an untimed round warms the cache. The baseline, measured in the same run, is `npm install`
// of the same project's third-party devDependencies alone (vitest, and assemblyscript or
// typescript): what any project of that language costs to install.
//
//   node scripts/bench/journey.mjs [--runs N] [--write]
// --write records the table in docs/benchmarks.md (between the journey markers).
import { spawn } from "node:child_process";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1] ?? 1) || 1;
const write = argv.includes("--write");
const TARGETS = { as: 60, ts: 90 };
/** Hot reload, from the save to the new answer over HTTP (seconds). */
const RELOAD_TARGETS = { as: 10, ts: 2 };

const prefix = await mkdtemp(join(tmpdir(), "gk-bench-prefix-"));
const env = { ...process.env, GOATKIT_PORT: "0", PATH: [join(prefix, "bin"), process.env.PATH].join(delimiter), npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" };
delete env.NODE_PATH;
delete env.GOATKIT_TOKEN;

function sh(command, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} (in ${cwd}) exited with ${code}:\n${output}`))));
  });
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - started) / 1000, value };
}

/**
 * `npx gk dev` until the route it prints answers 200 over HTTP with the printed token; then
 * `then(url, token)` runs with gk dev still serving, and its value is returned with the output.
 */
function devUntilAnswering(cwd, then = async () => null) {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", "exec npx gk dev"], { cwd, env, detached: true });
    let output = "";
    let done = false;
    const stop = (error, value) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      child.once("close", () => (error ? reject(error) : resolve(value)));
      process.kill(-child.pid, "SIGTERM");
    };
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => !done && reject(new Error(`gk dev exited with ${code}:\n${output}`)));
    let answered = false;
    const poll = setInterval(async () => {
      const m = /Bearer (\S+)" (\S+)$/m.exec(output);
      if (!m || answered) return;
      const res = await fetch(m[2], { headers: { authorization: `Bearer ${m[1]}` } }).catch(() => null);
      if (res?.status !== 200 || answered) return;
      answered = true;
      clearInterval(poll);
      const firstAnswer = output;
      then(m[2], m[1]).then(
        (after) => stop(null, { output: firstAnswer, after }),
        (error) => stop(new Error(`${error.message}\n${output.slice(-3000)}`)),
      );
    }, 50);
  });
}

/**
 * Saves a change to the scaffold's get_counts (the counts' column renamed, under a new cache key
 * so no cached answer hides it) and polls the route until an answer carries it: seconds from the
 * save, which covers gk dev seeing the change, the build, the host's reload and the call.
 */
async function hotReload(project, lang, url, token) {
  const file = join(project, lang === "as" ? "assembly/index.ts" : "src/index.ts");
  const source = await readFile(file, "utf8");
  const edited = source.replaceAll('"counts"', '"counts-edited"').replace("COUNT(*) AS count", "COUNT(*) AS total").replace("ORDER BY count", "ORDER BY total");
  if (edited === source || !edited.includes("AS total")) throw new Error(`${file} no longer has the get_counts this benchmark edits; update hotReload`);
  const saved = performance.now();
  await writeFile(file, edited);
  for (;;) {
    const body = await fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text(), () => "");
    if (body.includes('"total"')) return (performance.now() - saved) / 1000;
    if (performance.now() - saved > 120_000) throw new Error(`no answer with the change 120 s after the save; last answer: ${body.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function journey(lang) {
  const work = await mkdtemp(join(tmpdir(), `gk-bench-${lang}-`));
  try {
    const project = join(work, `bench-${lang}`);
    const init = await timed(() => sh(`gk plugin init bench-${lang} --lang ${lang}`, work));
    const install = await timed(() => sh("npm install", project));
    let answeredAt = 0;
    const dev = await timed(() =>
      devUntilAnswering(project, (url, token) => {
        answeredAt = performance.now();
        return hotReload(project, lang, url, token);
      }),
    );
    // gk dev's share ends at the first answer; the hot reload after it is timed on its own.
    const devSeconds = dev.seconds - (performance.now() - answeredAt) / 1000;
    const build = Number(/built in ([\d.]+) s/.exec(dev.value.output)?.[1] ?? NaN);
    return { init: init.seconds, install: install.seconds, dev: devSeconds, build, total: init.seconds + install.seconds + devSeconds, reload: dev.value.after };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The baseline: npm install of the project's third-party devDependencies only. */
async function baselineInstall(lang) {
  const work = await mkdtemp(join(tmpdir(), `gk-bench-base-${lang}-`));
  try {
    const devDependencies = lang === "as" ? { assemblyscript: "~0.28.9", vitest: "^4.1.0" } : { typescript: "~5.9.3", vitest: "^4.1.0" };
    await writeFile(join(work, "package.json"), JSON.stringify({ name: `base-${lang}`, private: true, devDependencies }));
    return (await timed(() => sh("npm install", work))).seconds;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const loadAtStart = loadavg()[0];
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  console.log("setup: packing @goatkit/sdk, host and cli and installing gk into a temporary prefix (not timed)");
  const packs = join(prefix, "packs");
  await sh(`pnpm -r --filter "./packages/*" --filter "!./packages/dashboard" pack --pack-destination ${packs}`, root);
  const tarballs = (await readdir(packs)).map((f) => join(packs, f));
  await sh(`npm install -g --prefix ${prefix} ${tarballs.join(" ")}`, prefix);
  console.log(`gk ${(await sh("gk --version", tmpdir())).trim()} from ${prefix}/bin`);

  const rows = [];
  for (const lang of ["as", "ts"]) {
    console.log(`${lang}: warm-up round (not timed)`);
    await journey(lang);
    const results = [];
    const baselines = [];
    for (let i = 0; i < runs; i++) {
      baselines.push(await baselineInstall(lang));
      const r = await journey(lang);
      results.push(r);
      console.log(`${lang}: init ${r.init.toFixed(1)} s, npm install ${r.install.toFixed(1)} s, gk dev to first answer ${r.dev.toFixed(1)} s (build ${r.build.toFixed(1)} s): ${r.total.toFixed(1)} s (target <= ${TARGETS[lang]} s); hot reload, save to new answer ${r.reload.toFixed(2)} s (target <= ${RELOAD_TARGETS[lang]} s)`);
    }
    const pick = (k) => median(results.map((r) => r[k]));
    rows.push({ lang, init: pick("init"), install: pick("install"), dev: pick("dev"), build: pick("build"), total: pick("total"), reload: pick("reload"), baseline: median(baselines) });
  }

  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim().split(" ").slice(0, 2).join(" ") ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, npm ${(await sh("npm --version", tmpdir())).trim()}; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end; median of ${runs} run(s) after a warm-up round.`,
    "",
    "| language | gk plugin init (s) | npm install (s) | npx gk dev to first answer (s) | of which the build (s) | total (s) | target (s) | met | baseline npm install (s) | install / baseline |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ...rows.map((r) => `| ${r.lang === "as" ? "AssemblyScript" : "TypeScript"} | ${r.init.toFixed(1)} | ${r.install.toFixed(1)} | ${r.dev.toFixed(1)} | ${r.build.toFixed(1)} | ${r.total.toFixed(1)} | ${TARGETS[r.lang]} | ${r.total <= TARGETS[r.lang] ? "yes" : "**no**"} | ${r.baseline.toFixed(1)} | ${(r.install / r.baseline).toFixed(2)}x |`),
    "",
    "| language | hot reload: save to the new answer over HTTP (s) | target (s) | met |",
    "| --- | ---: | ---: | --- |",
    ...rows.map((r) => `| ${r.lang === "as" ? "AssemblyScript" : "TypeScript"} | ${r.reload.toFixed(2)} | ${RELOAD_TARGETS[r.lang]} | ${r.reload <= RELOAD_TARGETS[r.lang] ? "yes" : "**no**"} |`),
  ];
  console.log(`\n${lines.join("\n")}`);
  if (write) {
    const file = join(root, "docs/benchmarks.md");
    const doc = await readFile(file, "utf8");
    const start = doc.indexOf("<!-- journey:start -->");
    const end = doc.indexOf("<!-- journey:end -->");
    if (start < 0 || end < 0) throw new Error("docs/benchmarks.md has no <!-- journey:start --> / <!-- journey:end --> markers");
    await writeFile(file, `${doc.slice(0, start)}<!-- journey:start -->\n${lines.join("\n")}\n${doc.slice(end)}`);
    console.log("recorded in docs/benchmarks.md");
  }
} finally {
  await rm(prefix, { recursive: true, force: true });
}
