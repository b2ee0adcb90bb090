import { GITIGNORE, dependenciesNote, notesTable, pluginManifest, pluginTest, type GoatKitDependencies } from "./shared-files.js";

/** Files of a new AssemblyScript plugin (`gk plugin init --lang as`). */
export function assemblyScriptTemplate(name: string, deps: GoatKitDependencies): Record<string, string> {
  const table = notesTable(name);
  return {
    "package.json": `${JSON.stringify(
      {
        name,
        version: "0.1.0",
        private: true,
        type: "module",
        goatkit: { plugin: "." },
        // What a host needs from the npm package; build/ is otherwise left out by .gitignore.
        files: ["manifest.json", "build/plugin.wasm"],
        scripts: {
          build: "gk plugin build",
          test: "gk plugin test",
        },
        devDependencies: {
          ...deps.specs,
          assemblyscript: "~0.28.9",
          vitest: "^4.1.0",
        },
      },
      null,
      2,
    )}\n`,
    // sourceMap: build/plugin.wasm.map, beside the module (not packed), names the line of an abort in gk dev.
    "asconfig.json": `${JSON.stringify({ options: { runtime: "incremental", optimizeLevel: 0, shrinkLevel: 2, noAssert: false, exportRuntime: false, sourceMap: true } }, null, 2)}\n`,
    "manifest.json": pluginManifest(name, {
      build: { command: "asc", args: ["assembly/index.ts", "--outFile", "build/plugin.wasm", "--config", "asconfig.json"], watch: ["assembly/**/*.ts"], output: "build/plugin.wasm" },
    }),
    "assembly/index.ts": `import { host, html, escapeHTML, JSON, packError, packJSON, packResult, parseRequest, register, Registration } from "@goatkit/sdk/assembly";

// asc exports only what the entry file exports: re-export the ABI's allocator and version.
export { gk_alloc, gk_abi_version } from "@goatkit/sdk/assembly";

export function gk_register(): u64 {
  return register(new Registration("${name}", "0.1.0").description("The ${name} plugin"));
}

const COUNTS_SQL =
  "SELECT ts.name AS state, COUNT(*) AS count FROM ticket t JOIN ticket_state ts ON t.ticket_state_id = ts.id GROUP BY t.ticket_state_id, ts.name ORDER BY count DESC";

/** Ticket counts by state, cached for 5 s: long enough to spare the database a burst of calls, short enough that an edit shows at once. */
export function get_counts(reqPtr: u32, reqLen: u32): u64 {
  parseRequest(reqPtr, reqLen);
  const cached = host.cacheGet("counts");
  if (cached != null) return packResult(cached);
  const rows = host.dbQuery(COUNTS_SQL, null);
  if (!rows.ok) return packError(rows.error, 500, rows.code);
  host.cacheSet("counts", rows.json.stringify(), 5);
  return packJSON(rows.json);
}

/** Stores the request body as a note in the plugin's own table. */
export function add_note(reqPtr: u32, reqLen: u32): u64 {
  const req = parseRequest(reqPtr, reqLen);
  if (req.body.length == 0) return packError("send the note as the request body", 400, "EMPTY_NOTE");
  const res = host.dbExec("INSERT INTO ${table} (body) VALUES (?)", new JSON.Arr().push(new JSON.Str(req.body)));
  if (!res.ok) return packError(res.error, 500, res.code);
  return packJSON(new JSON.Obj().set("id", res.lastInsertId));
}

/** The "Ticket counts" widget on the agent's home page: the counts as a list. */
export function render_widget(reqPtr: u32, reqLen: u32): u64 {
  parseRequest(reqPtr, reqLen);
  const rows = host.dbQuery(COUNTS_SQL, null);
  if (!rows.ok) return packError(rows.error, 500, rows.code);
  let items = "";
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    items += \`<li>\${escapeHTML(row.getString("state"))}: \${row.getInt("count").toString()}</li>\`;
  }
  return html(\`<ul class="ticket-counts">\${items}</ul>\`);
}
`,
    "assembly/tsconfig.json": `${JSON.stringify({ extends: "assemblyscript/std/assembly.json", include: ["./**/*.ts"] }, null, 2)}\n`,
    "test/plugin.test.ts": pluginTest(name),
    "README.md": `# ${name}

A GoatKit plugin in AssemblyScript.

\`\`\`sh
npm install
npm run build   # gk plugin build: assembly/index.ts -> build/plugin.wasm
npm test        # runs the plugin in the GoatKit host on a demo help desk
npx gk dev      # serves it with the dashboard, rebuilding on every change
\`\`\`

Edit \`manifest.json\` for routes, widgets, jobs and permissions, and \`assembly/index.ts\` for the
handlers. \`npx gk plugin validate\` checks that they agree; \`npx gk plugin call . get_counts\` calls one.
${dependenciesNote(deps)}`,
    ".gitignore": GITIGNORE,
  };
}
