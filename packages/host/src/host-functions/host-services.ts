import type { HostFunctionName } from "@goatkit/sdk";
import type { GrpcProcessSettings } from "../runtime/grpc/process-user.js";
import type { JobRegistry } from "../jobs/job-registry.js";
import type { LogStore } from "../services/log-store.js";
import type { CacheService, DatabaseService, HttpService, MailService } from "../services/types.js";
import type { ErrorEnvelope } from "./host-call-error.js";
import type { PluginBus } from "./plugin-bus.js";

/** Our host functions' names, and GoatFlow's that have no typed import of ours (docs/goatflow.md). */
export type HostCallName = HostFunctionName | "plugin_call" | "publish_event";

/** The services every host function draws on. */
export interface HostServices {
  db: DatabaseService;
  cache: CacheService;
  mail: MailService;
  http: HttpService;
  logs: LogStore;
  jobs: JobRegistry;
  now: () => number;
  /** Sender address for plugin email. */
  mailFrom: string;
  /** Per-call budgets and sizes of host functions. */
  callLimits: HostCallLimits;
  /** Sees every host call and its outcome (the testing API records them). */
  onHostCall?: (record: HostCallRecord) => void;
  /** plugin_call and publish_event (GoatFlow's host functions); without it both are refused. */
  plugins?: PluginBus;
  /** Whose rights gRPC plugin processes run with (HostOptions.grpc, checked); default: grpcProcessSettings(). */
  grpc?: GrpcProcessSettings;
}

/** One host call as an observer sees it. */
export interface HostCallRecord {
  plugin: string;
  fn: HostCallName;
  args: Record<string, unknown>;
  result?: unknown;
  error?: ErrorEnvelope;
}

export interface HostCallLimits {
  maxRows: number;
  maxCacheKeyBytes: number;
  maxCacheValueBytes: number;
  maxLogBytes: number;
  maxEmailBytes: number;
  /** Host calls one handler call may make (a runaway loop costs the host, not only the guest). */
  maxHostCallsPerCall: number;
  /** Log lines one handler call may write; the rest are counted and dropped. */
  maxLogsPerCall: number;
}

export const DEFAULT_HOST_CALL_LIMITS: HostCallLimits = {
  maxRows: 10_000,
  maxCacheKeyBytes: 512,
  maxCacheValueBytes: 1024 * 1024,
  maxLogBytes: 16 * 1024,
  maxEmailBytes: 10 * 1024 * 1024,
  maxHostCallsPerCall: 10_000,
  maxLogsPerCall: 1_000,
};
