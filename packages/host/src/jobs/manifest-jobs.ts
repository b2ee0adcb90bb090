import type { Manifest } from "@goatkit/sdk";
import type { JobRegistry } from "./job-registry.js";

/**
 * Keeps the job registry in step with a plugin's manifest: its jobs are known at discovery
 * (so they run, loading the plugin lazily), and jobs removed from it stop. Jobs the plugin
 * scheduled itself with `schedule_job` stay.
 */
export function syncManifestJobs(jobs: JobRegistry, plugin: string, manifest: Manifest): void {
  const own = jobs.list(plugin).filter((job) => job.source === "schedule_job");
  jobs.removePlugin(plugin);
  for (const job of manifest.jobs ?? []) jobs.schedule({ id: job.id, plugin, schedule: job.schedule, handler: job.handler, payload: null, source: "manifest" });
  for (const job of own) jobs.schedule(job);
}
