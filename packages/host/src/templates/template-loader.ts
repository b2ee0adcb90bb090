import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { CompiledTemplate } from "./compile.js";
import { TemplateError } from "./template-error.js";

/** What nunjucks' Environment asks of a loader (its `getSource` contract, async form). */
export interface CompilingLoader {
  readonly async: true;
  cache: Record<string, unknown>;
  getSource(name: string, done: (error: Error | null, source?: { src: { type: "code"; obj: CompiledTemplate }; path: string; noCache: boolean }) => void): void;
}

export interface LoaderOptions {
  /** Folders searched in order; a name is a `/`-separated path under one of them. */
  folders: readonly string[];
  /** Who the templates belong to, for messages: `plugin "faq"` or `the host`. */
  owner: string;
  /** Re-read files on every render (development). */
  noCache: boolean;
  compile: (source: string, name: string) => CompiledTemplate;
}

/**
 * Reads templates from folders and compiles them with the pipeline of compile.ts. Names are
 * relative paths; `..`, absolute paths and symlinks that lead out of the folder are refused,
 * so a plugin's template can only include its own templates.
 */
export function compilingLoader(options: LoaderOptions): CompilingLoader {
  return {
    async: true,
    cache: {},
    getSource(name, done) {
      load(options, name).then(
        (found) => done(null, found),
        (error: Error) => done(error),
      );
    },
  };
}

async function load(options: LoaderOptions, name: string): Promise<{ src: { type: "code"; obj: CompiledTemplate }; path: string; noCache: boolean }> {
  const segments = name.split("/");
  if (name === "" || isAbsolute(name) || name.includes("\\") || segments.some((s) => s === ".." || s === "." || s === "")) {
    throw new TemplateError("E_TEMPLATE_NOT_FOUND", `template name ${JSON.stringify(name)} is not a relative path inside the templates folder of ${options.owner}; use names like "widget.html" or "parts/row.html"`);
  }
  for (const folder of options.folders) {
    const path = join(folder, ...segments);
    const real = await realpath(path).catch(() => null);
    if (real === null) continue;
    const root = await realpath(folder);
    const inside = relative(root, real);
    if (inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
      throw new TemplateError("E_TEMPLATE_NOT_FOUND", `template "${name}" of ${options.owner} is a link to a file outside its templates folder; templates must be files inside it`);
    }
    const source = await readFile(real, "utf8");
    return { src: { type: "code", obj: options.compile(source, name) }, path: name, noCache: options.noCache };
  }
  const searched = options.folders.length === 0 ? "no templates folder" : options.folders.join(", ");
  throw new TemplateError("E_TEMPLATE_NOT_FOUND", `no template "${name}" for ${options.owner} (searched ${searched}); add the file, or fix the name`);
}

