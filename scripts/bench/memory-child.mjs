// One host with the given QuickJS plugins loaded (worker isolation), each called once; prints
// the process's resident memory. run.mjs runs it in a fresh process per count.
import { createHost } from "../../packages/host/dist/index.js";

const dirs = process.argv.slice(2);
const host = await createHost({ database: { demo: { tickets: 10 } } });
for (const dir of dirs) {
  const plugin = await host.load(dir);
  const res = await host.call(plugin.name, "ok");
  if (res.body !== "ok") throw new Error(`${plugin.name} answered ${JSON.stringify(res)}`);
}
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(JSON.stringify({ count: dirs.length, rss: process.memoryUsage().rss }));
await host.close();
process.exit(0);
