import { manifestHandlers } from "@goatkit/sdk";
import type { ProcessSource, RunnerOptions } from "../plugin-runner.js";
import { GrpcRunner } from "./grpc-runner.js";
import { grpcProcessSettings, pluginUser } from "./process-user.js";

/** Starts a gRPC plugin's process with the manifest's `grpc` settings and the host's process settings. */
export async function startGrpcRunner(source: ProcessSource, options: RunnerOptions): Promise<GrpcRunner> {
  const { manifest, logs } = source;
  const grpc = manifest.grpc!;
  const processes = source.processes ?? grpcProcessSettings();
  // Chosen by default, not by the operator: say what it costs.
  if (processes.runAs === "host-user" && processes.defaulted) {
    logs.write(
      manifest.name,
      "warn",
      `this plugin's process runs as the host's user because the host cannot switch users: it can read the memory and environment of the host and of the other plugin processes, and reach their sockets; run the host as root (or with CAP_SETUID, CAP_SETGID and CAP_CHOWN) to give each plugin a user of its own, or set grpc run_as to "host-user" (GOATKIT_GRPC_RUN_AS=host-user) to accept this (docs/grpc.md, Security)`,
    );
  }
  return GrpcRunner.create({
    executable: source.executable,
    cwd: source.cwd,
    calls: options.calls,
    logs,
    manifestHandlers: [...new Set(manifestHandlers(manifest).map((ref) => ref.handler))],
    healthCheck: grpc.health_check === true,
    healthIntervalMs: grpc.health_interval_ms ?? 10_000,
    startTimeoutMs: grpc.start_timeout_ms ?? 10_000,
    stopGraceMs: grpc.stop_grace_ms ?? 3_000,
    timeoutMs: options.timeoutMs,
    maxResultBytes: options.maxResultBytes,
    maxLogBytes: source.maxLogBytes,
    ...(processes.runAs === "separate-users" ? { user: pluginUser(manifest.name, processes) } : {}),
  });
}
