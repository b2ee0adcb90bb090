import type { Host } from "../host.js";
import type { PluginBus } from "../host-functions/plugin-bus.js";
import type { LogStore } from "../services/log-store.js";
import type { DatabaseService } from "../services/types.js";
import type { PlatformStore } from "../state/platform-store.js";
import type { PlatformState } from "../state/platform-state.js";
import type { JobRegistry } from "../jobs/job-registry.js";
import type { PluginManager } from "./plugin-manager.js";

/** Writes plugin log lines, where the admin UI shows them. */
export type LogWriter = Pick<LogStore, "write">;
/** Reads and follows plugin log lines: the admin API's log views and stream. */
export type LogReader = Pick<LogStore, "list" | "subscribe">;
/** The durable admin audit trail. */
export type AuditTrail = Pick<PlatformStore, "audit">;
/** The events plugins publish (`publish_event`). */
export type PluginEventFeed = Pick<PluginBus, "onEvent">;

/**
 * What the HTTP layer needs of the host besides the platform, and nothing more: it reaches the
 * logs, the audit trail, the plugins' events, the clock and the demo desk's database through
 * these, never through the manager's host. `platformPorts` builds them from a host.
 */
export interface PlatformPorts {
  logs: LogWriter & LogReader;
  /** Null on a host without platform state (`platformState: false`). */
  audit: AuditTrail | null;
  pluginEvents: PluginEventFeed | null;
  /** The host clock, so tests can move it (capability expiry). */
  now: () => number;
  db: DatabaseService;
}

export function platformPorts(host: Host): PlatformPorts {
  const { services, state } = host;
  return { logs: services.logs, audit: state?.store ?? null, pluginEvents: services.plugins ?? null, now: services.now, db: services.db };
}

/** What the template engine uses of the platform: its plugins, their calls and the log. */
export type TemplatePlatform = Pick<PluginManager, "on" | "has" | "list" | "load" | "call" | "manifest" | "filesFolder" | "logs">;

/**
 * What the job scheduler uses: the plugins (serving, calls, manifests, the log), the registry of
 * jobs, the durable platform state (null without one) and the host clock. `jobPlatform` builds it
 * from a manager.
 */
export interface JobPlatform extends Pick<PluginManager, "isServing" | "call" | "manifest" | "logs"> {
  jobs: Pick<JobRegistry, "list">;
  state: PlatformState | null;
  now: () => number;
}

export function jobPlatform(manager: PluginManager): JobPlatform {
  const { host } = manager;
  return {
    isServing: (name) => manager.isServing(name),
    call: (name, handler, input) => manager.call(name, handler, input),
    manifest: (name) => manager.manifest(name),
    get logs() {
      return manager.logs;
    },
    jobs: host.jobs,
    state: host.state,
    now: () => host.services.now(),
  };
}
