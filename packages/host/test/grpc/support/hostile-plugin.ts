import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../fixtures/hostile-server.cjs", import.meta.url));

/** What the hostile plugin's `probe` answers: each attempt's outcome, and its own identity and environment. */
export interface ProbeResult {
  pid: number;
  uid: number;
  gid: number;
  groups: number[];
  /** NoNewPrivs of /proc/self/status. */
  noNewPrivs: number;
  env: Record<string, string>;
  attempts: Record<string, { ok: true; value: unknown } | { ok: false; code: string }>;
}

/**
 * Writes a plugin folder `<parent>/<name>` whose executable is fixtures/hostile-server.cjs
 * (with `linkTo`, its socket is a link to that path instead). The folder is readable by other
 * users: in "separate-users" mode the process runs as its own uid.
 */
export async function writeHostilePlugin(parent: string, name: string, options: { linkTo?: string } = {}): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir, { recursive: true });
  const manifest = {
    name,
    version: "1.0.0",
    runtime: "grpc",
    grpc: { binary: "plugin.cjs" },
    routes: ["echo", "whoami", "probe"].map((handler) => ({ method: "POST", path: `/api/plugins/${name}/${handler}`, handler })),
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, "plugin.cjs"), `require(${JSON.stringify(SERVER)})(${JSON.stringify(name)}, ${JSON.stringify(options)});\n`);
  for (const path of [parent, dir]) await chmod(path, 0o755);
  return dir;
}
