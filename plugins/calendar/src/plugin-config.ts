/**
 * The plugin's settings (manifest `config`), read from the request with the manifest's
 * defaults; a value an administrator set wrongly falls back to the default and is logged.
 */
import { host, type Request } from "@goatkit/sdk/guest";
import { parseTimeOfDay } from "./time/local-time.js";
import { UTC, findTimeZone, type TimeZone } from "./time/time-zones.js";

export interface PluginConfig {
  /** For the widget when the user has no calendar of their own, and for new calendars. */
  defaultZone: TimeZone;
  /** Applied to new appointments that do not say; null: no reminder. */
  defaultReminderMinutes: number | null;
  /** How far ahead a series without end is checked for conflicts. */
  conflictHorizonDays: number;
  /** Default working hours for free slots, minutes after midnight. */
  workdayStart: number;
  workdayEnd: number;
}

export function pluginConfig(req: Request): PluginConfig {
  const config = req.config;
  const zoneName = typeof config.default_timezone === "string" ? config.default_timezone : "UTC";
  const zone = findTimeZone(zoneName);
  if (zone === null) host.warn(`config default_timezone "${zoneName}" is not a supported time zone; using UTC`, { setting: "default_timezone" });
  const reminder = integerSetting(config.default_reminder_minutes, 0, 10080);
  const start = typeof config.workday_start === "string" ? parseTimeOfDay(config.workday_start) : null;
  const end = typeof config.workday_end === "string" ? parseTimeOfDay(config.workday_end) : null;
  return {
    defaultZone: zone ?? UTC,
    defaultReminderMinutes: reminder === undefined ? 15 : reminder,
    conflictHorizonDays: integerSetting(config.conflict_horizon_days, 1, 3660) ?? 365,
    workdayStart: start !== null && end !== null && start < end ? start : 9 * 60,
    workdayEnd: start !== null && end !== null && start < end ? end : 17 * 60,
  };
}

/** An integer setting within bounds; null for a negative "off" value; undefined when unset or invalid. */
function integerSetting(value: unknown, min: number, max: number): number | null | undefined {
  if (typeof value !== "number" || !Number.isInteger(value)) return undefined;
  if (value < 0) return null;
  return value >= min && value <= max ? value : undefined;
}
