/**
 * The agreement rule between a manifest and the registration its module returns
 * (docs/registration.md): the manifest is what an administrator approved, so it bounds what the
 * module may claim; the module adds what only it knows (functions, hooks, menu items, its own
 * permissions).
 */
import { fromGoatflowRegistration, isGoatflowRegistration } from "./goatflow.js";
import { ABI_VERSION } from "../abi.js";
import { checkFunctions, checkHooks, checkMenuItems, checkPermissions, validName } from "../manifest/checks.js";
import { functionHandler, manifestHandlers, resolveHook, type HandlerReference } from "../manifest/handlers.js";
import { childPath, errorAt, warningAt, type ManifestIssue } from "../manifest/issues.js";
import { isGrantedPermission } from "../manifest/permissions.js";
import { routeKey, routeMountPath } from "../manifest/routes.js";
import type { FunctionDecl, Hook, Manifest, MenuItem, ResolvedManifest } from "../manifest/schema.js";
import { closest } from "../manifest/suggest.js";
import { resolveManifest, validateManifest, type ManifestValidationResult } from "../manifest/validate.js";
import { REGISTRATION_FIELDS, type Registration } from "./schema.js";

/** The outcome of checking a registration: the effective (merged) manifest and every issue. */
export interface RegistrationCheck {
  /** True when there are no errors (warnings allowed). */
  ok: boolean;
  /** The manifest merged with what the registration adds. */
  manifest: ResolvedManifest;
  /** Errors and warnings; registration paths start with `gk_register.`. */
  issues: ManifestIssue[];
}

const REG = "gk_register";

/**
 * Checks a module's registration against its manifest and merges them. `exports` (the module's
 * export names), when given, must include every handler the merged manifest names.
 */
export function checkRegistration(manifest: Manifest, registration: Registration, exports?: readonly string[]): RegistrationCheck {
  const merged = resolveManifest(manifest);
  const manifestRefs = manifestHandlers(merged);
  const issues: ManifestIssue[] = [];
  const ctx = { name: validName(merged) };

  for (const field of ["name", "version"] as const) {
    if (registration[field] !== merged[field]) {
      issues.push(
        errorAt(
          `${REG}.${field}`,
          `gk_register returned ${field} "${registration[field]}" but the manifest's ${field} is "${merged[field]}"`,
          `make gk_register return the manifest's ${field} ("${merged[field]}")`,
        ),
      );
    }
  }
  if (registration.runtime !== undefined && registration.runtime !== merged.runtime) {
    issues.push(errorAt(`${REG}.runtime`, `gk_register returned runtime "${registration.runtime}" but the manifest's runtime is "${merged.runtime}"`, `make gk_register return runtime "${merged.runtime}", or leave runtime out`));
  }
  if (registration.abi !== undefined && registration.abi !== ABI_VERSION) {
    issues.push(errorAt(`${REG}.abi`, `gk_register says the module was built for ABI ${registration.abi}; this SDK speaks ABI ${ABI_VERSION}`, `rebuild the plugin against GoatKit ABI ${ABI_VERSION}`));
  }
  for (const key of Object.keys(registration)) {
    if (REGISTRATION_FIELDS.includes(key)) continue;
    const suggestion = closest(key, REGISTRATION_FIELDS);
    issues.push(warningAt(`${REG}.${key}`, `gk_register returned an unknown field "${key}"; it is ignored`, suggestion ? `did you mean "${suggestion}"?` : `remove "${key}" from the registration`));
  }
  if (merged.description === undefined && registration.description !== undefined) merged.description = registration.description;

  issues.push(...mergePermissions(merged, registration, ctx));
  issues.push(...checkDeclaredInManifest(merged, registration));

  const added: HandlerReference[] = [];
  issues.push(
    ...mergeByKey<FunctionDecl>("functions", merged.functions, registration.functions, (fn) => fn.name, compareFunction, added, (fn, at) => ({
      handler: functionHandler(fn),
      path: childPath(at, fn.handler === undefined ? "name" : "handler"),
    })),
    ...mergeByKey<Hook>("hooks", merged.hooks, registration.hooks, (hook) => resolveHook(hook).key, compareHook, added, (hook, at) => ({
      handler: resolveHook(hook).handler,
      path: typeof hook !== "string" && hook.handler !== undefined ? childPath(at, "handler") : at,
    })),
    ...mergeByKey<MenuItem>("menu_items", merged.menu_items, registration.menu_items, (item) => item.path, compareMenuItem, added, undefined),
  );
  issues.push(
    ...checkFunctions(registration.functions, `${REG}.functions`),
    ...checkHooks(registration.hooks, `${REG}.hooks`),
    ...checkMenuItems(registration.menu_items, `${REG}.menu_items`, ctx),
  );

  if (exports !== undefined) issues.push(...checkExports(exports, [...manifestRefs, ...added]));

  return { ok: !issues.some((i) => i.severity === "error"), manifest: merged, issues: dedupe(issues) };
}

