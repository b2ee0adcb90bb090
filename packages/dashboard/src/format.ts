import { h } from "./dom.js";

const DASH = "\u2013";

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  if (v < 1) return v.toFixed(2) + " ms";
  if (v < 100) return v.toFixed(1) + " ms";
  if (v < 10000) return Math.round(v) + " ms";
  return (v / 1000).toFixed(1) + " s";
}

export function fmtBytes(n: number): string {
  if (!n) return DASH;
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}

export function fmtRelative(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const diff = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const text = abs < 1 ? "now" : abs < 60 ? Math.round(abs) + " s" : abs < 3600 ? Math.round(abs / 60) + " min" : abs < 86400 ? Math.round(abs / 3600) + " h" : Math.round(abs / 86400) + " d";
  if (text === "now") return text;
  return diff > 0 ? "in " + text : text + " ago";
}

export function fmtClock(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
}

export function plural(n: number, word: string): string {
  return n + " " + word + (n === 1 ? "" : "s");
}

/** The tail of a long text (paths end in what tells them apart). */
export function shorten(text: string | null | undefined, n: number): string {
  const s = String(text || "");
  return s.length > n ? "\u2026" + s.slice(s.length - n + 1) : s;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function pill(kind: string, label: string, title?: string): HTMLSpanElement {
  return h("span", { class: "pill " + kind, title }, label);
}
