/**
 * Semantic checks: rules a JSON Schema cannot express (duplicates, cron, route syntax,
 * permissions, migration SQL). They read the raw document defensively, so they also run on
 * parts of a manifest whose other parts are structurally wrong.
 */
import { Cron } from "croner";
import { handlerNameProblem, resolveHook, toIdentifier } from "./handlers.js";
import { childPath, errorAt, warningAt, type ManifestIssue } from "./issues.js";
import { checkMigrationSql, tablePrefix } from "./migrations.js";
import { checkPermission, pluginPermissionPrefix } from "./permissions.js";
import { checkRoutePath, routeKey, routeMountPath } from "./routes.js";
import { HTTP_METHODS, MIGRATION_ID_PATTERN, PLUGIN_NAME_PATTERN, SQL_DIALECTS, type Hook } from "./schema.js";

type Doc = Record<string, unknown>;

export function isRecord(value: unknown): value is Doc {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function text(doc: Doc, key: string): string | undefined {
  const value = doc[key];
  return typeof value === "string" ? value : undefined;
}

/** The records of a list field with their indexes; anything else is skipped (structure reports it). */
function records(value: unknown): Array<[Doc, number]> {
  return Array.isArray(value) ? value.flatMap((item, i): Array<[Doc, number]> => (isRecord(item) ? [[item, i]] : [])) : [];
}

/** Context of the checks: the plugin name when valid (it drives the route and table prefixes). */
export interface CheckContext {
  name: string | undefined;
}

/** The plugin name of a document when it is a valid name, else undefined. */
export function validName(doc: Doc): string | undefined {
  const name = text(doc, "name");
  return name !== undefined && new RegExp(PLUGIN_NAME_PATTERN).test(name) ? name : undefined;
}

/** Every semantic issue of a manifest document. */
export function semanticIssues(doc: Doc): ManifestIssue[] {
  const ctx: CheckContext = { name: validName(doc) };
  return [
    ...checkRuntime(doc),
    ...checkRoutes(doc["routes"], "routes", ctx),
    ...checkWidgets(doc["widgets"], "widgets"),
    ...checkJobs(doc["jobs"], "jobs"),
    ...checkPermissions(doc["permissions"], "permissions", ctx),
    ...checkFunctions(doc["functions"], "functions"),
    ...checkHooks(doc["hooks"], "hooks"),
    ...checkMenuItems(doc["menu_items"], "menu_items", ctx),
    ...checkHttp(doc),
    ...checkConfig(doc["config"]),
    ...checkMigrations(doc["migrations"], ctx),
  ];
}

function checkRuntime(doc: Doc): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const runtime = text(doc, "runtime");
  const alias = text(doc, "type");
  if (runtime !== undefined && alias !== undefined && runtime !== alias) {
    issues.push(errorAt("type", `type "${alias}" and runtime "${runtime}" disagree`, `remove "type" (an alias of runtime) and keep "runtime": "${runtime}", or make them equal`));
  }
  const effective = runtime ?? alias ?? "wasm";
  if (effective === "grpc" && doc["grpc"] === undefined) {
    issues.push(errorAt("grpc", `runtime is "grpc" but there is no grpc section`, `add "grpc": {"binary": "<the plugin executable>"}`));
  }
  if (effective === "wasm" && doc["grpc"] !== undefined) {
    issues.push(warningAt("grpc", `the grpc section is ignored because runtime is "wasm"`, `set "runtime": "grpc", or remove the grpc section`));
  }
  if (effective === "grpc" && doc["wasm"] !== undefined) {
    issues.push(warningAt("wasm", `wasm is ignored because runtime is "grpc"`, `remove "wasm", or set "runtime": "wasm"`));
  }
  const build = isRecord(doc["build"]) ? doc["build"] : undefined;
  const grpc = isRecord(doc["grpc"]) ? doc["grpc"] : undefined;
  for (const [value, at] of [
    [doc["wasm"], "wasm"],
    [build?.["output"], "build.output"],
    [grpc?.["binary"], "grpc.binary"],
  ] as const) {
    if (typeof value === "string") issues.push(...checkRelativeFile(value, at));
  }
  const wasm = text(doc, "wasm");
  const output = typeof build?.["output"] === "string" ? build["output"] : undefined;
  if (wasm !== undefined && output !== undefined && normalizeFile(wasm) !== normalizeFile(output)) {
    issues.push(warningAt("wasm", `wasm is "${wasm}" but build.output is "${output}": the host loads a file the build does not write`, `make them the same, or remove "wasm" (it defaults to build.output)`));
  }
  return issues;
}

