import type { JobView, PluginInfo, PluginListAnswer, TokenUser } from "@goatkit/host";
import { api } from "./api.js";
import { $, clear } from "./dom.js";
import { plural } from "./format.js";
import { state, VIEWS, type ViewName } from "./state.js";
import { renderJobs, renderJobsTable } from "./views/jobs.js";
import { renderLogs } from "./views/logs.js";
import { renderPlugins } from "./views/plugins.js";
import { renderRouteList, renderRoutes } from "./views/routes.js";
import { renderTickets } from "./views/desk.js";
import { renderWidgets } from "./views/widgets.js";

// ---------- data ----------

export async function refreshAll(): Promise<void> {
  const [user, list, jobs] = await Promise.all([api<TokenUser>("GET", "/api/me"), api<PluginListAnswer>("GET", "/api/v1/plugins"), api<JobView[]>("GET", "/api/v1/jobs")]);
  state.user = user;
  // Administrators get every field; anyone else is refused /api/v1/jobs above and never gets here.
  state.plugins = list.plugins as PluginInfo[];
  state.jobs = jobs;
  renderChrome();
}

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
/** Many events in a burst become one refresh. */
export function scheduleRefresh(alsoWidgets: boolean): void {
  if (alsoWidgets) state.widgetsStale = true;
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refreshAll()
      .then(() => {
        if (state.view === "plugins") renderView();
        else if (state.view === "jobs") renderJobsTable();
        else if (state.view === "routes") renderRouteList();
        else if (state.view === "widgets" && state.widgetsStale) renderView();
        state.widgetsStale = false;
      })
      .catch(() => {
        // the streams show the connection state
      });
  }, 150);
}

export function replacePlugin(info: PluginInfo): void {
  state.plugins = state.plugins.map((p) => (p.name === info.name ? info : p));
}

// ---------- chrome ----------

export function renderChrome(): void {
  updateCounts();
  $("#who-name").textContent = state.user ? state.user.login + " \u00b7 " + state.user.role : "";
}

export function updateCounts(): void {
  let routes = 0;
  let widgets = 0;
  let broken = 0;
  for (const p of state.plugins) {
    routes += p.routes.length;
    if (p.enabled) widgets += p.widgets.length;
    if (p.status === "error") broken++;
  }
  setCount("plugins", state.plugins.length, broken > 0);
  setCount("widgets", widgets);
  setCount("routes", routes);
  setCount("jobs", state.jobs.length, state.jobs.some((j) => j.lastRun?.status === "failed"));
  const errors = state.logs.filter((l) => l.level === "error").length;
  setCount("logs", errors ? errors : "", errors > 0, plural(errors, "error line"));
}

function setCount(view: ViewName, n: number | "", alert?: boolean, title?: string): void {
  const el = document.querySelector<HTMLElement>('[data-count="' + view + '"]');
  if (!el) return;
  if (title) el.title = title;
  el.textContent = n === "" ? "" : String(n);
  el.hidden = n === "";
  el.classList.toggle("alert", !!alert);
}

/** A view this page has: the help desk only where the host serves it (the body's data-demo-desk). */
function isView(name: string): name is ViewName {
  return Object.prototype.hasOwnProperty.call(VIEWS, name) && (name !== "tickets" || document.body.dataset.demoDesk !== undefined);
}

export function route(): void {
  const asked = (location.hash || "#plugins").slice(1).split("?")[0] ?? "";
  const view: ViewName = isView(asked) ? asked : "plugins";
  state.view = view;
  document.querySelectorAll(".nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("data-view") === view));
  $("#view-title").textContent = VIEWS[view][0];
  $("#view-subtitle").textContent = VIEWS[view][1];
  renderView();
}

export function renderView(): void {
  state.widgetTimers.forEach(clearInterval);
  state.widgetTimers = [];
  const root = clear($("#view"));
  const actions = clear($("#view-actions"));
  if (state.view === "plugins") renderPlugins(root, actions);
  else if (state.view === "widgets") renderWidgets(root, actions);
  else if (state.view === "routes") renderRoutes(root);
  else if (state.view === "jobs") renderJobs(root);
  else if (state.view === "tickets") renderTickets(root);
  else renderLogs(root);
}
