/** Turns the bundled plugin into a component of the `goatkit:plugin` world with componentize-js. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildError } from "./build-error.js";
import { WIT_WORLD, witDir } from "./sdk-files.js";

/**
 * Plugins reach the network only through `host.httpRequest` (which enforces allowed hosts), so
 * the engine's own fetch is left out. Console output, clocks and random stay: the host sends
 * stdio to the plugin log and gives the guest its clock.
 */
const DISABLED_FEATURES = ["http", "fetch-event"] as const;

/** What a componentize failure usually means; positions point into the bundle (plugin.js). */
function hintFor(message: string): string {
  if (/invalid (class )?property name in regular expression/.test(message)) {
    return "\nThe JavaScript engine inside components (StarlingMonkey) has no Unicode property escapes (\\p{...}) in regular expressions; a bundled library uses them: pick a version or a library without them.";
  }
  if (message.includes("Exception while evaluating top-level script")) {
    return "\nThe plugin's top-level code threw while the component was being initialised; positions are in the bundle of the plugin and its libraries.";
  }
  return "";
}

/**
 * componentize-js (with its ~70 MB engine toolchain) is an optional peer of the SDK: most plugins
 * build for the shared engine and never need it. It imports preview2-shim without declaring it
 * and needs the 0.17 line, so the fix installs that beside it (docs/typescript.md).
 */
export const COMPONENTIZE_INSTALL = "npm install -D @bytecodealliance/componentize-js@^0.23.0 @bytecodealliance/preview2-shim@^0.17.9";

async function loadComponentize(): Promise<typeof import("@bytecodealliance/componentize-js")> {
  try {
    return await import("@bytecodealliance/componentize-js");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new BuildError("E_COMPONENTIZE_MISSING", `the component binding needs componentize-js, an optional dependency of @goatkit/sdk that this project does not have: ${COMPONENTIZE_INSTALL} (or build for the shared engine, the default, without --binding component)`, { cause: error });
  }
}

export async function componentizeBundle(code: string): Promise<Uint8Array> {
  // componentize-js reads the module from a file; the `jco componentize` command fails here.
  const { componentize } = await loadComponentize();
  const work = await mkdtemp(join(tmpdir(), "goatkit-componentize-"));
  try {
    const sourcePath = join(work, "plugin.js");
    await writeFile(sourcePath, code);
    const { component } = await componentize({ sourcePath, witPath: witDir(), worldName: WIT_WORLD, disableFeatures: [...DISABLED_FEATURES] });
    return component;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BuildError("E_COMPONENTIZE", `componentize-js could not build the component: ${message}${hintFor(message)}`, { cause: error });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
