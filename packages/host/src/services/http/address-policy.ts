import { isIP } from "node:net";

/**
 * Which network addresses a plugin's http_request may reach. Allowed hosts are names; what a
 * name resolves to is checked at connect time (after DNS, on every redirect), so a public name
 * pointing at the host's own network is refused. Private ranges are reachable only through an
 * entry that names the host exactly (no wildcard); cloud metadata only by its literal address.
 */

export type AddressKind = "public" | "loopback" | "private" | "link-local" | "metadata" | "unspecified";

const METADATA_V4 = new Set(["169.254.169.254", "100.100.100.200"]);
const METADATA_V6 = "fd00:ec2::254";

/**
 * What kind of address `address` is (IPv4, or IPv6 with or without brackets and zone). IPv6 is
 * parsed into its 16 bytes (by the WHATWG URL parser, which reads every spelling: `::`, leading
 * zeros, an embedded dotted quad), and an IPv4 address carried inside it (mapped, translated,
 * compatible, NAT64, 6to4) is classified as that IPv4 address: `::ffff:7f00:1` is loopback.
 */
export function addressKind(address: string): AddressKind {
  const ip = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (isIP(ip) === 4) return ipv4Kind(ip);
  const bytes = ipv6Bytes(ip);
  return bytes === null ? "public" : ipv6Kind(bytes);
}

function ipv4Kind(ip: string): AddressKind {
  if (METADATA_V4.has(ip)) return "metadata";
  const [a = 0, b = 0] = ip.split(".").map(Number);
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return "private";
  if (a === 169 && b === 254) return "link-local";
  return "public";
}

function ipv6Kind(bytes: Uint8Array): AddressKind {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  const v4 = (at: number) => ipv4Kind([...bytes.subarray(at, at + 4)].join("."));
  const word = (i: number) => (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!;
  if (zeros(0, 16)) return "unspecified";
  if (zeros(0, 15) && bytes[15] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible, deprecated).
  if (zeros(0, 10) && word(5) === 0xffff) return v4(12);
  if (zeros(0, 8) && word(4) === 0xffff && word(5) === 0) return v4(12);
  if (zeros(0, 12)) return v4(12);
  // 64:ff9b::a.b.c.d, the NAT64 well-known prefix: the gateway connects to the IPv4 address.
  if (word(0) === 0x64 && word(1) === 0xff9b && zeros(4, 12)) return v4(12);
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): addresses of the site's own translator.
  if (word(0) === 0x64 && word(1) === 0xff9b && word(2) === 1) return "private";
  // 2002:a.b.c.d::/48, 6to4: relays tunnel to the IPv4 address.
  if (word(0) === 0x2002) return v4(2);
  if (formatV6(bytes) === METADATA_V6) return "metadata";
  if ((bytes[0]! & 0xfe) === 0xfc) return "private";
  // fec0::/10 (site-local, deprecated) is the site's own network too.
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0xc0) return "private";
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return "link-local";
  return "public";
}

/** The 16 bytes of an IPv6 address (a zone, `%eth0`, is ignored), or null when it is not one. */
function ipv6Bytes(ip: string): Uint8Array | null {
  const bare = ip.split("%")[0]!;
  if (isIP(bare) !== 6) return null;
  let canonical: string;
  try {
    // The URL parser writes the address canonically: lower-case hex groups, no dotted quad.
    canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const [head = "", tail] = canonical.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function formatV6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
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
