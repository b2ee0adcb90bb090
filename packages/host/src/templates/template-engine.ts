import { messageOf } from "../errors.js";
import { join } from "node:path";
import type { FunctionDecl } from "@goatkit/sdk";
import type { TemplatePlatform } from "../platform/platform-ports.js";
import { Translations } from "../packaging/i18n.js";
import type { PluginUser } from "../plugin/request.js";
import { CALL_FILTER, MEMBER_LOOKUP, compileTemplate, safeMemberLookup } from "./compile.js";
import { failedCall } from "./failed-call.js";
import { nunjucks } from "./nunjucks-internals.js";
import { bindArguments, readResult } from "./plugin-functions.js";
import { UseTag, WithTag } from "./tags.js";
import { compilingLoader } from "./template-loader.js";
import { TemplateError, where } from "./template-error.js";

export interface TemplateEngineOptions {
  /** The platform (a PluginManager) whose plugins templates `use`. */
  manager: TemplatePlatform;
  /** Folders of the application's own templates (pages), searched in order. */
  folders?: string[];
  /** Read and compile template files on every render instead of once (development). */
  noCache?: boolean;
  /** Plugin function calls one render may make (default 200); later calls render placeholders. */
  maxCallsPerRender?: number;
}

export interface RenderOptions {
  /** The reader's language: plugin calls get it as `locale`, `t()` looks strings up in it. */
  locale?: string;
  /** The signed-in user: plugin calls get it as `user`. */
  user?: PluginUser | null;
}

/** A plugin a render has `use`d: callable, or why not (disabled, failed to load). */
type UsedPlugin = { name: string; ok: true } | { name: string; ok: false; code: string; message: string };

/** Where a call or `use` is written: the template (the page, or one it includes) and line. */
interface CallSite {
  template: string;
  line: number;
}

/** Per-render state, reachable from tags and calls through the nunjucks context. */
interface RenderState {
  locale: string;
  user: PluginUser | null;
  used: Map<string, UsedPlugin>;
  strings: Readonly<Record<string, string>>;
  /** Plugin calls made so far. */
  calls: number;
  /** The first template error: nunjucks rewraps errors, the engine throws this one. */
  error: TemplateError | null;
}

// Context objects are copied into includes and parents, so the state travels with them.
const STATE = "__goatkit_render";
const states = new WeakSet<RenderState>();
const BUILTIN_GLOBALS = ["range", "cycler", "joiner", "t"];
/** Plugin function calls one render may make by default. */
const DEFAULT_MAX_CALLS = 200;
/** The most numbers `range()` makes: templates run on the host's thread, not in a sandbox. */
const MAX_RANGE = 10_000;

/**
 * The host's template engine: nunjucks (Jinja2 syntax, as Pongo2's) with `{% use plugin %}`,
 * `{% with x=f() %}…{% endwith %}` and the functions `use`d plugins declare, awaited wherever
 * they are called. Output is autoescaped; a function declared `returns: "html"` is inserted as
 * it is. A failing call renders a placeholder and is logged; mistakes in the template (unknown
 * plugin, undeclared function, wrong arguments) are TemplateErrors naming the template and line.
 *
 * @example
 * const engine = new TemplateEngine({ manager, folders: ["./templates"] });
 * const html = await engine.render("agent-dashboard.html", { title: "Today" }, { locale: "de", user });
 */
export class TemplateEngine {
  readonly manager: TemplatePlatform;
  readonly #options: TemplateEngineOptions;
  readonly #environments = new Map<string, nunjucks.Environment>();
  readonly #translations = new Map<string, Promise<Translations>>();

  constructor(options: TemplateEngineOptions) {
    this.manager = options.manager;
    this.#options = options;
    // A plugin's templates and strings are read again after it changes (reload, removal,
    // rediscovery) or unloads; a load changes no file, and `use` loads in the middle of renders.
    options.manager.on("*", (event) => {
      if ("plugin" in event && event.plugin && event.type !== "loaded") this.#forget(event.plugin);
    });
  }

  /** Renders one of the application's templates (`folders`). */
  render(name: string, context: Record<string, unknown> = {}, options: RenderOptions = {}): Promise<string> {
    return this.#render(null, name, context, options, {});
  }

  /** Renders a template from a plugin's `templates/` folder, with its `i18n/` strings for `t()`. */
  async renderPluginTemplate(plugin: string, name: string, context: Record<string, unknown> = {}, options: RenderOptions = {}): Promise<string> {
    const folder = this.#pluginFolder(plugin);
    const translations = await this.#pluginTranslations(plugin, folder);
    return this.#render(plugin, name, context, options, translations.strings(options.locale ?? "en"));
  }