function normalizeFile(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(\.\/)+/, "");
}

function checkRelativeFile(path: string, at: string): ManifestIssue[] {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\")) {
    return [errorAt(at, `${at} "${path}" is an absolute path`, `write a path relative to the manifest, e.g. "${path.split(/[\\/]/).at(-1) || "plugin.wasm"}"`)];
  }
  if (path.split(/[\\/]/).includes("..")) {
    return [errorAt(at, `${at} "${path}" leaves the plugin folder`, `keep the file inside the plugin folder and write its path relative to the manifest`)];
  }
  return [];
}

function checkHandler(value: unknown, at: string, label: string): ManifestIssue[] {
  if (typeof value !== "string") return [];
  const problem = handlerNameProblem(value, label);
  return problem ? [errorAt(at, problem.message, problem.fix)] : [];
}

/** Reports the second and later items that share an id with an earlier one. */
function checkUniqueIds(list: unknown, base: string, what: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const first = new Map<string, number>();
  for (const [item, i] of records(list)) {
    const id = text(item, "id");
    if (id === undefined) continue;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, i);
    else issues.push(errorAt(childPath(childPath(base, i), "id"), `${what} id "${id}" is already used by ${base}[${earlier}]`, `give each ${what} its own id, e.g. "${id}-2"`));
  }
  return issues;
}

/** Route checks; `base` is "routes" or "gk_register.routes". */
export function checkRoutes(list: unknown, base: string, ctx: CheckContext): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Map<string, [number, string]>();
  for (const [route, i] of records(list)) {
    const at = childPath(base, i);
    issues.push(...checkHandler(route["handler"], childPath(at, "handler"), "handler"));
    const path = text(route, "path");
    const method = text(route, "method");
    if (path === undefined || !path.startsWith("/")) continue;
    issues.push(...checkRoutePath(path, ctx.name, childPath(at, "path")));
    if (method === undefined || !(HTTP_METHODS as readonly string[]).includes(method) || ctx.name === undefined) continue;
    const key = routeKey(ctx.name, { method: method as (typeof HTTP_METHODS)[number], path });
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, [i, path]);
      continue;
    }
    const [j, earlierPath] = earlier;
    const mount = routeMountPath(ctx.name, path);
    const same = routeMountPath(ctx.name, earlierPath) === mount;
    issues.push(
      errorAt(
        at,
        same ? `route ${method} ${mount} is declared twice (also ${base}[${j}])` : `route ${method} ${path} matches the same requests as ${base}[${j}] (${method} ${earlierPath})`,
        `remove one of them, or change its method or path`,
      ),
    );
  }
  return issues;
}

function checkWidgets(list: unknown, base: string): ManifestIssue[] {
  const issues = checkUniqueIds(list, base, "widget");
  for (const [widget, i] of records(list)) issues.push(...checkHandler(widget["handler"], childPath(childPath(base, i), "handler"), "handler"));
  return issues;
}

