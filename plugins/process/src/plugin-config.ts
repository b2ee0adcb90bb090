/** The plugin's settings (manifest `config`), with the manifest's defaults. */
import type { Request } from "@goatkit/sdk/guest";

export function maxStepsPerEvent(req: Request): number {
  const value = req.config.max_steps_per_event;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 1000 ? value : 50;
}
