/**
 * Just enough MIME reading to check what an SMTP server received from nodemailer: headers
 * (unfolded, RFC 2047 words decoded), multipart bodies, base64 and quoted-printable parts.
 * A test helper, not a general parser (mailparser would be one).
 */
export interface MimePart {
  headers: Map<string, string>;
  /** The part's media type, lower case, without parameters. */
  type: string;
  params: Map<string, string>;
  /** Decoded content of a leaf part. */
  body: Buffer;
  parts: MimePart[];
}

export function parseMime(raw: Buffer | string): MimePart {
  const text = Buffer.isBuffer(raw) ? raw.toString("latin1") : raw;
  const split = text.search(/\r?\n\r?\n/);
  const head = split === -1 ? text : text.slice(0, split);
  const rest = split === -1 ? "" : text.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const [type = "text/plain", ...paramText] = (headers.get("content-type") ?? "text/plain").split(";");
  const params = new Map(paramText.map((p) => p.trim().split("=", 2) as [string, string]).map(([k, v = ""]) => [k.toLowerCase(), v.replace(/^"|"$/g, "")]));
  const part: MimePart = { headers, type: type.trim().toLowerCase(), params, body: Buffer.alloc(0), parts: [] };
  const boundary = params.get("boundary");
  if (part.type.startsWith("multipart/") && boundary) {
    const sections = rest.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith("--")) break;
      part.parts.push(parseMime(section.replace(/^\r?\n/, "").replace(/\r?\n$/, "")));
    }
    return part;
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") part.body = Buffer.from(rest.replace(/\s+/g, ""), "base64");
  else if (encoding === "quoted-printable") part.body = quotedPrintable(rest);
  else part.body = Buffer.from(rest.replace(/\r?\n$/, ""), "latin1");
  return part;
}

/** Leaf parts, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(leaves);
}

function quotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, "").replace(/\r?\n$/, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`), adjacent ones joined. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const buf = enc.toUpperCase() === "B" ? Buffer.from(data, "base64") : quotedPrintable(data.replace(/_/g, " "));
      return new TextDecoder(charset).decode(buf);
    });
}