/** Validates a registration as a manifest, for a module that has no manifest file beside it. */
export function manifestFromRegistration(registration: Registration): ManifestValidationResult {
  const source = registration as unknown as Record<string, unknown>;
  // GoatFlow's own field names and values (refresh_sec, "dashboard", enabled, timeout: "5m").
  const normalised = (isGoatflowRegistration(source) ? fromGoatflowRegistration(source) : source) as Registration;
  const { abi: _abi, ...fields } = normalised;
  const known = Object.fromEntries(Object.entries(fields).filter(([key]) => REGISTRATION_FIELDS.includes(key)));
  return validateManifest(known);
}

function mergePermissions(merged: ResolvedManifest, registration: Registration, ctx: { name: string | undefined }): ManifestIssue[] {
  const issues = checkPermissions(registration.permissions, `${REG}.permissions`, ctx, false);
  const granted = new Set(merged.permissions);
  (registration.permissions ?? []).forEach((permission, i) => {
    if (granted.has(permission)) return;
    if (isGrantedPermission(permission)) {
      issues.push(
        errorAt(
          `${REG}.permissions[${i}]`,
          `gk_register asks for "${permission}", which the manifest does not grant`,
          `add "${permission}" to the manifest's permissions (an administrator approves the manifest), or stop requesting it in gk_register`,
        ),
      );
    } else if (!issues.some((issue) => issue.path === `${REG}.permissions[${i}]` && issue.severity === "error")) {
      merged.permissions.push(permission);
      granted.add(permission);
    }
  });
  return issues;
}

/** Routes, widgets and jobs are approved with the manifest: the registration may only repeat them. */
function checkDeclaredInManifest(merged: ResolvedManifest, registration: Registration): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const name = merged.name;
  (registration.routes ?? []).forEach((route, i) => {
    const at = `${REG}.routes[${i}]`;
    const match = merged.routes.find((r) => routeKey(name, r) === routeKey(name, route));
    if (!match) {
      issues.push(
        errorAt(at, `gk_register lists route ${route.method} ${routeMountPath(name, route.path)}, which the manifest does not declare`, `add it to the manifest's routes (routes are approved with the manifest), or remove it from gk_register`),
      );
    } else issues.push(...compareAuthoritative(match, route, at, `route ${route.method} ${route.path}`, ["method", "path"]));
  });
  for (const list of ["widgets", "jobs"] as const) {
    const what = list === "widgets" ? "widget" : "job";
    (registration[list] ?? []).forEach((item, i) => {
      const at = `${REG}.${list}[${i}]`;
      const match = (merged[list] as Array<{ id: string }>).find((m) => m.id === item.id);
      if (!match) issues.push(errorAt(at, `gk_register lists ${what} "${item.id}", which the manifest does not declare`, `add it to the manifest's ${list} (they are approved with the manifest), or remove it from gk_register`));
      else issues.push(...compareAuthoritative(match, item, at, `${what} "${item.id}"`, ["id"]));
    });
  }
  return issues;
}

/**
 * Fields both set must match (the key fields matched already): a different handler is an
 * error, any other difference a warning, since the manifest's value is the one used.
 */
