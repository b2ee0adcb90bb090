import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo } from "./support.js";

// docs/getting-started.md, run as written: its `sh` blocks are read from the page itself, so the
// page and this test cannot drift. `gk` is installed from the packed tarballs into a temporary
// npm prefix (what `npm install -g` does for a user); the project lives in a temporary folder
// outside the repository, with nothing but npm and that `gk`.
const guide = await readFile(join(repo, "docs/getting-started.md"), "utf8");
const { version } = JSON.parse(await readFile(join(repo, "packages/cli/package.json"), "utf8")) as { version: string };

interface Block {
  section: string;
  commands: string[];
}

/** The guide's `sh` blocks, by section, as command lines without their comments. */
function shBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let section = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith("## ")) section = lines[i]!.slice(3);
    if (lines[i] !== "```sh") continue;
    const commands: string[] = [];
    while (lines[++i] !== "```") {
      const command = lines[i]!.replace(/\s+#.*$/, "").trim();
      if (command && !command.startsWith("#")) commands.push(command);
    }
    blocks.push({ section, commands });
  }
  return blocks;
}

const blocks = shBlocks(guide);
const install = blocks.find((b) => b.section.startsWith("0."))!;
const journey = blocks.filter((b) => b !== install);
/** Commands the test does not run, and why: it must not publish to the registry, nor ask it (the dry run). */
const NOT_RUN = ["npm publish --dry-run", "npm publish"];

interface Result {
  code: number | null;
  /** stdout and stderr as a terminal shows them. */
  output: string;
  stdout: string;
}

let prefix: string;
let env: NodeJS.ProcessEnv;

function sh(command: string, cwd: string, timeoutMs = 240_000): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = spawn("sh", ["-c", command], { cwd, env });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output, stdout });
    });
  });
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, what: () => string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  prefix = await mkdtemp(join(tmpdir(), "gk-prefix-"));
  // `npm install -g` installs into npm_config_prefix; the npm cache is the user's, warm.
  env = { ...process.env, npm_config_prefix: prefix, PATH: [join(prefix, "bin"), process.env.PATH].join(delimiter), GOATKIT_PORT: "0", npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
  // Nothing of the monorepo may leak in: pnpm's shims set NODE_PATH to its store.
  delete env.GOATKIT_TOKEN;
  delete env.NODE_PATH;
  // Tarballs of an earlier version would match the guide's glob too.
  await rm(join(repo, ".goatkit/packs"), { recursive: true, force: true });
});
afterAll(() => rm(prefix, { recursive: true, force: true }));

/**
 * The component binding's toolchain is an optional dependency: a new project builds without it,
 * `--binding component` names the install command, and that command is enough (docs/typescript.md).
 */
