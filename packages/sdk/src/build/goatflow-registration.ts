/**
 * A manifest as GoatFlow's registration (its `GKRegistration`, docs/goatflow.md): what a
 * TypeScript plugin built for GoatFlow answers from `gk_register`. The reverse of
 * registration/goatflow.ts, which reads one: our host describes such a module from it alone.
 *
 * - widgets at `agent_home` go to `dashboard`, the only location GoatFlow renders, with
 *   `refresh_sec`;
 * - jobs are `enabled: true` (GoatFlow skips the others) with `timeout` as a Go duration;
 * - `permissions` stay ours (GoatFlow ignores them; this host grants them), and so do
 *   `functions` and `hooks`, which GoatFlow does not read.
 */
import type { Manifest } from "../manifest/schema.js";

export function toGoatflowRegistration(manifest: Manifest): Record<string, unknown> {
  const out: Record<string, unknown> = { name: manifest.name, version: manifest.version };
  for (const key of ["description", "author", "license", "homepage"] as const) if (manifest[key] !== undefined) out[key] = manifest[key];
  out.routes = (manifest.routes ?? []).map((r) => ({
    method: r.method,
    path: r.path,
    handler: r.handler,
    ...(r.middleware ? { middleware: r.middleware } : {}),
    ...(r.description ? { description: r.description } : {}),
  }));
  out.widgets = (manifest.widgets ?? []).map((w) => ({
    id: w.id,
    title: w.title,
    handler: w.handler,
    location: w.location === "agent_home" ? "dashboard" : w.location,
    size: w.size,
    ...(w.description ? { description: w.description } : {}),
    ...(w.refresh_seconds ? { refreshable: true, refresh_sec: w.refresh_seconds } : {}),
  }));
  out.jobs = (manifest.jobs ?? []).map((j) => ({
    id: j.id,
    handler: j.handler,
    schedule: j.schedule,
    ...(j.description ? { description: j.description } : {}),
    enabled: true,
    ...(j.timeout_ms ? { timeout: `${j.timeout_ms}ms` } : {}),
  }));
  if (manifest.menu_items?.length) out.menu_items = manifest.menu_items.map(({ permission: _permission, ...item }) => item);
  if (manifest.permissions?.length) out.permissions = manifest.permissions;
  if (manifest.functions?.length) out.functions = manifest.functions;
  if (manifest.hooks?.length) out.hooks = manifest.hooks;
  return out;
}
