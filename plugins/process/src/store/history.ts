/** `process_history`: every transition of an instance, numbered by its `seq` (unique per instance). */
import { host } from "@goatkit/sdk/guest";

export type HistoryAction = "started" | "entered" | "left" | "waiting" | "resumed" | "emailed" | "assigned" | "updated" | "decided" | "completed" | "failed" | "retried";

export interface HistoryRow {
  id: number;
  instance_id: number;
  seq: number;
  step: string;
  action: HistoryAction;
  detail: string | null;
  actor: string;
  via: string;
  at: string;
}

/** Who caused a transition: a user's login, or the job; and through which door. */
export interface Actor {
  actor: string;
  via: "hook" | "job" | "route";
}

export function recordHistory(instanceId: number, seq: number, step: string, action: HistoryAction, detail: string | null, who: Actor, now: string): void {
  host.dbExec("INSERT INTO process_history (instance_id, seq, step, action, detail, actor, via, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [instanceId, seq, step, action, detail, who.actor, who.via, now]);
}

export function listHistory(instanceId: number): HistoryRow[] {
  return host.dbQuery<HistoryRow>("SELECT id, instance_id, seq, step, action, detail, actor, via, at FROM process_history WHERE instance_id = ? ORDER BY seq", [instanceId]);
}
