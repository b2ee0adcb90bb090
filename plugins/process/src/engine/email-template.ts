/**
 * Email templates: `{{ticket.tn}}`, `{{ticket.title}}`, `{{process.name}}`, ... replaced by the
 * instance's values; `checkGraph` refuses a placeholder that is not in TEMPLATE_FIELDS, so a
 * typo is found when publishing, not when the email goes out. Plain text: nothing is escaped.
 */
import type { TicketSnapshot } from "../store/core-tables.js";

export const TEMPLATE_FIELDS = [
  "ticket.id",
  "ticket.tn",
  "ticket.title",
  "ticket.queue",
  "ticket.state",
  "ticket.state_type",
  "ticket.priority",
  "ticket.owner",
  "ticket.owner_email",
  "ticket.customer",
  "ticket.customer_email",
  "process.name",
  "instance.id",
] as const;

const PLACEHOLDER = /\{\{\s*([a-z_.]+)\s*\}\}/g;

/** The placeholders of a template that are not known fields. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(TEMPLATE_FIELDS as readonly string[]).includes(name));
}

export interface TemplateValues {
  ticket: TicketSnapshot;
  processName: string;
  instanceId: number;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === "process.name") return values.processName;
    if (name === "instance.id") return String(values.instanceId);
    if (name.startsWith("ticket.")) {
      const value = values.ticket[name.slice(7) as keyof TicketSnapshot];
      return value === null || value === undefined ? "-" : String(value);
    }
    return whole;
  });
}