const CRON_NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Why a cron expression is unusable, or undefined when it is fine. */
export function cronProblem(schedule: string): { message: string; fix: string } | undefined {
  const expression = schedule.trim();
  const nickname = CRON_NICKNAMES[expression.toLowerCase()];
  if (nickname) return { message: `schedule "${schedule}" is a nickname, not a cron expression`, fix: `write "${nickname}"` };
  const fields = expression.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return {
      message: `schedule "${schedule}" has ${fields} field${fields === 1 ? "" : "s"}; cron needs 5 (minute hour day month weekday) or 6 (seconds first)`,
      fix: `write 5 fields, e.g. "*/5 * * * *" (every 5 minutes) or "0 6 * * *" (06:00 daily)`,
    };
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, "");
    return {
      message: `schedule "${schedule}" is not a valid cron expression: ${reason}`,
      fix: `correct the expression (fields: ${fields === 6 ? "second " : ""}minute hour day-of-month month day-of-week), e.g. "0 6 * * *"`,
    };
  }
  const next = cron.nextRun();
  cron.stop();
  if (next === null) return { message: `schedule "${schedule}" never fires`, fix: `check the day and month fields (e.g. February has no 30th)` };
  return undefined;
}

function checkJobs(list: unknown, base: string): ManifestIssue[] {
  const issues = checkUniqueIds(list, base, "job");
  for (const [job, i] of records(list)) {
    const at = childPath(base, i);
    issues.push(...checkHandler(job["handler"], childPath(at, "handler"), "handler"));
    const schedule = text(job, "schedule");
    if (schedule === undefined || schedule.trim() === "") continue;
    const problem = cronProblem(schedule);
    if (problem) issues.push(errorAt(childPath(at, "schedule"), problem.message, problem.fix));
  }
  return issues;
}

/** Permission checks; duplicates are warnings unless `reportDuplicates` is false. */
export function checkPermissions(list: unknown, base: string, ctx: CheckContext, reportDuplicates = true): ManifestIssue[] {
  if (!Array.isArray(list)) return [];
  const issues: ManifestIssue[] = [];
  const seen = new Map<string, number>();
  list.forEach((permission: unknown, i) => {
    if (typeof permission !== "string" || permission === "") return;
    const at = childPath(base, i);
    const earlier = seen.get(permission);
    if (earlier !== undefined) {
      if (reportDuplicates) issues.push(warningAt(at, `permission "${permission}" is listed twice (also ${base}[${earlier}])`, `remove ${base}[${i}]`));
      return;
    }
    seen.set(permission, i);
    const issue = checkPermission(permission, ctx.name, at);
    if (issue) issues.push(issue);
  });
  return issues;
}

/** Function checks: handler names, unique names, unique argument names. */
export function checkFunctions(list: unknown, base: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Map<string, number>();
  for (const [fn, i] of records(list)) {
    const at = childPath(base, i);
    const name = text(fn, "name");
    if (fn["handler"] !== undefined) issues.push(...checkHandler(fn["handler"], childPath(at, "handler"), "handler"));
    else issues.push(...checkHandler(name, childPath(at, "name"), "name (also the handler)"));
    if (name !== undefined) {
      const earlier = seen.get(name);
      if (earlier === undefined) seen.set(name, i);
      else issues.push(errorAt(childPath(at, "name"), `function "${name}" is already declared by ${base}[${earlier}]`, `remove one of them or rename it`));
    }
    const argNames = new Set<string>();
    for (const [arg, k] of records(fn["args"])) {
      const argName = text(arg, "name");
      if (argName === undefined) continue;
      if (argNames.has(argName)) issues.push(errorAt(childPath(childPath(childPath(at, "args"), k), "name"), `argument "${argName}" of function "${name ?? "?"}" is declared twice`, `give each argument its own name`));
      argNames.add(argName);
    }
  }
  return issues;
}

