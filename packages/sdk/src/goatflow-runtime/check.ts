/**
 * "Loads on GoatFlow", as a test can assert it: load the module in the test runtime, then call
 * every route with the flat arguments GoatFlow builds and every dashboard widget with `{}`, and
 * list what GoatFlow would refuse, fail or do differently.
 */
import { checkIsolated } from "./check-isolated.js";
import { decodeGo } from "./go-json.js";
import type { GoatflowRegistration, GoatflowRoute } from "./registration.js";
import { GoatflowLoadError, GoatflowRuntime, GOATFLOW_MEMORY_PAGES, type GoatflowRuntimeOptions, type HostCallRecord } from "./runtime.js";

export type GoatflowProblemSeverity = "error" | "warning" | "note";

export interface GoatflowProblem {
  /** error: GoatFlow refuses or fails it; warning: GoatFlow does it differently than the author likely expects; note: a host-wide fact that applies. */
  severity: GoatflowProblemSeverity;
  /** What it is about: `module`, `registration`, `route GET /x`, `widget stats_overview`, `job nightly`. */
  where: string;
  message: string;
}

export interface GoatflowCheckedCall {
  kind: "route" | "widget";
  where: string;
  handler: string;
  /** The arguments as sent (JSON text). */
  args: string;
  /** The answer's text, or null for none. */
  answer: string | null;
  /** Why the call failed (a trap), when it did. */
  error?: string;
  hostCalls: HostCallRecord[];
}

export interface GoatflowCheckReport {
  /** True when nothing is an error: the module loads and every route and widget answers as GoatFlow needs. */
  ok: boolean;
  registration: GoatflowRegistration | null;
  problems: GoatflowProblem[];
  calls: GoatflowCheckedCall[];
  /** Memory at the end of the check, in pages of 64 KiB. */
  memoryPages: number | null;
  /** What the module wrote to stdout and stderr (GoatFlow discards it). */
  output: { stdout: string; stderr: string };
}

export interface GoatflowCheckOptions extends GoatflowRuntimeOptions {
  /** Handlers not to call (for example one known to loop: GoatFlow would never stop it, and neither can this check). */
  skip?: string[];
  /** A value for every `:param` in route paths; default `example`. */
  paramValue?: string;
  /**
   * Run the module in a worker thread and give up on a call after this many milliseconds,
   * reporting it as an error (GoatFlow would never stop it). Without it, the check runs on the
   * caller's thread and a handler that never returns hangs it. `hostCalls` handlers still run on
   * the caller's thread.
   */
  callTimeoutMs?: number;
}

/** Hooks the isolated check uses to watch each call. */
export interface CheckHooks {
  beforeCall?(where: string, handler: string): void;
  afterCall?(where: string): void;
}

/** The signed-in user GoatFlow's session middleware puts in a route's arguments. */
const AGENT = { _user_id: 1, _user_email: "agent@example.com", _user_login: "agent", _user_role: "Agent", _is_admin: false };
const ADMIN = { _user_id: 1, _user_email: "admin@example.com", _user_login: "admin", _user_role: "Admin", _is_admin: true };

/** The flat arguments GoatFlow builds for a route (params, then `_method` and `_path`, then the user when the route's middleware signs one in). */
export function goatflowRouteArgs(route: GoatflowRoute, paramValue = "example"): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const path = route.path
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) return (args[part.slice(1)] = paramValue);
      if (part.startsWith("*")) return (args[part.slice(1)] = `/${paramValue}`).slice(1);
      return part;
    })
    .join("/");
  args._method = route.method.toUpperCase();
  args._path = path;
  const middleware = route.middleware ?? [];
  if (middleware.includes("admin")) Object.assign(args, ADMIN);
  else if (middleware.length > 0) Object.assign(args, AGENT);
  return args;
}

