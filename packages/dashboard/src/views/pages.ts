import type { CapabilityAnswer, MenuItemAnswer } from "@goatkit/host";
import { api, errorMessage } from "../api.js";
import { h } from "../dom.js";
import { toast } from "../toast.js";

// A plugin's page opens in a tab of its own, in the opaque origin the host serves it in. A
// page under the plugin's own routes asks this window for a capability (its plugin's routes
// only, for the signed-in user, short-lived) with postMessage, and gets it only when the
// message comes from a tab this page opened for that plugin and carries the tab's nonce, so a
// page the tab navigated to later does not. Other paths open as plain links.

interface PageTab {
  tab: Window;
  plugin: string;
  nonce: string;
}
let pageTabs: PageTab[] = [];

type PageItem = Pick<MenuItemAnswer, "path" | "label" | "location">;

export function pageLink(plugin: string, item: PageItem): HTMLAnchorElement {
  const own = item.path.indexOf("/api/plugins/" + plugin + "/") === 0;
  const where = "Opens in a new tab (" + (item.location || "agent") + " menu)";
  if (!own) return h("a", { href: item.path, target: "_blank", rel: "noopener noreferrer", title: where }, item.label);
  return h(
    "a",
    {
      href: item.path,
      "data-page": plugin,
      title: where + ", signed in for " + plugin + " only",
      onclick: (event) => {
        event.preventDefault();
        openPage(plugin, item.path);
      },
    },
    item.label,
  );
}

function openPage(plugin: string, path: string): void {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const nonce = Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join("");
  const tab = window.open(path + (path.indexOf("#") >= 0 ? "&" : "#") + "gk-page=" + nonce, "_blank");
  if (!tab) {
    toast("The browser blocked the new tab; allow pop-ups for this page", "error");
    return;
  }
  pageTabs = pageTabs.filter((t) => !t.tab.closed);
  pageTabs.push({ tab, plugin, nonce });
}

/** Answers capability requests from the plugin pages this window opened. */
export function listenForCapabilityRequests(): void {
  window.addEventListener("message", (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; page?: unknown } | null;
    if (!data || typeof data !== "object" || data.type !== "goatkit:capability-request") return;
    const opened = pageTabs.find((t) => t.tab === event.source && t.nonce === data.page);
    if (!opened) return;
    api<CapabilityAnswer>("POST", "/api/capabilities", { plugin: opened.plugin }).then(
      (capability) => {
        opened.tab.postMessage({ type: "goatkit:capability", plugin: capability.plugin, token: capability.token, scope: capability.scope, expiresInSeconds: capability.expiresInSeconds }, "*");
      },
      (error: unknown) => {
        opened.tab.postMessage({ type: "goatkit:capability", error: errorMessage(error) }, "*");
      },
    );
  });
}
