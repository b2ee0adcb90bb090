import type { PluginCommand } from "../platform/plugin-manager.js";

/** What the cluster coordinator reports: takeovers, lost leases, commands sent and applied. */
export type ClusterEvent =
  /** This host claimed a due time whose host stopped renewing its lease, to run it again. */
  | { type: "takeover"; plugin: string; job: string; scheduledAt: string; attempt: number; from: string }
  /**
   * This host's lease on a running job expired (`expired`) or another host took the due time
   * over (`taken`): the run goes on, and the due time may run twice.
   */
  | { type: "lease-lost"; plugin: string; job: string; scheduledAt: string; attempt: number; reason: "expired" | "taken" }
  /** An administrator's command on this host, told to the others. */
  | { type: "command-sent"; command: PluginCommand["command"]; plugin: string; seq: number }
  /** Another host's command (or, at start-up, the stored state) applied here. */
  | { type: "command-applied"; command: PluginCommand["command"]; plugin: string; seq: number; from: string; latencyMs: number }
  /** Redis failed, or a command could not be applied here; `message` says what to do. */
  | { type: "error"; message: string };

export type ClusterEventListener = (event: ClusterEvent & { host: string; time: string }) => void;
