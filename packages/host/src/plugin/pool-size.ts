import { availableParallelism } from "node:os";
import { ConfigError } from "../errors.js";

/** Instances per plugin: a number, or `auto` (from the machine and the plugin's memory limit). */
export type PoolSizeSetting = number | "auto";

/** The most instances a plugin gets unless the host sets another ceiling (maxPoolSize). */
export const DEFAULT_MAX_POOL_SIZE = 4;

/** Instances `auto` gives a plugin per core of the machine, before the memory limit and ceiling. */
export const INSTANCES_PER_CORE = 2;

/**
 * The memory `auto` lets one plugin's instances reserve together: a plugin with the default
 * 256 MiB limit gets up to 4 instances, one asking for 1 GiB keeps one.
 */
export const AUTO_POOL_MEMORY_MB = 1024;

export interface PoolSizeInput {
  name: string;
  setting: PoolSizeSetting;
  maxPoolSize: number;
  /** The manifest's `concurrency`: `serial` plugins keep one instance whatever the setting. */
  concurrency?: "parallel" | "serial";
  memoryMb: number;
}

/**
 * How many instances of a plugin may run calls at once. Each instance is a worker of its own
 * with its own linear memory, so calls never share instance state, and the memory estimate
 * counts every one of them.
 */
export function poolSizeFor({ name, setting, maxPoolSize, concurrency, memoryMb }: PoolSizeInput): number {
  if (concurrency === "serial") return 1;
  if (setting === "auto") {
    const byMemory = Math.floor(AUTO_POOL_MEMORY_MB / Math.max(1, memoryMb));
    // Two per core: an instance spends most of a short call waiting for the host thread (the
    // request handed over, host calls answered), so one per core leaves the cores idle
    // (docs/benchmarks.md, "Throughput": 4 instances on 2 cores answered 1.5x the requests of 2).
    return Math.max(1, Math.min(INSTANCES_PER_CORE * availableParallelism(), byMemory, maxPoolSize));
  }
  if (setting > maxPoolSize) {
    throw new ConfigError(`plugin "${name}": pool size ${setting} is above the host's ceiling of ${maxPoolSize} instances per plugin`, {
      fix: `lower the pool size (plugins.pool_size, GOATKIT_PLUGIN_POOL_SIZE, --pool-size) or raise the ceiling (plugins.max_pool_size, GOATKIT_PLUGIN_MAX_POOL_SIZE)`,
    });
  }
  return setting;
}

/** Checks a pool size setting given to the host (HostOptions, the host config). */
export function checkPoolSizeSetting(setting: unknown, maxPoolSize: unknown): { poolSize: PoolSizeSetting; maxPoolSize: number } {
  if (!Number.isInteger(maxPoolSize) || (maxPoolSize as number) < 1) {
    throw new ConfigError(`maxPoolSize must be a whole number of instances, 1 or more, got ${String(maxPoolSize)}`, { fix: `leave it out for the default (${DEFAULT_MAX_POOL_SIZE})` });
  }
  if (setting !== "auto" && (!Number.isInteger(setting) || (setting as number) < 1)) {
    throw new ConfigError(`poolSize must be "auto" or a whole number of instances, 1 or more, got ${JSON.stringify(setting)}`, { fix: 'use "auto" (the default: sized from the machine and the memory limit) or a number such as 2' });
  }
  if (setting !== "auto" && (setting as number) > (maxPoolSize as number)) {
    throw new ConfigError(`the pool size of ${String(setting)} instances per plugin (poolSize, plugins.pool_size) is above the ceiling of ${String(maxPoolSize)} (maxPoolSize, plugins.max_pool_size)`, {
      fix: "lower the pool size or raise the ceiling",
    });
  }
  return { poolSize: setting as PoolSizeSetting, maxPoolSize: maxPoolSize as number };
}
