/** Standard base64 (with padding), as GoatFlow's `host_call` JSON carries bytes. */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The UTF-8 bytes of `s` in base64 (written into one buffer: values can be large). */
export function encodeBase64(s: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE));
  const n = bytes.length;
  const out = new Uint8Array(((n + 2) / 3) * 4);
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const b0 = <u32>bytes[i];
    const b1: u32 = i + 1 < n ? <u32>bytes[i + 1] : 0;
    const b2: u32 = i + 2 < n ? <u32>bytes[i + 2] : 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    out[o++] = <u8>ALPHABET.charCodeAt((triple >> 18) & 63);
    out[o++] = <u8>ALPHABET.charCodeAt((triple >> 12) & 63);
    out[o++] = i + 1 < n ? <u8>ALPHABET.charCodeAt((triple >> 6) & 63) : 61;
    out[o++] = i + 2 < n ? <u8>ALPHABET.charCodeAt(triple & 63) : 61;
  }
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>out.length);
}

function sextet(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c == 43 || c == 45) return 62; // + (and - of the URL alphabet)
  if (c == 47 || c == 95) return 63; // / (and _)
  return -1;
}

/** Decodes base64 to bytes; `null` when `text` is not base64. */
export function decodeBase64(text: string): Uint8Array | null {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) == 61) end--;
  const out = new Uint8Array((end * 3) >> 2);
  let acc: u32 = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const v = sextet(text.charCodeAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < out.length) out[o++] = <u8>((acc >> bits) & 0xff);
    }
  }
  return out;
}

/** Decodes base64 holding UTF-8 text; invalid UTF-8 becomes U+FFFD, invalid base64 `null`. */
export function decodeBase64Text(text: string): string | null {
  const bytes = decodeBase64(text);
  if (bytes == null) return null;
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}