/** Loads the module as GoatFlow does and calls every route and dashboard widget; never throws for the module's faults. */
export async function checkGoatflowModule(bytes: Uint8Array, options: GoatflowCheckOptions = {}): Promise<GoatflowCheckReport> {
  if (options.callTimeoutMs !== undefined) return checkIsolated(bytes, options);
  return checkInProcess(bytes, options);
}

/** The check on this thread (the worker of the isolated check runs this too). */
export async function checkInProcess(bytes: Uint8Array, options: GoatflowCheckOptions, hooks: CheckHooks = {}): Promise<GoatflowCheckReport> {
  const problems: GoatflowProblem[] = [];
  const calls: GoatflowCheckedCall[] = [];
  const add = (severity: GoatflowProblemSeverity, where: string, message: string) => problems.push({ severity, where, message });
  let runtime: GoatflowRuntime;
  try {
    runtime = await GoatflowRuntime.load(bytes, options);
  } catch (error) {
    if (!(error instanceof GoatflowLoadError)) throw error;
    add("error", "module", error.message);
    return { ok: false, registration: null, problems, calls, memoryPages: null, output: { stdout: "", stderr: "" } };
  }
  const reg = runtime.registration;
  checkRegistration(reg, runtime, add);

  const skip = new Set(options.skip ?? []);
  const call = (kind: "route" | "widget", where: string, handler: string, args: unknown): GoatflowCheckedCall | null => {
    if (skip.has(handler)) {
      add("warning", where, `not called: ${handler} is in the check's skip list`);
      return null;
    }
    const before = runtime.hostCalls.length;
    const record: GoatflowCheckedCall = { kind, where, handler, args: JSON.stringify(args), answer: null, hostCalls: [] };
    hooks.beforeCall?.(where, handler);
    try {
      record.answer = runtime.call(handler, args).text;
    } catch (error) {
      record.error = (error as Error).message;
      add("error", where, `the call fails (${record.error}); GoatFlow answers 500`);
    }
    hooks.afterCall?.(where);
    record.hostCalls = runtime.hostCalls.slice(before);
    calls.push(record);
    return record.error ? null : record;
  };

  for (const route of reg.routes ?? []) {
    const where = `route ${route.method.toUpperCase()} ${route.path}`;
    if (!route.handler) continue;
    const done = call("route", where, route.handler, goatflowRouteArgs(route, options.paramValue));
    if (done) checkRouteAnswer(where, done.answer, add);
  }
  for (const widget of reg.widgets ?? []) {
    if (widget.location !== "dashboard" || !widget.handler) continue;
    const where = `widget ${widget.id}`;
    const done = call("widget", where, widget.handler, {});
    if (done) checkWidgetAnswer(where, done.answer, add);
  }

  for (const log of runtime.logs) {
    if (log.level < 0 || log.level > 3) add("warning", "log", `log level ${log.level} is not one of 0-3; GoatFlow records it as info`);
  }
  for (const hc of runtime.hostCalls.filter((h) => h.failure?.startsWith("called before"))) {
    add("warning", "registration", `host_call ${hc.name} during _start or gk_register: GoatFlow answers 0 there (the plugin has no host before Init)`);
  }
  if (runtime.output.stdout || runtime.output.stderr) add("note", "module", "the module writes to stdout or stderr; GoatFlow discards both (use gk.log)");
  const memoryPages = runtime.memoryPages;
  if (memoryPages > GOATFLOW_MEMORY_PAGES * 0.75) add("warning", "module", `memory grew to ${memoryPages} pages (${(memoryPages / 16).toFixed(1)} MiB) of GoatFlow's 256 (16 MiB)`);
  return { ok: !problems.some((p) => p.severity === "error"), registration: reg, problems, calls, memoryPages, output: { ...runtime.output } };
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;

function checkRegistration(reg: GoatflowRegistration, runtime: GoatflowRuntime, add: (s: GoatflowProblemSeverity, w: string, m: string) => void): void {
  if (!reg.name) add("warning", "registration", "the registration has no name; GoatFlow names a bare .wasm by its file name, and packages need one");
  for (const field of runtime.ignoredFields) add("warning", "registration", `field "${field}" is not part of GoatFlow's GKRegistration and is ignored`);
  for (const exp of runtime.uncalledExports) {
    add("warning", "module", `the module exports ${exp}, which GoatFlow never calls (wazero runs _start only): constructors and setup in it do not run there`);
  }
  const routes = reg.routes ?? [];
  for (const route of routes) {
    const where = `route ${route.method.toUpperCase() || "?"} ${route.path || "?"}`;
    if (!route.method || !route.path || !route.handler) add("error", where, "a route needs method, path and handler");
    else if (!route.path.startsWith("/")) add("warning", where, "the path does not start with /; GoatFlow registers it as written, with no prefix");
  }
  if (routes.length > 0) {
    add("note", "routes", "GoatFlow builds plugin routes only at startup and on upload: a lazily loaded plugin (the default in its Docker image) gets no routes until a restart");
  }
  for (const widget of reg.widgets ?? []) {
    const where = `widget ${widget.id || "?"}`;
    if (!widget.handler) add("error", where, "the widget has no handler");
    if (widget.location !== "dashboard") add("warning", where, `location "${widget.location}" is never rendered; GoatFlow's dashboard shows only location "dashboard"`);
  }
  for (const job of reg.jobs ?? []) {
    const where = `job ${job.id || "?"}`;
    if (!job.handler) add("error", where, "the job has no handler");
    if (!job.enabled) add("warning", where, 'the job never runs: GoatFlow schedules only jobs with "enabled": true');
    if (job.timeout && !GO_DURATION.test(job.timeout)) add("warning", where, `timeout "${job.timeout}" is not a Go duration (such as "5m" or "30s")`);
  }
  if (routes.length > 0 || (reg.widgets ?? []).length > 0 || (reg.jobs ?? []).length > 0) {
    add("note", "limits", "GoatFlow does not stop a call that runs past its 30 s limit: a looping handler holds the plugin for good");
  }
}

function checkRouteAnswer(where: string, answer: string | null, add: (s: GoatflowProblemSeverity, w: string, m: string) => void): void {
  if (answer === null) {
    add("error", where, "the handler answers nothing (a 0 pointer or length); GoatFlow sends an empty 200 application/json body");
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    add("error", where, `the answer is not JSON (${abbreviate(answer)}); GoatFlow sends it as application/json anyway`);
    return;
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if ("gk_response" in obj) add("warning", where, "a gk_response envelope: GoatFlow cannot set a status or headers and sends the envelope itself as 200 JSON");
    if ("gk_template" in obj) add("error", where, "a gk_template envelope: GoatFlow has no template results and sends the envelope itself as 200 JSON");
    if ("error" in obj) add("note", where, 'the answer has "error": GoatFlow sends it as an ordinary 200');
  }
}

function checkWidgetAnswer(where: string, answer: string | null, add: (s: GoatflowProblemSeverity, w: string, m: string) => void): void {
  if (answer === null) {
    add("error", where, 'the widget answers nothing; GoatFlow needs {"html": "..."} and drops the widget (500 on its own endpoint)');
    return;
  }
  let decoded;
  try {
    decoded = decodeGo(answer, { kind: "struct", name: "widgetResult", fields: { html: { kind: "string" } } });
  } catch {
    add("error", where, `the widget's answer is not JSON (${abbreviate(answer)}); GoatFlow needs {"html": "..."} and drops the widget`);
    return;
  }
  if (decoded.errors.length > 0) {
    add("error", where, `GoatFlow cannot read the widget's answer (${decoded.errors[0]}); it needs {"html": "..."} and drops the widget`);
    return;
  }
  const html = (decoded.value as { html?: string } | null)?.html ?? "";
  if (html === "") add("error", where, `the widget's answer has no "html" string (${abbreviate(answer)}); GoatFlow renders an empty widget`);
}

function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
