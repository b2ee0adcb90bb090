import { $, h } from "./dom.js";

export function toast(message: string, kind?: "error" | "success"): void {
  const el = h("div", { class: "toast " + (kind ?? ""), role: "status" }, message);
  $("#toasts").appendChild(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
}
