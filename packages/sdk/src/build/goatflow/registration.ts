/**
 * What `--target goatflow` embeds in the module: GoatFlow's `GKRegistration` for `gk_register`
 * (the whole effective manifest, in GoatFlow's field names and values), and the handler table
 * `gk_call` dispatches with.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { functionHandler, resolveHook } from "../../manifest/handlers.js";
import { routeMountPath } from "../../manifest/routes.js";
import type { ResolvedManifest } from "../../manifest/schema.js";
import { BuildError } from "../build-error.js";

/** GoatFlow renders only this widget location, our `agent_home`. */
export const GOATFLOW_DASHBOARD = "dashboard";

/** A Go `time.Duration` string for milliseconds: 60000 is "1m0s"-equivalent "60000ms", written as GoatFlow's examples do ("5m", "90s"). */
export function goDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `GKRegistration`: routes with their full paths, `dashboard` widgets with `refresh_sec`, enabled jobs with a `timeout`, menu items with ids, i18n. */
export async function goatflowRegistration(manifest: ResolvedManifest, dir: string): Promise<Record<string, unknown>> {
  const reg: Record<string, unknown> = { name: manifest.name, version: manifest.version };
  for (const key of ["description", "author", "license", "homepage"] as const) {
    const value = (manifest as Record<string, unknown>)[key];
    if (typeof value === "string") reg[key] = value;
  }
  reg.routes = manifest.routes.map((r) => ({
    method: r.method,
    path: routeMountPath(manifest.name, r.path),
    handler: r.handler,
    ...(r.middleware ? { middleware: r.middleware } : {}),
    ...(r.description ? { description: r.description } : {}),
  }));
  reg.menu_items = manifest.menu_items.map((m, i) => ({
    id: `${manifest.name}-${i + 1}`,
    label: m.label,
    path: m.path,
    ...(m.icon ? { icon: m.icon } : {}),
    ...(m.location ? { location: m.location } : {}),
    order: i,
  }));
  reg.widgets = manifest.widgets.map((w, i) => ({
    id: w.id,
    title: w.title,
    ...(w.description ? { description: w.description } : {}),
    handler: w.handler,
    location: w.location === "agent_home" ? GOATFLOW_DASHBOARD : w.location,
    size: w.size,
    order: i,
    refreshable: w.refresh_seconds !== undefined,
    ...(w.refresh_seconds !== undefined ? { refresh_sec: w.refresh_seconds } : {}),
  }));
  reg.jobs = manifest.jobs.map((j) => ({
    id: j.id,
    handler: j.handler,
    schedule: j.schedule,
    ...(j.description ? { description: j.description } : {}),
    enabled: true,
    timeout: goDuration(j.timeout_ms ?? 5000),
    ...(j.retries !== undefined ? { retries: j.retries } : {}),
  }));
  const i18n = await readI18n(manifest.name, dir);
  if (i18n) reg.i18n = i18n;
  // GoatFlow ignores these; a GoatKit host reads them (docs/registration.md). Permissions are
  // left out: the manifest grants them here, GoatFlow's administrator policy there.
  if (manifest.functions.length > 0) reg.functions = manifest.functions;
  if (manifest.hooks.length > 0) reg.hooks = manifest.hooks;
  return reg;
}

/** `I18nSpec` from `i18n/<locale>.json|yaml|yml`: nested keys joined with ".". */
async function readI18n(name: string, dir: string): Promise<Record<string, unknown> | null> {
  const folder = join(dir, "i18n");
  const files = await readdir(folder).catch(() => [] as string[]);
  const translations: Record<string, Record<string, string>> = {};
  for (const file of files.sort()) {
    const match = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.(json|ya?ml)$/.exec(file);
    if (!match) continue;
    const text = await readFile(join(folder, file), "utf8");
    let value: unknown;
    try {
      value = match[2] === "json" ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new BuildError("E_GOATFLOW", `i18n/${file} cannot be read: ${(error as Error).message}; fix the file (a mapping of keys to strings)`);
    }
    const strings: Record<string, string> = {};
    flatten(value, "", strings);
    translations[match[1]!] = strings;
  }
  const languages = Object.keys(translations);
  return languages.length === 0 ? null : { namespace: name, languages, translations };
}

function flatten(value: unknown, prefix: string, out: Record<string, string>): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === "string") out[path] = child;
    else flatten(child, path, out);
  }
}

/** Per handler: its routes (method and full path), and whether it is a widget, a job, a function. */
export interface HandlerInfo {
  routes: Array<{ method: string; path: string }>;
  widget: boolean;
  job: { id: string; schedule: string } | null;
  function: boolean;
}

/** The table `gk_call` dispatches with, and the configuration defaults `config_get` may replace. */
export function handlerTable(manifest: ResolvedManifest): { handlers: Record<string, HandlerInfo>; config: Record<string, unknown> } {
  const handlers: Record<string, HandlerInfo> = {};
  const entry = (name: string) => (handlers[name] ??= { routes: [], widget: false, job: null, function: false });
  for (const r of manifest.routes) entry(r.handler).routes.push({ method: r.method, path: routeMountPath(manifest.name, r.path) });
  for (const w of manifest.widgets) entry(w.handler).widget = true;
  for (const j of manifest.jobs) entry(j.handler).job ??= { id: j.id, schedule: j.schedule };
  for (const f of manifest.functions) entry(functionHandler(f)).function = true;
  for (const h of manifest.hooks) entry(resolveHook(h).handler);
  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(manifest.config)) config[key] = field.default ?? null;
  return { handlers, config };
}
