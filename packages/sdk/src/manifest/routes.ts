import { errorAt, warningAt, type ManifestIssue } from "./issues.js";
import type { Route } from "./schema.js";

const PARAM = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const STATIC_SEGMENT = /^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$/;
const PLUGINS_ROOT = "/api/plugins";

/** The URL prefix every route of a plugin is served under: `/api/plugins/<name>`. */
export function routePrefix(pluginName: string): string {
  return `${PLUGINS_ROOT}/${pluginName}`;
}

/** The path a route is served at: full paths stay, relative ones go under `/api/plugins/<name>`. */
export function routeMountPath(pluginName: string, path: string): string {
  const prefix = routePrefix(pluginName);
  if (path === prefix || path.startsWith(`${prefix}/`)) return path;
  return path === "/" ? prefix : `${prefix}${path}`;
}

/** What identifies a route: method and mount path, parameter names erased (`/a/:id` = `/a/:x`). */
export function routeKey(pluginName: string, route: Pick<Route, "method" | "path">): string {
  return `${route.method} ${routeMountPath(pluginName, route.path).replace(/:[^/]*/g, ":")}`;
}

/**
 * Checks a route path (already known to start with "/"): the plugin prefix, segments and
 * `:param` names. `pluginName` is undefined when the manifest's name is itself invalid.
 */
export function checkRoutePath(path: string, pluginName: string | undefined, at: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const queryAt = path.search(/[?#]/);
  if (queryAt >= 0) {
    issues.push(errorAt(at, `path "${path}" contains a query string or fragment`, `remove "${path.slice(queryAt)}"; handlers read query parameters from the request`));
    path = path.slice(0, queryAt) || "/";
  }

  let rest = path;
  if (pluginName !== undefined) {
    const prefix = routePrefix(pluginName);
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      rest = path.slice(prefix.length) || "/";
    } else if (path === PLUGINS_ROOT || path.startsWith(`${PLUGINS_ROOT}/`)) {
      const other = path.slice(PLUGINS_ROOT.length + 1).split("/")[0] ?? "";
      const tail = path.slice(PLUGINS_ROOT.length + 1 + other.length) || "/";
      issues.push(
        errorAt(
          at,
          other ? `path "${path}" is under another plugin's prefix ${PLUGINS_ROOT}/${other}/` : `path "${path}" is the plugins root, not this plugin's prefix`,
          `use "${routeMountPath(pluginName, tail)}" or the relative path "${tail}"`,
        ),
      );
      return issues;
    } else {
      issues.push(
        warningAt(
          at,
          `path "${path}" does not start with ${prefix}/; it will be served at ${routeMountPath(pluginName, path)}`,
          `write "${routeMountPath(pluginName, path)}" to make that explicit`,
        ),
      );
    }
  }

  if (rest.length > 1 && rest.endsWith("/")) {
    issues.push(errorAt(at, `path "${path}" ends with "/"`, `remove the trailing "/": "${path.replace(/\/+$/, "")}"`));
    rest = rest.replace(/\/+$/, "");
  }
  if (rest === "/") return issues;

  const seen = new Set<string>();
  for (const segment of rest.slice(1).split("/")) {
    if (segment === "") {
      issues.push(errorAt(at, `path "${path}" has an empty segment ("//")`, `use a single "/": "${path.replace(/\/{2,}/g, "/")}"`));
    } else if (segment.startsWith(":")) {
      const name = segment.slice(1);
      if (!PARAM.test(name)) {
        const suggestion = name.replace(/[^a-zA-Z0-9_]+/g, "_").replace(/^([0-9])/, "_$1") || "id";
        issues.push(errorAt(at, `path "${path}" has an invalid parameter ":${name}"`, `name parameters with letters, digits and _, not starting with a digit, e.g. ":${suggestion}"`));
      } else if (seen.has(name)) {
        issues.push(errorAt(at, `path "${path}" uses the parameter ":${name}" twice`, `give each parameter its own name, e.g. ":${name}" and ":${name}2"`));
      }
      seen.add(name);
    } else if (!STATIC_SEGMENT.test(segment)) {
      const fix = segment.includes("*")
        ? `replace "${segment}" with a ":param" segment; wildcards are not supported`
        : segment.includes(":")
          ? `a parameter is a whole segment: write "/:${segment.slice(segment.indexOf(":") + 1)}", not "/${segment}"`
          : `use letters, digits, ".", "_", "~" and "-" in "${segment}" (percent-encode anything else)`;
      issues.push(errorAt(at, `path "${path}" has an invalid segment "${segment}"`, fix));
    }
  }
  return issues;
}