async function componentOnRequest(cwd: string): Promise<void> {
  const missing = await sh("npx gk plugin build --binding component", cwd);
  expect(missing.code).toBe(1);
  const install = /componentize-js, an optional dependency of @goatkit\/sdk that this project does not have: (npm install -D [^(]+) \(/.exec(missing.output)?.[1]?.trim();
  expect(install, missing.output).toBe("npm install -D @bytecodealliance/componentize-js@^0.23.0 @bytecodealliance/preview2-shim@^0.17.9");
  const installed = await sh(install!, cwd);
  expect(installed.code, installed.output).toBe(0);
  const built = await sh("npx gk plugin build --binding component", cwd);
  expect(built.code, built.output).toBe(0);
  expect(built.output).toMatch(/build\/plugin\.wasm: component module, [\d.]+ KiB/);
  const tested = await sh("npm test", cwd);
  expect(tested.code, tested.output).toBe(0);
  expect(tested.output).toMatch(/3 passed/);
}

describe("docs/getting-started.md", () => {
  it("has the blocks this test runs", () => {
    expect(install.commands).toHaveLength(2);
    const all = journey.flatMap((b) => b.commands);
    expect(all[0]).toMatch(/^gk plugin init ticket-notes --lang ts$/);
    expect(all.filter((c) => NOT_RUN.includes(c))).toEqual(NOT_RUN);
  });

  it("0. installs gk from the packed tarballs: a working gk on PATH", async () => {
    // In the clone, as the guide says (after pnpm install && pnpm build, which pnpm test did).
    for (const command of install.commands) {
      const res = await sh(command, repo);
      expect(res.output).not.toMatch(/npm error/);
      expect(res.code, `${command}\n${res.output}`).toBe(0);
    }
    expect((await readdir(join(prefix, "lib/node_modules/@goatkit"))).sort()).toEqual(["cli", "host", "sdk"]);
    const which = await sh("command -v gk", tmpdir());
    expect(await realpath(which.output.trim())).toBe(await realpath(join(prefix, "lib/node_modules/@goatkit/cli/dist/cli.js")));
    const v = await sh("gk --version", tmpdir());
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`${version}\n`);
  }, 300_000);

  for (const lang of ["ts", "as"] as const) {
    it(`1-5 in ${lang === "ts" ? "TypeScript" : "AssemblyScript"}, from an empty folder outside the repository`, async () => {
      const work = await mkdtemp(join(tmpdir(), `gk-guide-${lang}-`));
      let cwd = work;
      try {
        const ran: string[] = [];
        for (const block of journey) {
          for (const line of block.commands) {
            if (NOT_RUN.includes(line)) continue;
            // The guide's one choice: its comment says --lang as for AssemblyScript.
            const command = lang === "as" ? line.replace("--lang ts", "--lang as") : line;
            ran.push(command);
            const cd = /^cd (\S+)$/.exec(command);
            if (cd) {
              cwd = join(cwd, cd[1]!);
              expect(existsSync(cwd), command).toBe(true);
              continue;
            }
            if (command === "npx gk dev") {
              await devServes(command, cwd, lang);
              continue;
            }
            const res = await sh(command, cwd);
            expect(res.code, `${command} in ${cwd}:\n${res.output}`).toBe(0);
            check(command, res, lang, journey.flatMap((b) => b.commands));
          }
        }
        expect(ran.length).toBeGreaterThan(10);
        if (lang === "ts") await componentOnRequest(cwd);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }, 900_000);
  }
});

/** What a user would look at after each command. */
function check(command: string, { output, stdout }: Result, lang: "as" | "ts", guideCommands: string[]): void {
  if (command.startsWith("gk plugin init")) {
    expect(output).toContain(`The @goatkit packages come from vendor/`);
    // The printed next steps are commands of the guide, which this test runs.
    const next = output.slice(output.indexOf("Next:")).split("\n").slice(1).map((l) => l.trim()).filter(Boolean);
    expect(next).toEqual(["cd ticket-notes", "npm install", "npm run build", "npm test", "npx gk dev"]);
    for (const step of next) expect(guideCommands).toContain(step);
  }
  if (command === "npm run build") expect(output).toMatch(new RegExp(`build/plugin\\.wasm: ${lang === "ts" ? "quickjs" : "core"} module, [\\d.]+ KiB`));
  if (command === "npm test") expect(output).toMatch(/3 passed/);
  if (command.startsWith("npx gk plugin validate")) expect(output).toContain("registration agrees with the manifest; 2 route(s), 1 widget(s), 0 job(s)");
  if (command.startsWith("npx gk plugin call")) {
    const counts = JSON.parse(stdout) as { state: string; count: number }[];
    expect(counts.reduce((n, c) => n + c.count, 0)).toBeGreaterThan(0);
  }
  if (command.startsWith("npx gk plugin verify")) expect(output).toMatch(/ticket-notes 0\.1\.0, integrity ok \(\d+ files\), signed by trusted key [0-9a-f]{16}/);
  if (command.startsWith("npx gk plugin publish")) expect(output).not.toMatch(/not ready/);
}

/** `gk dev` as the guide shows it: the printed curl works, and an edit is served without a restart. */
async function devServes(command: string, cwd: string, lang: "as" | "ts"): Promise<void> {
  // Its own process group, so that stopping it stops npx's child too.
  const child = spawn("sh", ["-c", `exec ${command}`], { cwd, env, detached: true });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  try {
    const curl = await waitFor(() => /^ {2}try {8}(curl .*)$/m.exec(output)?.[1], 180_000, () => `gk dev's banner:\n${output}`);
    expect(output).toMatch(/^ {2}routes {5}GET {4}http:\/\/127\.0\.0\.1:\d+\/api\/plugins\/ticket-notes\/counts$/m);
    const counts = await sh(curl, cwd);
    expect(counts.code).toBe(0);
    expect((JSON.parse(counts.stdout) as { count: number }[]).reduce((n, c) => n + c.count, 0)).toBeGreaterThan(0);

    const [, token, url] = /Bearer (\S+)" (http:\/\/[^/]+)/.exec(curl)!;
    expect((await fetch(`${url}/api/plugins/ticket-notes/counts`)).status).toBe(401);
    const widget = () => fetch(`${url}/api/plugins/ticket-notes/widgets/ticket-notes-counts?bare=1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    // The widget titled "Ticket counts" shows the counts.
    expect(await widget()).toMatch(/^<ul class="ticket-counts">(<li>[a-z ]+: \d+<\/li>)+<\/ul>$/);
    expect(await widget()).toContain("<li>open: ");
    const source = join(cwd, lang === "ts" ? "src/index.ts" : "assembly/index.ts");
    await writeFile(source, (await readFile(source, "utf8")).replace("</li>", " tickets</li>"));
    await waitFor(async () => (/^<ul class="ticket-counts">(<li>[a-z ]+: \d+ tickets<\/li>)+<\/ul>$/.test(await widget()) ? true : undefined), 180_000, () => `the edit to be served:\n${output}`);
    expect(output).toContain("gk dev: reloaded ticket-notes 0.1.0");

    // A runtime error in the author's code: printed once, at the author's file and line (an
    // AssemblyScript index error aborts in the standard library, ~lib/array.ts).
    const edited = await readFile(source, "utf8");
    const broken =
      lang === "ts"
        ? edited.replace("render_widget() {\n", 'render_widget() {\n      const none: string[] = [];\n      if (none.length === 0) throw new Error("no counts");\n')
        : edited.replace("export function render_widget(reqPtr: u32, reqLen: u32): u64 {\n  parseRequest(reqPtr, reqLen);\n", "$&  const none: i32[] = [];\n  if (none[<i32>reqLen] > 0) return html(\"\");\n");
    expect(broken).not.toBe(edited);
    const line = broken.split("\n").findIndex((l) => l.includes("none.length === 0") || l.includes("none[<i32>reqLen]")) + 1;
    const reloads = output.split("gk dev: reloaded").length;
    await writeFile(source, broken);
    await waitFor(() => (output.split("gk dev: reloaded").length > reloads ? true : undefined), 180_000, () => `the broken widget to be served:\n${output}`);
    const before = output.length;
    await widget();
    await waitFor(() => (/failed with/.test(output.slice(before)) ? true : undefined), 30_000, () => `the error to be printed:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
    const printed = output.slice(before);
    expect(printed.match(/failed with/g), printed).toHaveLength(1);
    expect(printed, printed).toMatch(lang === "ts" ? new RegExp(`no counts[\\s\\S]*src/index\\.ts:${line}:\\d+`) : new RegExp(`Index out of range at assembly/index\\.ts:${line}:\\d+`));
  } finally {
    const closed = new Promise((r) => child.once("close", r));
    process.kill(-child.pid!, "SIGTERM");
    await closed;
  }
}