/** Hook checks: an event or a type, valid handler names, no hook declared twice. */
export function checkHooks(list: unknown, base: string): ManifestIssue[] {
  if (!Array.isArray(list)) return [];
  const issues: ManifestIssue[] = [];
  const seen = new Map<string, number>();
  list.forEach((hook: unknown, i) => {
    const at = childPath(base, i);
    if (typeof hook === "string") {
      if (hook === "") return;
      const problem = handlerNameProblem(hook, "hook");
      if (problem) {
        issues.push(errorAt(at, `hook "${hook}" is also its handler's name, and ${problem.message.replace(/^hook "[^"]*" /, "")}`, `use the object form: {"event": "${hook}", "handler": "${toIdentifier(`on_${hook}`)}"}`));
      }
    } else if (isRecord(hook)) {
      const event = text(hook, "event");
      const type = text(hook, "type");
      if (event !== undefined && type !== undefined) {
        issues.push(errorAt(at, `${at} has both "event" and "type"`, `keep one: "event" for a named event, or "type" with "source" and "action"`));
        return;
      }
      if (event === undefined && type === undefined) {
        issues.push(errorAt(at, `${at} has neither "event" nor "type"`, `add "event": "<event name>", e.g. "after_save", or "type" with "source" and "action"`));
        return;
      }
      if (hook["handler"] !== undefined) issues.push(...checkHandler(hook["handler"], childPath(at, "handler"), "handler"));
      else {
        const handler = resolveHook(hook as Hook).handler;
        const problem = handlerNameProblem(handler, "default handler");
        if (problem) issues.push(errorAt(at, `${at} has no handler and ${problem.message}`, `add "handler": "${toIdentifier(`on_${handler}`)}"`));
      }
    } else {
      return;
    }
    const key = resolveHook(hook as Hook).key;
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, i);
    else issues.push(errorAt(at, `hook "${key}" is already declared by ${base}[${earlier}]`, `remove one of them; one hook per event calls one handler`));
  });
  return issues;
}

/** Menu checks: unique paths; `permission` must be a plugin permission. */
export function checkMenuItems(list: unknown, base: string, ctx: CheckContext): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Map<string, number>();
  for (const [item, i] of records(list)) {
    const at = childPath(base, i);
    const path = text(item, "path");
    if (path !== undefined) {
      const earlier = seen.get(path);
      if (earlier === undefined) seen.set(path, i);
      else issues.push(errorAt(childPath(at, "path"), `menu path "${path}" is already used by ${base}[${earlier}]`, `remove one of them or point it to another page`));
    }
    const permission = text(item, "permission");
    if (permission === undefined || permission === "") continue;
    const issue = checkPermission(permission, ctx.name, childPath(at, "permission"));
    if (issue) issues.push(issue);
    else if (permission.includes(":")) {
      issues.push(
        errorAt(
          childPath(at, "permission"),
          `menu permission "${permission}" is a capability, not a user permission`,
          `use a plugin permission such as "${ctx.name ? pluginPermissionPrefix(ctx.name) : "my_plugin"}.view" and list it in permissions`,
        ),
      );
    }
  }
  return issues;
}

function checkHttp(doc: Doc): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const http = isRecord(doc["http"]) ? doc["http"] : undefined;
  const hosts = Array.isArray(http?.["allowed_hosts"]) ? (http["allowed_hosts"] as unknown[]) : [];
  const seen = new Set<string>();
  hosts.forEach((host, i) => {
    if (typeof host !== "string") return;
    const at = `http.allowed_hosts[${i}]`;
    const port = /:([0-9]+)$/.exec(host)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      issues.push(errorAt(at, `allowed host "${host}" has port ${port}, outside 1-65535`, `fix the port, or remove it to allow the default ports`));
    }
    if (seen.has(host.toLowerCase())) issues.push(warningAt(at, `allowed host "${host}" is listed twice`, `remove ${at}`));
    seen.add(host.toLowerCase());
  });
  const permissions = Array.isArray(doc["permissions"]) ? (doc["permissions"] as unknown[]) : [];
  const external = permissions.indexOf("http:external");
  if (hosts.length > 0 && external < 0) {
    issues.push(warningAt("http.allowed_hosts", `http.allowed_hosts is set but permissions lacks "http:external", so http_request is refused`, `add "http:external" to permissions`));
  }
  // gRPC plugins make their own network calls; only http_request reads allowed_hosts.
  const runtime = text(doc, "runtime") ?? text(doc, "type") ?? "wasm";
  if (external >= 0 && hosts.length === 0 && runtime === "wasm") {
    issues.push(warningAt(`permissions[${external}]`, `"http:external" is granted but http.allowed_hosts is empty, so every http_request is refused`, `add the hosts the plugin calls to http.allowed_hosts, e.g. "api.example.com"`));
  }
  return issues;
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