function compareAuthoritative(fromManifest: object, fromRegistration: object, at: string, what: string, keyFields: string[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const m = fromManifest as Record<string, unknown>;
  const errorFields = ["handler"];
  for (const [field, value] of Object.entries(fromRegistration)) {
    if (keyFields.includes(field) || m[field] === undefined || same(m[field], value)) continue;
    const message = `${what}: gk_register says ${field} ${JSON.stringify(value)} but the manifest says ${JSON.stringify(m[field])}`;
    if (errorFields.includes(field)) issues.push(errorAt(`${at}.${field}`, message, `make gk_register and the manifest name the same ${field}; the manifest's is the one used`));
    else issues.push(warningAt(`${at}.${field}`, `${message}; the manifest's value is used`, `make them the same, or drop ${field} from gk_register`));
  }
  return issues;
}

type Compare<T> = (fromManifest: T, fromRegistration: T) => Array<[field: string, manifestValue: unknown, registrationValue: unknown]>;

/** Adds registration-only entries; entries in both must agree on every field both set. */
function mergeByKey<T>(
  list: "functions" | "hooks" | "menu_items",
  target: T[],
  entries: readonly T[] | undefined,
  keyOf: (entry: T) => string,
  compare: Compare<T>,
  added: HandlerReference[],
  handlerOf: ((entry: T, at: string) => HandlerReference) | undefined,
): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const manifestCount = target.length;
  (entries ?? []).forEach((entry, i) => {
    const at = `${REG}.${list}[${i}]`;
    const key = keyOf(entry);
    const index = target.findIndex((t) => keyOf(t) === key);
    if (index < 0) {
      target.push(entry);
      if (handlerOf) added.push(handlerOf(entry, at));
      return;
    }
    if (index >= manifestCount) return; // repeated inside the registration: reported by its own checks
    const existing = target[index]!;
    const differences = compare(existing, entry);
    for (const [field, manifestValue, registrationValue] of differences) {
      issues.push(
        errorAt(
          `${at}.${field}`,
          `${list}[${JSON.stringify(key)}]: gk_register says ${field} ${JSON.stringify(registrationValue)} but the manifest says ${JSON.stringify(manifestValue)}`,
          `make gk_register and the manifest agree on ${field}, or declare it in only one of them`,
        ),
      );
    }
    if (differences.length === 0 && typeof existing === "object" && typeof entry === "object") {
      target[index] = { ...entry, ...existing };
    }
  });
  return issues;
}

function differing(a: Record<string, unknown>, b: Record<string, unknown>, fields: string[]): Array<[string, unknown, unknown]> {
  return fields.filter((f) => a[f] !== undefined && b[f] !== undefined && !same(a[f], b[f])).map((f) => [f, a[f], b[f]]);
}

const compareFunction: Compare<FunctionDecl> = (m, r) => {
  const diffs = differing(m, r, ["args", "returns", "description"]);
  if (functionHandler(m) !== functionHandler(r)) diffs.unshift(["handler", functionHandler(m), functionHandler(r)]);
  return diffs;
};

const compareHook: Compare<Hook> = (m, r) => {
  const hm = resolveHook(m);
  const hr = resolveHook(r);
  return hm.handler === hr.handler ? [] : [["handler", hm.handler, hr.handler]];
};

const compareMenuItem: Compare<MenuItem> = (m, r) => differing(m, r, ["label", "icon", "location", "permission"]);

function checkExports(exports: readonly string[], refs: HandlerReference[]): ManifestIssue[] {
  const exported = new Set(exports);
  const missing = new Map<string, string[]>();
  for (const ref of refs) {
    if (exported.has(ref.handler)) continue;
    missing.set(ref.handler, [...(missing.get(ref.handler) ?? []), ref.path]);
  }
  return [...missing].map(([handler, paths]) =>
    errorAt(
      paths[0]!,
      `handler "${handler}" (named by ${paths.join(", ")}) is not exported by the module`,
      `export a function named ${handler} from the plugin or fix the handler name`,
    ),
  );
}

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