  async #render(owner: string | null, name: string, context: Record<string, unknown>, options: RenderOptions, strings: Readonly<Record<string, string>>): Promise<string> {
    const state: RenderState = { locale: options.locale ?? "en", user: options.user ?? null, used: new Map(), strings, calls: 0, error: null };
    states.add(state);
    const environment = this.#environment(owner);
    try {
      return await new Promise<string>((resolve, reject) => {
        environment.render(name, { ...context, [STATE]: state }, (error, output) => (error ? reject(error) : resolve(output ?? "")));
      });
    } catch (error) {
      if (state.error) throw state.error;
      if (error instanceof TemplateError) throw error;
      throw new TemplateError("E_TEMPLATE", tidy(error, name), { cause: error });
    }
  }

  #environment(owner: string | null): nunjucks.Environment {
    const key = owner ?? "";
    let environment = this.#environments.get(key);
    if (environment) return environment;
    const pluginFolder = owner === null ? undefined : this.#pluginFolder(owner);
    const folders = pluginFolder === undefined ? (this.#options.folders ?? []) : [join(pluginFolder, "templates")];
    const extensions = [new UseTag((context, plugin, template, line) => this.#use(stateOf(context), plugin, template, line)), new WithTag()];
    const loader = compilingLoader({
      folders,
      owner: owner === null ? "the host" : `plugin "${owner}"`,
      ...(pluginFolder === undefined ? {} : { root: pluginFolder }),
      noCache: this.#options.noCache ?? false,
      compile: (source, name) => compileTemplate({ source, name, extensions, globals: new Set([...BUILTIN_GLOBALS, ...Object.keys((environment as unknown as { globals: object }).globals)]) }),
    });
    environment = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, { autoescape: true, throwOnUndefined: false });
    for (const extension of extensions) environment.addExtension(extension.tags[0]!, extension);
    environment.addGlobal("t", translate);
    const globals = (environment as unknown as { globals: Record<string, (...args: unknown[]) => unknown> }).globals;
    environment.addGlobal("range", cappedRange(globals.range!));
    (environment as unknown as Record<string, unknown>)[MEMBER_LOOKUP] = safeMemberLookup((nunjucks.runtime as unknown as { memberLookup: (obj: unknown, key: unknown) => unknown }).memberLookup);
    const engine = this;
    environment.addFilter(
      CALL_FILTER,
      function (this: { ctx: Record<string, unknown>; lookup(name: string): unknown }, ...args: unknown[]) {
        const done = args.pop() as (error: Error | null, value?: unknown) => void;
        const [name, template, line, ...callArgs] = args as [string, string, number, ...unknown[]];
        const state = stateOf(this);
        const local = this.lookup(name);
        // A function the caller put in the context is called as nunjucks would.
        if (typeof local === "function") {
          try {
            done(null, (local as (...a: unknown[]) => unknown).apply(this, callArgs));
          } catch (error) {
            done(error as Error);
          }
          return;
        }
        engine.#call(state, { template, line }, name, callArgs).then(
          (value) => done(null, value),
          (error: Error) => {
            if (error instanceof TemplateError) state.error ??= error;
            done(error);
          },
        );
      },
      true,
    );
    this.#environments.set(key, environment);
    return environment;
  }

  async #use(state: RenderState, requested: string, template: string, line: number): Promise<void> {
    const name = [requested, requested.replace(/_/g, "-")].find((candidate) => this.manager.has(candidate));
    if (name === undefined) {
      const installed = this.manager.list().map((p) => p.name);
      const error = new TemplateError("E_TEMPLATE", `${where(template, line)}{% use ${requested} %}: no plugin named "${requested}"; installed plugins: ${installed.join(", ") || "none"}`);
      state.error ??= error;
      throw error;
    }
    if (state.used.has(name)) return;
    try {
      await this.manager.load(name);
      state.used.set(name, { name, ok: true });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "E_LOAD";
      const message = messageOf(error);
      state.used.set(name, { name, ok: false, code, message });
      this.manager.logs.write(name, "warn", `${where(template, line)}{% use ${requested} %} could not load the plugin; its functions render placeholders: ${message}`, { code });
    }
  }

  async #call(state: RenderState, at: CallSite, name: string, args: unknown[]): Promise<unknown> {
    const declaring = [...state.used.values()].filter((used) => this.#functionsOf(used.name).some((fn) => fn.name === name));
    if (declaring.length === 0) throw this.#undeclared(state, at, name);
    if (declaring.length > 1) {
      const names = declaring.map((p) => `"${p.name}"`).join(" and ");
      throw new TemplateError("E_TEMPLATE", `${where(at.template, at.line)}${name}() is declared by plugins ${names}, which this template both uses; use only one of them in this template`);
    }
    const used = declaring[0]!;
    const fn = this.#functionsOf(used.name).find((f) => f.name === name)!;
    const body = bindArguments(used.name, fn, args, at.template, at.line);
    if (!used.ok) return failedCall(used.name, name, used.code);
    const budget = this.#options.maxCallsPerRender ?? DEFAULT_MAX_CALLS;
    if (++state.calls > budget) {
      if (state.calls === budget + 1) {
        this.manager.logs.write(used.name, "warn", `${where(at.template, at.line)}the render made more than ${budget} plugin function calls; later calls render placeholders. Call once outside the loop and pass the values in, or raise the engine's maxCallsPerRender`, { code: "E_CALL_BUDGET", template: at.template });
      }
      return failedCall(used.name, name, "E_CALL_BUDGET");
    }
    const response = await this.manager.call(used.name, fn.handler ?? fn.name, { kind: "function", body: JSON.stringify(body), user: state.user, locale: state.locale });
    const outcome = readResult(fn, response);
    if (outcome.ok) return outcome.value;
    this.manager.logs.write(used.name, "error", `${where(at.template, at.line)}${used.name}.${name}() failed, a placeholder was rendered: ${outcome.message}`, { code: outcome.code, template: at.template });
    return failedCall(used.name, name, outcome.code);
  }

  #undeclared(state: RenderState, at: CallSite, name: string): TemplateError {
    const prefix = `${where(at.template, at.line)}${name}()`;
    const owner = this.manager.list().find((p) => (this.manager.manifest(p.name)?.functions ?? []).some((fn) => fn.name === name));
    if (owner && !state.used.has(owner.name)) {
      return new TemplateError("E_TEMPLATE", `${prefix} is a function of plugin "${owner.name}", which this template does not use; add {% use ${owner.name.replace(/-/g, "_")} %} before line ${at.line}`);
    }
    const used = [...state.used.keys()];
    if (used.length === 0) return new TemplateError("E_TEMPLATE", `${prefix} is not defined: this template uses no plugin, and no installed plugin declares a function "${name}"; add {% use <plugin> %} for the plugin that declares it, or fix the name`);
    const available = used.flatMap((plugin) => this.#functionsOf(plugin).map((fn) => `${plugin}.${fn.name}`));
    return new TemplateError("E_TEMPLATE", `${prefix} is not declared by the plugins this template uses (${used.join(", ")}); their functions: ${available.join(", ") || "none"}. Declare it in the plugin's manifest "functions", or fix the name`);
  }

  #functionsOf(plugin: string): FunctionDecl[] {
    return this.manager.manifest(plugin)?.functions ?? [];
  }

  #pluginFolder(plugin: string): string {
    if (!this.manager.has(plugin)) throw new TemplateError("E_TEMPLATE_NOT_FOUND", `no plugin named "${plugin}"; its templates cannot be rendered`);
    return this.manager.filesFolder(plugin);
  }

  #pluginTranslations(plugin: string, folder: string): Promise<Translations> {
    let translations = this.#translations.get(plugin);
    if (!translations) {
      translations = Translations.load(folder);
      translations.catch(() => this.#translations.delete(plugin));
      this.#translations.set(plugin, translations);
    }
    return translations;
  }

  #forget(plugin: string): void {
    this.#environments.delete(plugin);
    this.#translations.delete(plugin);
  }
}

