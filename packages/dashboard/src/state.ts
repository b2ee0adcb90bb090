import type { JobRun, JobView, LogEntry, PluginInfo, PluginStatus, TokenUser } from "@goatkit/host";

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type LevelName = (typeof LEVELS)[number];
export const LOCATIONS = ["agent_home", "admin_home", "customer_home", "ticket_sidebar", "ticket_detail"] as const;
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

export const VIEWS = {
  plugins: ["Plugins", "Installed plugins: their state, permissions and call metrics."],
  widgets: ["Widgets", "Plugin widgets as they render in each location, for the signed-in user."],
  routes: ["Routes", "Every plugin route at its mount path. Pick one to try it."],
  jobs: ["Jobs", "Scheduled jobs from manifests and schedule_job, with their run history."],
  logs: ["Logs", "Plugin and host log lines, live."],
  tickets: ["Help desk", "The demo help desk: create and change tickets; each save fires after_save at the plugins."],
} as const;
export type ViewName = keyof typeof VIEWS;

export const STATUS_LABEL: Record<PluginStatus, string> = { discovered: "Not loaded", loading: "Loading", loaded: "Loaded", disabled: "Disabled", error: "Error" };
export const STATUS_HINT: Record<PluginStatus, string> = {
  discovered: "Registered from its manifest (routes, widgets, menus known); the module loads on first use",
  loading: "Loading the module",
  loaded: "Loaded and serving calls",
  disabled: "Disabled by an administrator: calls are refused",
  error: "Broken: see the message below",
};

/** The route picked in the Routes view, for the try-it panel. */
export interface SelectedRoute {
  plugin: string;
  method: string;
  path: string;
  description: string | undefined;
  middleware: string[];
  handler: string;
}

export interface DashboardState {
  csrf: string | null;
  user: TokenUser | null;
  plugins: PluginInfo[];
  jobs: JobView[];
  view: ViewName;
  location: (typeof LOCATIONS)[number];
  selected: SelectedRoute | null;
  /** History rows shown, by `plugin/job`. */
  openJobs: Record<string, boolean>;
  runs: Record<string, JobRun[]>;
  logs: LogEntry[];
  logPlugin: string;
  logLevel: LevelName;
  logText: string;
  paused: boolean;
  streams: { events: boolean; logs: boolean };
  widgetTimers: number[];
  widgetsStale: boolean;
  booted: boolean;
}

export const state: DashboardState = {
  csrf: null,
  user: null,
  plugins: [],
  jobs: [],
  view: "plugins",
  location: "agent_home",
  selected: null,
  openJobs: {},
  runs: {},
  logs: [],
  logPlugin: "",
  logLevel: "debug",
  logText: "",
  paused: false,
  streams: { events: false, logs: false },
  widgetTimers: [],
  widgetsStale: false,
  booted: false,
};

export function jobKey(plugin: string, job: string): string {
  return plugin + "/" + job;
}
