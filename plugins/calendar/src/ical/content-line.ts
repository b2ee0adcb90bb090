/**
 * RFC 5545 content lines (3.1): `NAME;PARAM=value:VALUE`, folded at 75 octets with CRLF and a
 * space, and TEXT values escaped (3.3.11). Used by both the feed writer and the importer.
 */

export interface ContentLine {
  /** Upper case. */
  name: string;
  /** Parameter names in upper case; values unquoted. */
  params: Record<string, string>;
  value: string;
}

const CRLF = "\r\n";
const MAX_OCTETS = 75;
const encoder = new TextEncoder();

/** Escapes a TEXT value: backslash, semicolon, comma and line breaks. */
export function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");
}

/** Reverses escapeText (`\N` is accepted for a line break, as some writers use it). */
export function unescapeText(text: string): string {
  return text.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

/** A parameter value, quoted when it holds `:`, `;` or `,`. */
function paramValue(value: string): string {
  return /[:;,]/.test(value) ? `"${value.replace(/"/g, "'")}"` : value;
}

/** One content line, unfolded: `DTSTART;TZID=Europe/Berlin:20260330T090000`. */
export function contentLine(name: string, value: string, params: Record<string, string> = {}): string {
  const paramText = Object.entries(params)
    .map(([key, v]) => `;${key}=${paramValue(v)}`)
    .join("");
  return `${name}${paramText}:${value}`;
}

/**
 * Folds a line into physical lines of at most 75 octets (continuations start with a space,
 * which counts), never splitting a UTF-8 sequence.
 */
export function foldLine(line: string): string {
  if (encoder.encode(line).length <= MAX_OCTETS) return line;
  const pieces: string[] = [];
  let current = "";
  let octets = 0;
  let limit = MAX_OCTETS;
  for (const char of line) {
    const size = encoder.encode(char).length;
    if (octets + size > limit) {
      pieces.push(current);
      current = "";
      octets = 0;
      limit = MAX_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  pieces.push(current);
  return pieces.join(`${CRLF} `);
}

/** The lines as an iCalendar body: folded, each ending in CRLF. */
export function serializeLines(lines: readonly string[]): string {
  return lines.map((line) => foldLine(line) + CRLF).join("");
}

/** Physical lines joined back into logical lines (folding removed); blank lines dropped. */
export function unfold(body: string): string[] {
  return body
    .replace(/\r?\n[ \t]/g, "")
    .split(/\r?\n|\r/)
    .filter((line) => line.trim() !== "");
}

/** Parses one unfolded line; null when it has no `:` outside quotes or no name. */
export function parseContentLine(line: string): ContentLine | null {
  let i = 0;
  const nameMatch = /^[A-Za-z0-9-]+/.exec(line);
  if (!nameMatch) return null;
  const name = nameMatch[0].toUpperCase();
  i = name.length;
  const params: Record<string, string> = {};
  while (line[i] === ";") {
    const eq = line.indexOf("=", i);
    if (eq < 0) return null;
    const key = line.slice(i + 1, eq).toUpperCase();
    i = eq + 1;
    const values: string[] = [];
    for (;;) {
      if (line[i] === '"') {
        const close = line.indexOf('"', i + 1);
        if (close < 0) return null;
        values.push(line.slice(i + 1, close));
        i = close + 1;
      } else {
        const m = /^[^";:,]*/.exec(line.slice(i))!;
        values.push(m[0]);
        i += m[0].length;
      }
      if (line[i] !== ",") break;
      i++;
    }
    params[key] = values.join(",");
  }
  if (line[i] !== ":") return null;
  return { name, params, value: line.slice(i + 1) };
}
