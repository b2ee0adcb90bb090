import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { realPathInside } from "../packaging/inside-folder.js";
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
  /**
   * The folder every template must resolve inside, links followed: a plugin's own folder, so
   * neither `templates` nor a file in it can be a link to elsewhere. Without it, each folder.
   */
  root?: string;
  /** Re-read files on every render (development). */
  noCache: boolean;
  compile: (source: string, name: string) => CompiledTemplate;
}

/**
 * Reads templates from folders and compiles them with the pipeline of compile.ts. Names are
 * relative paths; `..`, absolute paths and symlinks that lead out of the folder (or out of
 * `root`) are refused, so a plugin's template can only render and include its own files.
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
    // The templates folder may be a link (to a folder of the plugin) but must stay inside root.
    const realFolder = options.root === undefined ? ({ ok: true, path: folder } as const) : await realPathInside(options.root, folder);
    if (!realFolder.ok && realFolder.why === "outside") throw outside(options, name, "the plugin's folder");
    if (!realFolder.ok) continue;
    const found = await realPathInside(realFolder.path, join(realFolder.path, ...segments));
    if (!found.ok && found.why === "outside") throw outside(options, name, "its templates folder");
    if (!found.ok) continue;
    const real = found.path;
    const source = await readFile(real, "utf8");
    return { src: { type: "code", obj: options.compile(source, name) }, path: name, noCache: options.noCache };
  }
  const searched = options.folders.length === 0 ? "no templates folder" : options.folders.join(", ");
  throw new TemplateError("E_TEMPLATE_NOT_FOUND", `no template "${name}" for ${options.owner} (searched ${searched}); add the file, or fix the name`);
}

function outside(options: LoaderOptions, name: string, folder: string): TemplateError {
  return new TemplateError("E_TEMPLATE_NOT_FOUND", `template "${name}" of ${options.owner} leads outside ${folder} (through a symbolic link); templates must be files inside it`);
}