function stateOf(context: { ctx: Record<string, unknown> }): RenderState {
  const state = context.ctx[STATE] as RenderState | undefined;
  if (!state || !states.has(state)) throw new TemplateError("E_TEMPLATE", `the render state is missing: "${STATE}" is reserved for the engine; do not set it in a template`);
  return state;
}

/** `t("key")`, `t("greeting", name=user.login)`: the string for the reader's language, `{name}` filled in; the key itself when there is none. */
function translate(this: { ctx: Record<string, unknown> }, key: unknown, params?: Record<string, unknown>): string {
  const state = this.ctx[STATE] as RenderState | undefined;
  const text = state && typeof key === "string" && Object.hasOwn(state.strings, key) ? state.strings[key]! : String(key);
  if (!params || typeof params !== "object") return text;
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(params, name) && name !== "__keywords" ? String(params[name]) : whole));
}

function cappedRange(range: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (start: unknown, stop?: unknown, step?: unknown) => {
    const [from, to, by] = stop === undefined ? [0, Number(start), 1] : [Number(start), Number(stop), step === undefined || step === 0 ? 1 : Number(step)];
    const count = Math.ceil((to - from) / by);
    if (!Number.isFinite(count) || count > MAX_RANGE) throw new TemplateError("E_TEMPLATE", `range(${[start, stop, step].filter((v) => v !== undefined).join(", ")}) would make ${Number.isFinite(count) ? count : "endless"} numbers; a template may make at most ${MAX_RANGE}`, { fix: `make at most ${MAX_RANGE} numbers with range()` });
    return range(start, stop, step);
  };
}

function tidy(error: unknown, template: string): string {
  const message = messageOf(error);
  // nunjucks: "(name) [Line 3, Column 5]\n  Error: ..." → "template "name" line 3: ..."
  const match = /^\(([^)]*)\)(?: \[Line (\d+)(?:, Column \d+)?\])?\s*\n?\s*(?:Template render error:\s*)?(?:\w*Error: )?([\s\S]*)$/.exec(message.replace(/^Template render error: /, ""));
  if (!match) return `${where(template, null)}${message}`;
  // Render errors carry nunjucks' 0-based line.
  return `${where(match[1] || template, match[2] ? Number(match[2]) + 1 : null)}${match[3]!.trim()}`;
}
