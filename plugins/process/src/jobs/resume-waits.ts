/** The `resume-waits` job (every minute): instances whose timed wait ran out move on. */
import { host, type Handler, type Request } from "@goatkit/sdk/guest";
import { resumeDueWaits } from "../engine/dispatch.js";
import { maxStepsPerEvent } from "../plugin-config.js";

export const resumeWaitsJob = {
  /** Job handler; also callable directly (`gk plugin call . resume_waits`). */
  resume_waits(req: Request) {
    const summary = resumeDueWaits(maxStepsPerEvent(req));
    if (summary.due > 0) host.info("waits resumed", { due: summary.due, resumed: summary.resumed.length, already_resumed: summary.already_resumed });
    return summary;
  },
} satisfies Record<string, Handler>;
