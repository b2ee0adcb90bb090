import type { WidgetAnswer } from "@goatkit/host";
import { api, errorMessage } from "../api.js";
import { renderView } from "../chrome.js";
import { clear, h } from "../dom.js";
import { LOCATIONS, state } from "../state.js";
import WIDGET_FRAME_STYLES from "../styles/widget-frame.css?inline";

export function renderWidgets(root: HTMLElement, actions: HTMLElement): void {
  actions.appendChild(h("button", { class: "btn", onclick: renderView }, "Refresh"));
  const counts: Record<string, number> = {};
  for (const p of state.plugins) {
    if (!p.enabled) continue;
    for (const w of p.widgets) counts[w.location] = (counts[w.location] ?? 0) + 1;
  }
  root.appendChild(
    h(
      "div",
      { class: "tabs", role: "tablist" },
      LOCATIONS.map((loc) =>
        h(
          "button",
          {
            class: loc === state.location ? "active" : "",
            role: "tab",
            "data-location": loc,
            onclick: () => {
              state.location = loc;
              renderView();
            },
          },
          loc.replace("_", " "),
          h("span", { class: "n" }, String(counts[loc] ?? 0)),
        ),
      ),
    ),
  );
  const grid = h("div", { class: "widget-grid", id: "widget-grid", "aria-busy": "true" });
  root.appendChild(grid);
  api<WidgetAnswer[]>("GET", "/api/widgets?location=" + state.location, undefined, { accept: "application/json" })
    .then((widgets) => {
      grid.removeAttribute("aria-busy");
      if (!widgets.length) {
        grid.replaceWith(h("div", { class: "card empty-state" }, h("strong", {}, "No widgets in " + state.location.replace("_", " ")), "Plugins add widgets with the manifest's widgets list."));
        return;
      }
      for (const w of widgets) grid.appendChild(widgetSection(w));
    })
    .catch((error: unknown) => grid.replaceWith(h("div", { class: "alert" }, errorMessage(error))));
}

function widgetSection(w: WidgetAnswer): HTMLElement {
  const body = h("div", { class: "gk-widget__body" });
  const section = h(
    "section",
    { class: "gk-widget gk-widget--" + w.size, "data-plugin": w.plugin, "data-widget": w.id, "data-size": w.size, "data-location": w.location, "data-status": w.status },
    h("header", { class: "gk-widget__header" }, h("h3", { class: "gk-widget__title" }, w.title), h("span", { class: "gk-widget__plugin" }, w.plugin)),
    body,
  );
  fillWidget(body, w);
  if (w.refresh_seconds && w.refresh_seconds > 0) scheduleWidgetRefresh(section, body, w, w.refresh_seconds);
  return section;
}

// Widget HTML is the plugin's: it renders in a sandboxed frame without forms, so its styles,
// its position: fixed and its forms stay inside the frame. Without allow-same-origin the frame
// has an opaque origin: its requests to the host carry no session cookie, and this page's DOM
// is out of its reach. The frame inherits this page's Content-Security-Policy (script-src
// 'self'), and its own meta policy adds a nonce made for that frame alone: both must allow a
// script, so the one script that runs in it is the sizing script the host serves with the page's
// own assets (named in the page's data-widget-script). The widget's inline scripts, handlers and
// scripts from the host (a plugin's static files, this page's assets) are refused.
const SIZE_SCRIPT_URL = new URL(document.body.dataset.widgetScript ?? "", location.href).href;

export function listenForWidgetSizes(): void {
  window.addEventListener("message", (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; height?: unknown } | null;
    if (!data || data.type !== "goatkit:widget-size" || typeof data.height !== "number") return;
    const height = data.height;
    document.querySelectorAll<HTMLIFrameElement>(".gk-widget__frame").forEach((frame) => {
      if (frame.contentWindow === event.source) frame.style.height = Math.max(0, Math.min(2000, Math.ceil(height))) + "px";
    });
  });
}

function fillWidget(body: HTMLElement, w: WidgetAnswer): void {
  clear(body);
  body.parentElement?.setAttribute("data-status", String(w.status));
  if (w.error) {
    body.appendChild(h("div", { class: "gk-widget__error", role: "alert" }, h("strong", {}, "This widget failed"), " (" + w.error.code + "): " + w.error.message));
    return;
  }
  const frame = h("iframe", { class: "gk-widget__frame", title: w.title, sandbox: "allow-scripts allow-popups allow-popups-to-escape-sandbox", referrerpolicy: "no-referrer" });
  // The sizing script comes before the widget's HTML, which cannot reach back into the head. It
  // is a classic script: a module script from the frame's opaque origin would need CORS.
  const nonce = frameNonce();
  frame.srcdoc =
    '<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="script-src \'nonce-' +
    nonce +
    "'; object-src 'none'\"><base target=\"_blank\"><style>" +
    WIDGET_FRAME_STYLES +
    '</style><script nonce="' +
    nonce +
    '" src="' +
    escapeAttribute(SIZE_SCRIPT_URL) +
    '"></' +
    "script></head><body>" +
    w.html +
    "</body></html>";
  body.appendChild(frame);
}

/** A fresh nonce per frame; the widget's HTML is written after it and cannot learn it. */
function frameNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function escapeAttribute(text: string): string {
  return text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function scheduleWidgetRefresh(section: HTMLElement, body: HTMLElement, w: WidgetAnswer, seconds: number): void {
  const url = "/api/plugins/" + encodeURIComponent(w.plugin) + "/widgets/" + encodeURIComponent(w.id);
  state.widgetTimers.push(
    window.setInterval(() => {
      if (!section.isConnected) return;
      api<WidgetAnswer>("GET", url, undefined, { accept: "application/json" })
        .then((next) => fillWidget(body, next))
        .catch(() => {
          // keep the last rendering
        });
    }, seconds * 1000),
  );
}
