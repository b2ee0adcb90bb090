/**
 * A decision's condition on the ticket's fields, e.g. `{"field": "state_type", "op": "ne",
 * "value": "closed"}`. Names are compared case-insensitively; `gt`/`lt` compare numbers.
 */
import type { TicketSnapshot } from "../store/core-tables.js";

export const CONDITION_FIELDS = ["tn", "title", "queue", "state", "state_type", "priority", "priority_id", "owner", "customer"] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

export const CONDITION_OPS = ["eq", "ne", "in", "contains", "gt", "lt"] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface Condition {
  field: ConditionField;
  op: ConditionOp;
  value: string | number | (string | number)[];
}

const norm = (v: unknown) => String(v ?? "").trim().toLowerCase();

export function conditionHolds(condition: Condition, ticket: TicketSnapshot): boolean {
  const actual = ticket[condition.field];
  const expected = condition.value;
  switch (condition.op) {
    case "eq":
      return norm(actual) === norm(expected);
    case "ne":
      return norm(actual) !== norm(expected);
    case "in":
      return (expected as (string | number)[]).some((v) => norm(v) === norm(actual));
    case "contains":
      return norm(actual).includes(norm(expected));
    case "gt":
    case "lt": {
      const a = Number(actual);
      const b = Number(expected);
      if (actual === null || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return condition.op === "gt" ? a > b : a < b;
    }
  }
}

/** How a condition reads in the history and the designer: `state_type ne closed`. */
export function describeCondition(condition: Condition): string {
  return `${condition.field} ${condition.op} ${Array.isArray(condition.value) ? condition.value.join("|") : condition.value}`;
}
