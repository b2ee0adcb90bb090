/** Files the SDK ships beside its code, found from this module whether it runs from src/ or dist/. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of the `goatkit:plugin` WIT package (wit/goatkit-plugin.wit). */
export function witDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "wit");
    if (existsSync(join(candidate, "goatkit-plugin.wit"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("the SDK's wit/goatkit-plugin.wit is missing; reinstall @goatkit/sdk");
    dir = parent;
  }
}

/** The world components implement. */
export const WIT_WORLD = "plugin";
