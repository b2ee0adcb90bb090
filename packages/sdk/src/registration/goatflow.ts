import { WIDGET_SIZES } from "../manifest/schema.js";

/**
 * GoatFlow's own registration (its `GKRegistration`, docs/goatflow.md) in the shape of ours: a
 * plugin built against GoatFlow's ABI has no manifest, and `gk_register` is all there is.
 *
 * - widget `location: "dashboard"` (the only one GoatFlow renders) becomes `agent_home`, the
 *   agent's dashboard here; `refresh_sec` becomes `refresh_seconds`; a missing or unknown `size`
 *   becomes `medium`;
 * - a job runs only with `enabled: true`, as on GoatFlow: others are left out; its `timeout`
 *   (a Go duration such as "5m") becomes `timeout_ms`;
 * - routes keep `method`, `path`, `handler` and `description` (`middleware` has no equivalent);
 * - without `permissions`, GoatFlow's default policy: db read, cache read and write.
 *
 * Fields GoatFlow has and we do not (templates, i18n, error_codes, menu_items, resources, ...) are
 * dropped.
 */
export const GOATFLOW_DEFAULT_PERMISSIONS: readonly string[] = ["db:read", "cache:read", "cache:write"];

export function isGoatflowRegistration(value: Record<string, unknown>): boolean {
  const widgets = Array.isArray(value.widgets) ? (value.widgets as unknown[]) : [];
  const jobs = Array.isArray(value.jobs) ? (value.jobs as unknown[]) : [];
  const field = (list: unknown[], names: string[]) => list.some((item) => item !== null && typeof item === "object" && names.some((n) => n in item));
  return (
    field(widgets, ["refresh_sec", "refreshable", "order"]) ||
    widgets.some((w) => (w as { location?: unknown })?.location === "dashboard") ||
    field(jobs, ["enabled", "timeout"]) ||
    // Fields only GoatFlow's registration has (author and the like are too common to tell).
    ["templates", "i18n", "error_codes", "hide_menu_items", "landing_page", "min_host_version", "resources"].some((key) => key in value)
  );
}

/** Rewrites a GoatFlow registration into our registration's fields (see above). */
export function fromGoatflowRegistration(value: Record<string, unknown>, options: { defaultPermissions?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Ours as they are, should a registration mix both shapes.
  for (const key of ["name", "version", "description", "runtime", "abi", "functions", "hooks"]) if (value[key] !== undefined) out[key] = value[key];
  if (Array.isArray(value.routes)) {
    out.routes = value.routes.map((r: Record<string, unknown>) => pick(r, ["method", "path", "handler", "description"]));
  }
  if (Array.isArray(value.widgets)) {
    out.widgets = value.widgets.map((w: Record<string, unknown>) => {
      const widget = pick(w, ["id", "title", "handler", "description", "refresh_seconds"]);
      widget.location = w.location === undefined || w.location === "dashboard" ? "agent_home" : w.location;
      widget.size = (WIDGET_SIZES as readonly unknown[]).includes(w.size) ? w.size : "medium";
      if (typeof w.refresh_sec === "number" && w.refresh_sec > 0) widget.refresh_seconds = w.refresh_sec;
      if (widget.title === undefined || widget.title === "") widget.title = w.id;
      return widget;
    });
  }
  if (Array.isArray(value.jobs)) {
    out.jobs = value.jobs
      .filter((j: Record<string, unknown>) => j.enabled === true)
      .map((j: Record<string, unknown>) => {
        const job = pick(j, ["id", "schedule", "handler", "description", "timeout_ms", "retries"]);
        if (typeof j.timeout === "string" && j.timeout !== "") {
          const ms = goDurationMs(j.timeout);
          job.timeout_ms = ms === null ? j.timeout : Math.min(600_000, Math.max(1, ms));
        }
        return job;
      });
  }
  const permissions = Array.isArray(value.permissions) ? value.permissions : [];
  if (permissions.length > 0) out.permissions = permissions;
  else if (options.defaultPermissions !== false) out.permissions = [...GOATFLOW_DEFAULT_PERMISSIONS];
  return out;
}

/** A Go `time.Duration` string ("5m", "1h30m", "250ms") in milliseconds; null when it is not one. */
export function goDurationMs(text: string): number | null {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (!/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) return null;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * units[unit!]!;
  return Math.round(total);
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
