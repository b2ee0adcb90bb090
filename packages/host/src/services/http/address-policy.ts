import { isIP } from "node:net";

/**
 * Which network addresses a plugin's http_request may reach. Allowed hosts are names; what a
 * name resolves to is checked at connect time (after DNS, on every redirect), so a public name
 * pointing at the host's own network is refused. Private ranges are reachable only through an
 * entry that names the host exactly (no wildcard); cloud metadata only by its literal address.
 */

export type AddressKind = "public" | "loopback" | "private" | "link-local" | "metadata" | "unspecified";

const METADATA = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]);

function v4Parts(ip: string): number[] {
  return ip.split(".").map(Number);
}

export function addressKind(address: string): AddressKind {
  const ip = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (METADATA.has(ip)) return "metadata";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  if (mapped) return addressKind(mapped);
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = v4Parts(ip);
    if (a === 0) return "unspecified";
    if (a === 127) return "loopback";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return "private";
    if (a === 169 && b === 254) return "link-local";
    return "public";
  }
  if (isIP(ip) === 6) {
    if (ip === "::") return "unspecified";
    if (ip === "::1") return "loopback";
    if (/^f[cd]/.test(ip)) return "private";
    if (/^fe[89ab]/.test(ip)) return "link-local";
    return "public";
  }
  return "public";
}

/** Why connecting to `address` (for `host`) is refused, or null. */
export function addressRefusal(address: string, host: string, allowPrivate: boolean): string | null {
  const kind = addressKind(address);
  if (kind === "public") return null;
  const literal = address.replace(/^\[|\]$/g, "") === host.replace(/^\[|\]$/g, "");
  if (kind === "metadata" && !(allowPrivate && literal)) {
    return `http_request to ${host} reaches the cloud metadata address ${address}, which plugins may not use`;
  }
  if (kind !== "metadata" && allowPrivate) return null;
  return `http_request to ${host} resolves to the ${kind} address ${address}; list "${host}" itself (not a wildcard) in manifest.http.allowed_hosts to allow it`;
}
