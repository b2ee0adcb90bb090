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

/** Returns why `url` is refused for these grants, or null when it is allowed. */
export function checkAllowedHost(grants: PluginGrants, url: URL): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `only http and https URLs are allowed, not ${url.protocol}`;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port;
  for (const pattern of grants.allowedHosts) {
    const [patternHost = "", patternPort] = pattern.toLowerCase().split(/:(?=\d+$)/);
    if (patternPort !== undefined && patternPort !== port) continue;
    if (patternHost === host) return null;
    if (patternHost.startsWith("*.") && host.endsWith(patternHost.slice(1))) return null;
  }
  const hostAndPort = port ? `${host}:${port}` : host;
  return `permission denied: http_request to ${hostAndPort} is not allowed; add "${hostAndPort}" to manifest.http.allowed_hosts`;
}
