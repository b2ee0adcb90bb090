/** GET /time-zones: the zones appointments may use, with their offset now. */
import type { Handler, Request } from "@goatkit/sdk/guest";
import { SUPPORTED_TIME_ZONES, findTimeZone, offsetAt } from "../time/time-zones.js";
import { requireStaff } from "./access.js";

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export const timeZoneRoutes = {
  list_time_zones(req: Request) {
    requireStaff(req);
    const now = Date.now();
    return {
      time_zones: SUPPORTED_TIME_ZONES.map((id) => {
        const zone = findTimeZone(id)!;
        return { id, utc_offset: offsetText(offsetAt(zone, now)), daylight_saving: zone.dst?.name ?? null };
      }),
    };
  },
} satisfies Record<string, Handler>;
