/**
 * The reports through the cache, keyed by report and parameters, and the summary that the admin
 * route, the admin widget and the daily email share.
 */
import { JSON } from "@goatkit/sdk/assembly";
import { cachedReport } from "./cache";
import { ReportQuery } from "./params";
import { Report } from "./report";
import { agentPerformance, openByQueue, resolutionTimes, slaCompliance, stateCounts, ticketVolume } from "./reports";

export function cachedStateCounts(query: ReportQuery): Report {
  return cachedReport("counts", stateCounts, query);
}

export function cachedOpenByQueue(query: ReportQuery): Report {
  return cachedReport("open", openByQueue, query);
}

export function cachedVolume(query: ReportQuery): Report {
  return cachedReport("volume:" + query.range.key(), ticketVolume, query);
}

export function cachedResolution(query: ReportQuery): Report {
  return cachedReport("resolution:" + query.range.key(), resolutionTimes, query);
}

export function cachedSla(query: ReportQuery): Report {
  return cachedReport("sla:" + query.range.key(), slaCompliance, query);
}

export function cachedAgents(query: ReportQuery): Report {
  const page = query.page.toString() + "x" + query.limit.toString();
  return cachedReport("agents:" + query.range.key() + ":" + page, agentPerformance, query);
}

/** Volume, resolution, SLA and open tickets for one range. */
export class Summary {
  readonly volume: Report;
  readonly resolution: Report;
  readonly sla: Report;
  readonly open: Report;

  constructor(readonly query: ReportQuery) {
    this.volume = cachedVolume(query);
    this.resolution = cachedResolution(query);
    this.sla = cachedSla(query);
    this.open = cachedOpenByQueue(query);
  }

  /** The first report that failed, or `null`. */
  get failure(): Report | null {
    if (!this.volume.ok) return this.volume;
    if (!this.resolution.ok) return this.resolution;
    if (!this.sla.ok) return this.sla;
    if (!this.open.ok) return this.open;
    return null;
  }

  get created(): i64 {
    return this.volume.obj.getInt("total");
  }

  get closed(): i64 {
    return overallOf(this.resolution).getInt("tickets");
  }

  get averageResolution(): JSON.Value {
    return valueOrNull(overallOf(this.resolution).get("avg_minutes"));
  }

  get openTickets(): i64 {
    return this.open.obj.getInt("total");
  }

  get firstResponseRate(): JSON.Value {
    return rateOf(this.sla, "first_response");
  }

  get solutionRate(): JSON.Value {
    return rateOf(this.sla, "solution");
  }

  /** `{from, to, created, closed, avg_resolution_minutes, open, sla: {first_response_rate, solution_rate}}` */
  toJSON(): JSON.Obj {
    const range = this.query.range;
    const sla = new JSON.Obj().set("first_response_rate", this.firstResponseRate).set("solution_rate", this.solutionRate);
    return new JSON.Obj()
      .set("from", range.from)
      .set("to", range.to)
      .set("created", this.created)
      .set("closed", this.closed)
      .set("avg_resolution_minutes", this.averageResolution)
      .set("open", this.openTickets)
      .set("sla", sla);
  }
}

function overallOf(report: Report): JSON.Obj {
  const overall = report.obj.getObj("overall");
  return overall == null ? new JSON.Obj() : overall;
}

function rateOf(sla: Report, target: string): JSON.Value {
  const verdicts = overallOf(sla).getObj(target);
  return verdicts == null ? new JSON.Null() : valueOrNull(verdicts.get("rate"));
}

function valueOrNull(value: JSON.Value | null): JSON.Value {
  return value == null ? new JSON.Null() : value;
}
