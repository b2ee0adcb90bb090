import { TABLE_WRITE_PERMISSION, type Manifest } from "@goatkit/sdk";

/** What a plugin may do, derived once from its validated manifest's permissions (never from its SQL). */
export interface PluginGrants {
  /** Capability permissions (`db:read`, `cache:write`, ...). */
  capabilities: ReadonlySet<string>;
  /** Core tables granted one by one with `db:write:<table>`. */
  tableGrants: ReadonlySet<string>;
  /** `http.allowed_hosts` patterns (`api.example.com`, `*.example.com`, `localhost:8080`). */
  allowedHosts: readonly string[];
}

export function grantsOf(manifest: Manifest): PluginGrants {
  const capabilities = new Set<string>();
  const tableGrants = new Set<string>();
  for (const p of manifest.permissions ?? []) {
    const table = TABLE_WRITE_PERMISSION.exec(p)?.[1];
    if (table) tableGrants.add(table.toLowerCase());
    else if (p.includes(":")) capabilities.add(p);
  }
  return { capabilities, tableGrants, allowedHosts: manifest.http?.allowed_hosts ?? [] };
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
