import { defineCommand } from "citty";
import { createHost } from "@goatkit/host";

/**
 * Loads plugins into a host on the embedded defaults and shows what each of their routes and
 * widgets answers.
 */
export const startCommand = defineCommand({
  meta: { name: "start", description: "Load plugins on the embedded demo help desk and show what their routes and widgets return" },
  args: {
    plugins: { type: "positional", description: "Plugin folders", required: true },
    db: { type: "string", description: "SQLite file (created with the demo help desk when empty); default: in memory" },
  },
  async run({ args }) {
    const dirs = [args.plugins, ...(args._ ?? []).filter((a) => a !== args.plugins)];
    const host = await createHost({ database: { file: args.db ?? ":memory:" } });
    try {
      for (const dir of dirs) {
        const plugin = await host.load(dir);
        console.log(`\n${plugin.name} ${plugin.manifest.version} (${plugin.binding} ABI) from ${dir}`);
        const targets = [
          ...(plugin.manifest.routes ?? []).filter((r) => r.method === "GET" && !r.path.includes(":")).map((r) => ({ kind: "route" as const, label: `GET ${r.path}`, handler: r.handler, path: r.path })),
          ...(plugin.manifest.widgets ?? []).map((w) => ({ kind: "widget" as const, label: `widget ${w.id}`, handler: w.handler, path: "" })),
        ];
        for (const target of targets) {
          const res = await plugin.call(target.handler, { kind: target.kind, method: target.kind === "route" ? "GET" : "", path: target.path });
          const raw = typeof res.body === "string" ? res.body : `(${res.body.byteLength} bytes)`;
          const body = raw.includes("\n") ? JSON.stringify(raw) : raw;
          console.log(`  ${target.label} -> ${res.status} ${body.length > 160 ? `${body.slice(0, 160)}…` : body}`);
        }
      }
    } finally {
      await host.close();
    }
  },
});
