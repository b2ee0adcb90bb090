import { updateCounts } from "../chrome.js";
import { byId, clear, h } from "../dom.js";
import { fmtClock, plural } from "../format.js";
import { LEVELS, state, type LevelName } from "../state.js";

let logRender: number | null = null;
/** Lines arrive in bursts: one rendering per frame. */
export function scheduleLogRender(): void {
  if (logRender !== null) return;
  logRender = requestAnimationFrame(() => {
    logRender = null;
    renderLogList();
  });
}

export function renderLogs(root: HTMLElement): void {
  const names = new Set<string>();
  for (const p of state.plugins) names.add(p.name);
  for (const l of state.logs) names.add(l.plugin);
  const valueOf = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  const plugin = h(
    "select",
    {
      id: "log-plugin",
      onchange: (e) => {
        state.logPlugin = valueOf(e);
        renderLogList();
      },
    },
    h("option", { value: "" }, "All plugins"),
    [...names].sort().map((n) => h("option", { value: n, selected: n === state.logPlugin }, n)),
  );
  const level = h(
    "select",
    {
      id: "log-level",
      onchange: (e) => {
        state.logLevel = valueOf(e) as LevelName;
        renderLogList();
      },
    },
    LEVELS.map((l) => h("option", { value: l, selected: l === state.logLevel }, l === "debug" ? "All levels" : l + " and above")),
  );
  const search = h("input", {
    id: "log-search",
    type: "search",
    placeholder: "Search messages",
    value: state.logText,
    oninput: (e) => {
      state.logText = valueOf(e);
      renderLogList();
    },
  });
  const pause = h(
    "button",
    {
      class: "btn small",
      id: "log-pause",
      onclick: () => {
        state.paused = !state.paused;
        pause.textContent = state.paused ? "Resume" : "Pause";
        if (!state.paused) renderLogList();
      },
    },
    state.paused ? "Resume" : "Pause",
  );
  const clearButton = h(
    "button",
    {
      class: "btn small ghost",
      onclick: () => {
        state.logs = [];
        renderLogList();
        updateCounts();
      },
    },
    "Clear",
  );
  root.appendChild(
    h(
      "div",
      { class: "card" },
      h("div", { class: "log-toolbar" }, plugin, level, search, h("span", { class: "spacer" }), h("span", { class: "sub", id: "log-count" }), pause, clearButton),
      h("div", { class: "log-list", id: "log-list", role: "log", "aria-live": "polite" }),
    ),
  );
  renderLogList();
}

function renderLogList(): void {
  const list = byId("log-list");
  if (!list) return;
  const floor = LEVELS.indexOf(state.logLevel);
  const text = state.logText.toLowerCase();
  const shown = state.logs.filter(
    (l) => (!state.logPlugin || l.plugin === state.logPlugin) && LEVELS.indexOf(l.level) >= floor && (!text || (l.message + " " + l.plugin).toLowerCase().indexOf(text) >= 0),
  );
  clear(list);
  const count = byId("log-count");
  if (count) count.textContent = plural(shown.length, "line");
  if (!shown.length) {
    list.appendChild(h("div", { class: "empty-state" }, "No log lines match. New lines appear here as plugins write them."));
    return;
  }
  for (const l of shown.slice(-500).reverse()) {
    const fields = l.fields && Object.keys(l.fields).length ? JSON.stringify(l.fields) : "";
    list.appendChild(
      h(
        "div",
        { class: "log " + l.level },
        h("span", { class: "t", title: l.time }, fmtClock(l.time)),
        h("span", { class: "lvl " + l.level }, l.level),
        h("span", { class: "p", title: l.plugin }, l.plugin),
        h("span", { class: "m" }, l.message, fields ? h("span", { class: "f" }, fields) : null),
      ),
    );
  }
}
