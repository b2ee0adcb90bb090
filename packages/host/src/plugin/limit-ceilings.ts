import { PluginCallError } from "../runtime/plugin-call-error.js";

/** A plugin's resource limits (docs/manifest.md "Limits"), all set. */
export interface PluginLimits {
  memory_mb: number;
  timeout_ms: number;
  max_request_bytes: number;
  max_result_bytes: number;
}

/**
 * The most a manifest may ask for in `limits` on a host that sets no ceilings of its own. The
 * manifest schema allows far more (4 GiB, 10 minutes, any size) so that a host that means it can
 * raise these; a plugin is untrusted and may not raise them itself. First-party plugins stay well
 * below (the largest asks for timeout_ms 10000).
 */
export const DEFAULT_LIMIT_CEILINGS: Readonly<PluginLimits> = {
  memory_mb: 512,
  timeout_ms: 60_000,
  max_request_bytes: 64 * 1024 * 1024,
  max_result_bytes: 64 * 1024 * 1024,
};

const UNITS: Record<keyof PluginLimits, string> = { memory_mb: " MiB", timeout_ms: " ms", max_request_bytes: " bytes", max_result_bytes: " bytes" };

/**
 * Refuses limits above the host's ceilings, naming the limit, the value asked, the ceiling and
 * both fixes (the manifest, or the host config key).
 */
export function checkLimitCeilings(plugin: string, limits: Partial<PluginLimits> | undefined, ceilings: Readonly<PluginLimits>): void {
  for (const key of Object.keys(UNITS) as Array<keyof PluginLimits>) {
    const asked = limits?.[key];
    const ceiling = ceilings[key];
    if (asked === undefined || asked <= ceiling) continue;
    throw new PluginCallError(
      "E_LOAD",
      `plugin "${plugin}" asks for limits.${key} ${asked}${UNITS[key]}, above this host's ceiling of ${ceiling}${UNITS[key]}; lower limits.${key} in the plugin's manifest, or raise the ceiling with plugin_limits.${key} in the host config (gk start --config) or createHost({ limitCeilings: { ${key}: ${asked} } })`,
    );
  }
}

/** Ceilings with the host's settings over the defaults; a setting below 1 is a mistake. */
export function limitCeilingsOf(settings: Partial<PluginLimits> | undefined): Readonly<PluginLimits> {
  const ceilings = { ...DEFAULT_LIMIT_CEILINGS, ...settings };
  for (const [key, value] of Object.entries(ceilings)) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`limitCeilings.${key} must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
  }
  return ceilings;
}
