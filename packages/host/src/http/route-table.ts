import type { Route } from "@goatkit/sdk";

/** A plugin route at its mount path. */
export interface MountedRoute {
  plugin: string;
  route: Route;
  mountPath: string;
}

export type RouteMatch =
  | { kind: "found"; mounted: MountedRoute; params: Record<string, string>; headOnly: boolean }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" }
  | { kind: "bad-path"; message: string };

/** How many method and path pairs a table remembers the match of (all are forgotten when it is full). */
const RECENT_MATCHES = 1024;

interface CompiledRoute {
  mounted: MountedRoute;
  segments: Array<{ literal: string } | { param: string }>;
}

/**
 * Matches request paths against every plugin's routes. Segments match one by one; a literal
 * segment beats a `:param` at the same place (`/reports/summary` before `/reports/:id`).
 * A known path with another method is 405 with its methods; GET routes also answer HEAD.
 */
export class RouteTable {
  readonly #routes: CompiledRoute[];
  /** Recent answers by method and path: a server under load sees the same few paths again and again. */
  readonly #recent = new Map<string, RouteMatch>();

  constructor(routes: readonly MountedRoute[]) {
    this.#routes = routes.map((mounted) => ({
      mounted,
      segments: split(mounted.mountPath).map((s) => (s.startsWith(":") ? { param: s.slice(1) } : { literal: safeDecode(s) ?? s })),
    }));
  }

  get routes(): MountedRoute[] {
    return this.#routes.map((r) => r.mounted);
  }

  match(method: string, path: string): RouteMatch {
    const key = `${method} ${path}`;
    const known = this.#recent.get(key);
    // Each caller gets params of its own: the request envelope carries them on.
    if (known) return known.kind === "found" ? { ...known, params: { ...known.params } } : known;
    const found = this.#match(method, path);
    if (this.#recent.size >= RECENT_MATCHES) this.#recent.clear();
    this.#recent.set(key, found.kind === "found" ? { ...found, params: { ...found.params } } : found);
    return found;
  }

  #match(method: string, path: string): RouteMatch {
    const raw = split(path);
    const decoded: string[] = [];
    for (const segment of raw) {
      const value = safeDecode(segment);
      if (value === null) return { kind: "bad-path", message: `the path segment "${segment}" is not valid percent-encoding` };
      decoded.push(value);
    }
    const candidates: Array<{ route: CompiledRoute; params: Record<string, string>; score: string }> = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, decoded);
      if (params) candidates.push({ route, params, score: route.segments.map((s) => ("literal" in s ? "0" : "1")).join("") });
    }
    if (candidates.length === 0) return { kind: "not-found" };
    candidates.sort((a, b) => a.score.localeCompare(b.score));

    const upper = method.toUpperCase();
    const exact = candidates.find((c) => c.route.mounted.route.method === upper);
    if (exact) return { kind: "found", mounted: exact.route.mounted, params: exact.params, headOnly: false };
    if (upper === "HEAD") {
      const get = candidates.find((c) => c.route.mounted.route.method === "GET");
      if (get) return { kind: "found", mounted: get.route.mounted, params: get.params, headOnly: true };
    }
    const methods = new Set(candidates.map((c) => c.route.mounted.route.method as string));
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS");
    return { kind: "method-not-allowed", allow: [...methods].sort() };
  }
}

function split(path: string): string[] {
  return path.split("/").slice(1);
}

function matchSegments(pattern: CompiledRoute["segments"], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    const value = segments[i]!;
    if ("literal" in part) {
      if (part.literal !== value) return null;
    } else {
      if (value === "") return null;
      params[part.param] = value;
    }
  }
  return params;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
