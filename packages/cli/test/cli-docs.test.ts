import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { ArgsDef, CommandDef } from "citty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { repo, run } from "./support.js";

// The docs are the contract: docs/cli.md lists every command and flag, and the guide's file
// table lists what `gk plugin init` writes. New commands or files fail here until documented.
const cliDoc = await readFile(join(repo, "docs/cli.md"), "utf8");
const guide = await readFile(join(repo, "docs/getting-started.md"), "utf8");

function commands(cmd: CommandDef, path: string[] = []): Array<{ path: string; args: ArgsDef }> {
  const subs = Object.entries((cmd.subCommands ?? {}) as Record<string, CommandDef>);
  if (subs.length === 0) return [{ path: path.join(" "), args: (cmd.args ?? {}) as ArgsDef }];
  return subs.flatMap(([name, sub]) => commands(sub, [...path, name]));
}

describe("docs/cli.md", () => {
  const all = commands(main);

  it("finds the commands", () => {
    expect(all.map((c) => c.path)).toEqual(expect.arrayContaining(["plugin init", "plugin build", "dev", "start"]));
  });

  it.each(all.map((c) => [c.path, c] as const))("lists gk %s and each of its flags", (path, { args }) => {
    const row = cliDoc.split("\n").find((line) => /^\| `gk ([a-z ]+?)(?: [<[]|`)/.exec(line)?.[1] === path);
    expect(row, `a table row for gk ${path}`).toBeDefined();
    for (const [name, def] of Object.entries(args)) {
      if (def.type === "positional") continue;
      const flag = def.type === "boolean" && def.default === true ? `--no-${name}` : `--${name}`;
      expect(row, `gk ${path} ${flag}`).toContain(flag);
    }
  });
});

describe("the guide's file table", () => {
  let work: string;
  const written: Record<string, string[]> = {};

  async function files(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-table-"));
    // One project with registry dependencies, one with vendor/ tarballs: every row shows up.
    for (const [lang, deps] of [["ts", "registry"], ["as", "local"]] as const) {
      const res = await run(["plugin", "init", `table-${lang}`, "--lang", lang, "--deps", deps], work);
      expect(res.stderr).toBe("");
      written[lang] = await files(join(work, `table-${lang}`));
    }
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("lists every file init writes, and nothing it does not", () => {
    const section = guide.slice(guide.indexOf("The project has:"));
    const table = section.slice(0, section.indexOf("\n\n", section.indexOf("| file |")));
    const listed = table
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .flatMap((l) => [...l.split(" | ")[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    const covers = (path: string) => listed.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry));
    for (const lang of ["ts", "as"]) {
      const uncovered = written[lang]!.filter((f) => !covers(f));
      expect(uncovered, `files of --lang ${lang} missing from the table`).toEqual([]);
    }
    const everything = [...written.ts!, ...written.as!];
    const stale = listed.filter((entry) => !everything.some((f) => (entry.endsWith("/") ? f.startsWith(entry) : f === entry)));
    expect(stale, "rows of the table that init does not write").toEqual([]);
  });
});
