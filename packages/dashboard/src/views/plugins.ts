import type { PluginInfo } from "@goatkit/host";
import { api, errorMessage } from "../api.js";
import { refreshAll, renderChrome, renderView, replacePlugin, scheduleRefresh } from "../chrome.js";
import { h } from "../dom.js";
import { fmtBytes, fmtMs, fmtRelative, plural, shorten } from "../format.js";
import { state, STATUS_HINT, STATUS_LABEL } from "../state.js";
import { toast } from "../toast.js";
import { pageLink } from "./pages.js";

type PluginAction = "enable" | "disable" | "reload" | "unload";
const PAST: Record<PluginAction, string> = { enable: "Enabled", disable: "Disabled", reload: "Reloaded", unload: "Unloaded" };

export function renderPlugins(root: HTMLElement, actions: HTMLElement): void {
  actions.appendChild(h("button", { class: "btn", onclick: () => void refreshAll().then(renderView) }, "Refresh"));
  let loaded = 0;
  let calls = 0;
  let errors = 0;
  let memory = 0;
  for (const p of state.plugins) {
    if (p.loaded) loaded++;
    calls += p.metrics.calls;
    errors += p.metrics.errors;
    memory += p.memoryBytes;
  }
  const running = state.jobs.filter((j) => j.running).length;
  const failing = state.jobs.filter((j) => j.lastRun?.status === "failed").length;
  root.appendChild(
    h(
      "div",
      { class: "stats" },
      stat("Plugins", state.plugins.length, loaded + " loaded \u00b7 " + (state.plugins.length - loaded) + " idle or off"),
      stat("Calls", calls, "since the host started"),
      stat("Errors", errors, calls ? ((errors / calls) * 100).toFixed(1) + "% of calls" : "no calls yet", errors > 0),
      stat("Jobs", state.jobs.length, running + " running \u00b7 " + failing + " failing", failing > 0),
      stat("Memory", memory ? fmtBytes(memory) : "0", "estimated, loaded plugins"),
    ),
  );
  if (!state.plugins.length) {
    root.appendChild(h("div", { class: "card empty-state" }, h("strong", {}, "No plugins yet"), "Put plugin folders (manifest + wasm) in the plugins directory; they appear here."));
    return;
  }
  root.appendChild(h("div", { class: "cards" }, state.plugins.map(pluginCard)));
}

function stat(label: string, value: number | string, hint: string, bad?: boolean): HTMLElement {
  return h("div", { class: "stat-card" + (bad ? " bad" : "") }, h("div", { class: "label" }, label), h("div", { class: "value" }, String(value)), h("div", { class: "hint" }, hint));
}

function pluginCard(p: PluginInfo): HTMLElement {
  const m = p.metrics;
  const contributes = [plural(p.routes.length, "route"), plural(p.widgets.length, "widget"), plural(p.jobs.length, "job")];
  if (p.hooks.length) contributes.push("hooks: " + p.hooks.join(", "));
  const caps = p.permissions.filter((x) => x.indexOf(":") > 0);
  const own = p.permissions.filter((x) => x.indexOf(":") < 0);
  const action = (name: PluginAction) => (e: Event & { currentTarget: HTMLElement }) => pluginAction(e.currentTarget as HTMLButtonElement, p.name, name);
  return h(
    "article",
    { class: "card plugin" + (p.enabled ? "" : " is-disabled"), "data-plugin": p.name },
    h(
      "div",
      { class: "plugin-head" },
      h("div", {}, h("h2", {}, p.name, h("span", { class: "version" }, p.version ? "v" + p.version : "")), h("div", { class: "desc" }, p.description || "No description")),
      h("span", { class: "pill " + p.status, "data-status": p.status, title: STATUS_HINT[p.status] }, STATUS_LABEL[p.status] || p.status),
    ),
    h(
      "div",
      { class: "meta" },
      h("span", {}, "Source: ", h("strong", {}, p.source)),
      p.runtime === "grpc" ? h("span", {}, "Runtime: ", h("strong", {}, "gRPC"), p.pid ? " (pid " + p.pid + ")" : "") : null,
      h("span", { class: "mono", title: p.location }, shorten(p.location, 54)),
      p.lastUsedAt ? h("span", {}, "Last call " + fmtRelative(p.lastUsedAt)) : null,
      p.inFlight ? h("span", {}, plural(p.inFlight, "call") + " running") : null,
    ),
    h(
      "div",
      { class: "metrics" },
      metric("Calls", m.calls),
      metric("Errors", m.errors, m.errors > 0),
      metric("p50", fmtMs(m.p50Ms)),
      metric("p99", fmtMs(m.p99Ms)),
      metric("Memory", p.loaded ? fmtBytes(p.memoryBytes) : "\u2013"),
    ),
    p.permissions.length
      ? h(
          "div",
          {},
          h("div", { class: "section-label" }, "Permissions"),
          h(
            "div",
            { class: "chips" },
            caps.map((x) => h("span", { class: "chip cap", title: "host capability" }, x)),
            own.map((x) => h("span", { class: "chip own", title: "permission the plugin defines" }, x)),
          ),
        )
      : h("div", { class: "meta" }, "No permissions requested"),
    h("div", { class: "meta" }, contributes.join(" \u00b7 ")),
    p.menuItems.length ? h("div", { class: "meta pages" }, "Pages: ", p.menuItems.map((item) => pageLink(p.name, item))) : null,
    p.error ? h("div", { class: "alert" + (p.loaded ? " warn" : ""), role: "alert" }, p.error) : null,
    m.lastError
      ? h(
          "div",
          { class: "last-error", title: m.lastError.message },
          h("span", {}, "Last error"),
          h("span", { class: "code" }, m.lastError.code),
          h("span", { class: "msg" }, shorten(m.lastError.message, 120)),
          h("span", {}, "\u00b7 " + m.lastError.handler + " \u00b7 " + fmtRelative(m.lastError.at)),
        )
      : null,
    h(
      "div",
      { class: "plugin-foot" },
      p.enabled
        ? h("button", { class: "btn small danger", "data-action": "disable", "data-plugin": p.name, onclick: action("disable") }, "Disable")
        : h("button", { class: "btn small success", "data-action": "enable", "data-plugin": p.name, onclick: action("enable") }, "Enable"),
      h("button", { class: "btn small", "data-action": "reload", "data-plugin": p.name, disabled: !p.enabled || (p.status === "error" && !p.loaded), onclick: action("reload") }, "Reload"),
      p.loaded ? h("button", { class: "btn small ghost", "data-action": "unload", "data-plugin": p.name, onclick: action("unload") }, "Unload") : null,
      h("span", { class: "spacer" }),
      h("a", { class: "btn small ghost", href: "#logs", onclick: () => void (state.logPlugin = p.name) }, "Logs \u2192"),
    ),
  );
}

function metric(k: string, v: number | string, bad?: boolean): HTMLElement {
  return h("div", { class: "metric" }, h("div", { class: "k" }, k), h("div", { class: "v" + (bad ? " bad" : "") }, String(v)));
}

function pluginAction(button: HTMLButtonElement, name: string, action: PluginAction): void {
  button.disabled = true;
  api<PluginInfo>("POST", "/api/v1/plugins/" + encodeURIComponent(name) + "/" + action).then(
    (info) => {
      replacePlugin(info);
      toast(PAST[action] + " " + name);
      renderChrome();
      renderView();
    },
    (error: unknown) => {
      button.disabled = false;
      toast(errorMessage(error), "error");
      scheduleRefresh(false);
    },
  );
}
