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

export async function componentizeBundle(code: string): Promise<Uint8Array> {
  // componentize-js reads the module from a file; the `jco componentize` command fails here.
  const { componentize } = await import("@bytecodealliance/componentize-js");
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