function checkConfig(config: unknown): ManifestIssue[] {
  if (!isRecord(config)) return [];
  const issues: ManifestIssue[] = [];
  for (const [key, field] of Object.entries(config)) {
    if (!isRecord(field)) continue;
    const type = text(field, "type");
    if (type === undefined) continue;
    const at = childPath("config", key);
    const values = Array.isArray(field["enum"]) ? (field["enum"] as unknown[]) : undefined;
    values?.forEach((value, i) => {
      if (!matchesType(value, type)) issues.push(errorAt(childPath(childPath(at, "enum"), i), `enum value ${JSON.stringify(value)} of config "${key}" is not of type ${type}`, `write a ${type} value, or change config.${key}.type`));
    });
    if (!("default" in field)) continue;
    const value = field["default"];
    if (!matchesType(value, type)) {
      issues.push(errorAt(childPath(at, "default"), `default ${JSON.stringify(value)} of config "${key}" is not of type ${type}`, `write ${type === "integer" ? "an" : "a"} ${type} value${type === "string" ? ` such as "${String(value)}"` : ""}, or change config.${key}.type`));
    } else if (values && !values.includes(value)) {
      issues.push(errorAt(childPath(at, "default"), `default ${JSON.stringify(value)} of config "${key}" is not one of its enum values`, `use one of ${values.map((v) => JSON.stringify(v)).join(", ")}`));
    }
  }
  return issues;
}

function migrationOrder(a: string, b: string): number {
  const na = BigInt(/^[0-9]+/.exec(a)?.[0] ?? "0");
  const nb = BigInt(/^[0-9]+/.exec(b)?.[0] ?? "0");
  if (na !== nb) return na < nb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkMigrations(list: unknown, ctx: CheckContext): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const idPattern = new RegExp(MIGRATION_ID_PATTERN);
  const seen = new Map<string, number>();
  let previous: [string, number] | undefined;
  for (const [migration, i] of records(list)) {
    const at = `migrations[${i}]`;
    const id = text(migration, "id");
    if (id !== undefined && idPattern.test(id)) {
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        issues.push(errorAt(`${at}.id`, `migration id "${id}" is already used by migrations[${earlier}]`, `give each migration its own id; never reuse the id of an applied migration`));
      } else if (previous && migrationOrder(previous[0], id) > 0) {
        issues.push(errorAt(`${at}.id`, `migration "${id}" comes after "${previous[0]}" (migrations[${previous[1]}]), but migrations run in id order`, `list the migrations in ascending id order`));
      }
      seen.set(id, seen.get(id) ?? i);
      if (!previous || migrationOrder(previous[0], id) < 0) previous = [id, i];
    }
    for (const side of ["up", "down"] as const) {
      const sql = migration[side];
      const sideAt = `${at}.${side}`;
      if (typeof sql === "string") {
        if (ctx.name) issues.push(...checkMigrationSql(sql, tablePrefix(ctx.name), sideAt));
      } else if (isRecord(sql)) {
        for (const [dialect, script] of Object.entries(sql)) {
          if (typeof script === "string" && ctx.name) issues.push(...checkMigrationSql(script, tablePrefix(ctx.name), `${sideAt}.${dialect}`));
        }
        const missing = SQL_DIALECTS.filter((d) => sql[d] === undefined);
        if (sql["default"] === undefined && missing.length > 0 && Object.keys(sql).length > 0) {
          issues.push(warningAt(sideAt, `${sideAt} has no SQL for ${missing.join(", ")} and no default, so the plugin cannot be ${side === "up" ? "installed" : "rolled back"} on ${missing.length === 1 ? "that database" : "those databases"}`, `add "default" or ${missing.map((d) => `"${d}"`).join(", ")}`));
        }
      }
    }
  }
  return issues;
}
