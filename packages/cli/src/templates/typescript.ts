import { GITIGNORE, dependenciesNote, notesTable, pluginManifest, pluginTest, type GoatKitDependencies } from "./shared-files.js";

/** Files of a new TypeScript plugin (`gk plugin init --lang ts`), built for the QuickJS binding. */
export function typeScriptTemplate(name: string, deps: GoatKitDependencies): Record<string, string> {
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
        scripts: { build: "gk plugin build", test: "gk plugin test" },
        devDependencies: {
          ...deps.specs,
          typescript: "~5.9.3",
          vitest: "^4.1.0",
        },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true } }, null, 2)}\n`,
    "manifest.json": pluginManifest(name, { wasm: "build/plugin.wasm" }),
    "src/index.ts": `import { Registration, definePlugin, escapeHTML, host, html, packError } from "@goatkit/sdk/guest";

interface Count {
  state: string;
  count: number;
}

const COUNTS_SQL =
  "SELECT ts.name AS state, COUNT(*) AS count FROM ticket t JOIN ticket_state ts ON t.ticket_state_id = ts.id GROUP BY t.ticket_state_id, ts.name ORDER BY count DESC";

export default definePlugin({
  register: new Registration("${name}", "0.1.0").description("The ${name} plugin"),
  handlers: {
    /** Ticket counts by state, cached for 5 s: long enough to spare the database a burst of calls, short enough that an edit shows at once. */
    get_counts() {
      const cached = host.cacheGet("counts");
      if (cached !== null) return JSON.parse(cached) as Count[];
      const counts = host.dbQuery<Count>(COUNTS_SQL);
      host.cacheSet("counts", JSON.stringify(counts), 5);
      return counts;
    },

    /** Stores the request body as a note in the plugin's own table. */
    add_note(req) {
      if (req.body === "") return packError("send the note as the request body", 400, "EMPTY_NOTE");
      const { lastInsertId } = host.dbExec("INSERT INTO ${table} (body) VALUES (?)", [req.body]);
      return { id: lastInsertId };
    },

    /** The "Ticket counts" widget on the agent's home page: the counts as a list. */
    render_widget() {
      const items = host.dbQuery<Count>(COUNTS_SQL).map((c) => \`<li>\${escapeHTML(c.state)}: \${c.count}</li>\`);
      return html(\`<ul class="ticket-counts">\${items.join("")}</ul>\`);
    },
  },
});
`,
    "test/plugin.test.ts": pluginTest(name),
    "README.md": `# ${name}

A GoatKit plugin in TypeScript, built to a small WebAssembly module that the host runs on its
shared JavaScript engine (\`gk plugin build --binding component\` builds a component instead).

\`\`\`sh
npm install
npm run build   # src/index.ts -> build/plugin.wasm (about a second: bundling, then packing the script)
npm test        # runs the plugin in the GoatKit host on a demo help desk
npx gk dev      # serves it with the dashboard, rebuilding on every change
\`\`\`

Edit \`manifest.json\` for routes, widgets, jobs and permissions, and \`src/index.ts\` for the
handlers. \`npx gk plugin validate\` checks that they agree; \`npx gk plugin call . get_counts\` calls one.
${dependenciesNote(deps)}`,
    ".gitignore": GITIGNORE,
  };
}
