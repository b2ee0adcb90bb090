import { TABLE_WRITE_PERMISSION, type Manifest } from "@goatkit/sdk";

/** What a plugin may do, derived once from its validated manifest. */
export interface PluginGrants {
  /** Capability permissions (`db:read`, `cache:write`, ...). */
  capabilities: ReadonlySet<string>;
  /** Tables the plugin's migrations create: `db:write` covers them. */
  ownedTables: ReadonlySet<string>;
  /** Core tables granted one by one with `db:write:<table>`. */
  tableGrants: ReadonlySet<string>;
  /** `http.allowed_hosts` patterns (`api.example.com`, `*.example.com`, `localhost:8080`). */
  allowedHosts: readonly string[];
}

const CREATE_TABLE = /create\s+table\s+(?:if\s+not\s+exists\s+)?[`"[]?(\w+)[`"\]]?/gi;

export function grantsOf(manifest: Manifest): PluginGrants {
  const capabilities = new Set<string>();
  const tableGrants = new Set<string>();
  for (const p of manifest.permissions ?? []) {
    const table = TABLE_WRITE_PERMISSION.exec(p)?.[1];
    if (table) tableGrants.add(table.toLowerCase());
    else if (p.includes(":")) capabilities.add(p);
  }
  const ownedTables = new Set<string>();
  for (const migration of manifest.migrations ?? []) {
    const scripts = typeof migration.up === "string" ? [migration.up] : Object.values(migration.up ?? {});
    for (const sql of scripts) for (const m of String(sql).matchAll(CREATE_TABLE)) ownedTables.add(m[1]!.toLowerCase());
  }
  return { capabilities, ownedTables, tableGrants, allowedHosts: manifest.http?.allowed_hosts ?? [] };
}

/**
 * Checks a URL against the plugin's allowed hosts: refused with the fix, or allowed. An entry
 * that names the host exactly (not a `*.` wildcard) also allows it to be a private-network
 * address (docs/host-functions.md, http_request).
 */
export function checkAllowedHost(grants: PluginGrants, url: URL): { denied: string } | { allowPrivate: boolean } {
  if (url.protocol !== "http:" && url.protocol !== "https:") return { denied: `only http and https URLs are allowed, not ${url.protocol}` };
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port;
  let wildcard = false;
  for (const pattern of grants.allowedHosts) {
    const [patternHost = "", patternPort] = pattern.toLowerCase().split(/:(?=\d+$)/);
    if (patternPort !== undefined && patternPort !== port) continue;
    if (patternHost.replace(/^\[|\]$/g, "") === host) return { allowPrivate: true };
    if (patternHost.startsWith("*.") && host.endsWith(patternHost.slice(1))) wildcard = true;
  }
  if (wildcard) return { allowPrivate: false };
  const hostAndPort = port ? `${url.hostname}:${port}` : url.hostname;
  return { denied: `permission denied: http_request to ${hostAndPort} is not allowed; add "${hostAndPort}" to manifest.http.allowed_hosts` };
}
