import type { SqlValue } from "../types.js";
import { REAL_TABLES } from "./demo-schema.js";

/**
 * Generates the demo help desk's rows: deterministic for a given seed and anchor day, so tests
 * can compute expected figures and two hosts build the same data. Tickets spread over the
 * `days` before the anchor (default: today, UTC), so "last 30 days" reports always have data.
 */
export interface DemoDataOptions {
  seed?: number;
  tickets?: number;
  days?: number;
  /** The last day of data, `YYYY-MM-DD` (UTC). Default: today. */
  anchorDay?: string;
}

export interface DemoTable {
  table: string;
  columns: string[];
  rows: SqlValue[][];
}

// GoatFlow's own ids and names for its lookup tables: [id, name, type id].
const STATE_TYPES = ["new", "open", "pending reminder", "pending auto", "closed", "removed", "merged"];
const STATES: [number, string, number][] = [
  [1, "new", 1],
  [2, "open", 2],
  [3, "pending reminder", 3],
  [4, "closed successful", 5],
  [5, "closed unsuccessful", 5],
];
const PRIORITY_COLORS = ["#03c4f0", "#83bfc8", "#cdcdcd", "#ffaaaa", "#ff505e"];
const SENDER_TYPES = ["agent", "system", "customer"];
const LOCK_TYPES = ["unlock", "lock", "tmp_lock"];
const TICKET_TYPES = ["Unclassified", "Incident", "Service Request", "Problem", "Change Request"];
const GROUPS = ["users", "admin", "stats"];
/** History types by name, as GoatFlow looks them up; the ids are the demo's. */
export const HISTORY_TYPES = ["NewTicket", "StateUpdate", "Move", "PriorityUpdate", "TitleUpdate", "AddNote", "OwnerUpdate", "SendAnswer"];
/** The admin user that holds unassigned tickets, as OTRS's user 1 does. */
const ADMIN_USER = 1;
const PRIORITIES = ["1 very low", "2 low", "3 normal", "4 high", "5 very high"];
// [name, first response target (min), solution target (min)]
const QUEUES: [string, number, number][] = [
  ["Raw", 60, 1440],
  ["Junk", 1440, 10080],
  ["Misc", 240, 2880],
  ["Support", 60, 480],
  ["Billing", 120, 1440],
  ["Sales", 120, 2880],
  ["IT Operations", 30, 240],
  ["Feedback", 1440, 10080],
];
const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Liam", "Mona", "Nils", "Olga", "Priya"];
const LAST = ["Abbott", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski", "Larsen", "Moreau", "Novak"];
const COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Soylent"];
const SUBJECTS = [
  "Cannot log in to the portal",
  "Invoice shows the wrong amount",
  "Password reset email never arrives",
  "Printer on floor 3 is offline",
  "Request for a new laptop",
  "VPN disconnects every hour",
  "Question about the premium plan",
  "Refund for duplicate charge",
  "Feature request: dark mode",
  "Export to CSV fails",
  "Two-factor authentication lost phone",
  "Slow response times in the dashboard",
];

/** Mulberry32: tiny, fast and good enough for demo data; the point is determinism. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the demo schema's time format. */
export function sqlTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

export function generateDemoData(options: DemoDataOptions = {}): DemoTable[] {
  const rnd = prng(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ticketCount = options.tickets ?? 3000;
  const days = options.days ?? 90;
  const anchor = options.anchorDay ?? new Date().toISOString().slice(0, 10);
  // Data ends at the end of the anchor day's business hours.
  const endMs = Date.parse(`${anchor}T18:00:00Z`);
  const startMs = endMs - days * 86_400_000;
  const createdAt = sqlTime(startMs - 30 * 86_400_000);
  const audit = (time = createdAt, by = ADMIN_USER) => ({ create_time: time, create_by: by, change_time: time, change_by: by });
  const lookup = (names: readonly string[], extra: Record<string, SqlValue> = {}) => names.map((name, i) => ({ id: i + 1, name, ...extra, ...audit() }));

  const users: Row[] = [];
  const preferences: Row[] = [];
  const memberships: Row[] = [];
  const emails: string[] = [];
  for (let i = 1; i <= 12; i++) {
    const first = FIRST[(i - 1) % FIRST.length]!;
    const last = LAST[(i * 5) % LAST.length]!;
    const login = `${first}.${last}`.toLowerCase();
    emails[i] = `${login}@goatflow.example`;
    users.push({ id: i, login, pw: "", first_name: first, last_name: last, valid_id: 1, ...audit() });
    preferences.push({ user_id: i, preferences_key: "UserEmail", preferences_value: emails[i]! });
    memberships.push({ user_id: i, group_id: 1, permission_key: "rw", ...audit() });
    if (i <= 2) memberships.push({ user_id: i, group_id: 2, permission_key: "rw", ...audit() });
  }
  const companyId = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, "-");
  const customers: Row[] = [];
  for (let i = 1; i <= 300; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = pick(COMPANIES);
    const login = `${first}.${last}${i}`.toLowerCase();
    const email = `${login}@${company.toLowerCase().replace(/[^a-z]/g, "")}.example`;
    customers.push({ id: i, login, email, customer_id: companyId(company), first_name: first, last_name: last, valid_id: 1, ...audit() });
  }

  const tickets: Row[] = [];
  const articles: Row[] = [];
  const mime: Row[] = [];
  const history: Row[] = [];
  const article = (ticketId: number, tn: string, sender: "agent" | "customer", by: number, from: string, to: string, subject: string, body: string, ms: number): number => {
    const id = articles.length + 1;
    const time = sqlTime(ms);
    articles.push({ id, ticket_id: ticketId, article_sender_type_id: sender === "agent" ? 1 : 3, communication_channel_id: 1, is_visible_for_customer: 1, search_index_needs_rebuild: 0, ...audit(time, by) });
    mime.push({ id, article_id: id, a_from: from, a_to: to, a_subject: subject, a_message_id: `<${tn}.${id}@goatflow.example>`, a_content_type: "text/plain; charset=utf-8", a_body: body, incoming_time: Math.floor(ms / 1000), ...audit(time, by) });
    return id;
  };
  for (let id = 1; id <= ticketCount; id++) {
    // Later days get slightly more tickets, and weekdays more than weekends.
    let created: number;
    do {
      created = startMs + Math.floor(Math.sqrt(rnd()) * (endMs - startMs));
    } while ([0, 6].includes(new Date(created).getUTCDay()) && rnd() < 0.6);
    const queueId = 1 + Math.floor(rnd() * QUEUES.length);
    const priorityId = [1, 2, 3, 3, 3, 3, 4, 4, 5][Math.floor(rnd() * 9)]!;
    const customer = customers[Math.floor(rnd() * customers.length)]!;
    const ageHours = (endMs - created) / 3_600_000;
    // Older tickets are more likely closed; recent ones new or open.
    const closeChance = Math.min(0.95, ageHours / (24 * 10));
    const roll = rnd();
    let stateId: number;
    if (roll < closeChance) stateId = rnd() < 0.88 ? 4 : 5;
    else stateId = pick([1, 2, 2, 3]);
    const ownerId = stateId === 1 && rnd() < 0.7 ? null : 3 + Math.floor(rnd() * 10);
    const responseMinutes = stateId === 1 ? null : Math.floor(5 + rnd() * rnd() * 600);
    const firstResponse = responseMinutes === null ? null : Math.min(endMs, created + responseMinutes * 60_000);
    let closeTime: number | null = null;
    if (stateId === 4 || stateId === 5) {
      const solveMinutes = Math.floor(30 + rnd() * rnd() * 4 * 1440);
      closeTime = Math.min(endMs, Math.max(firstResponse ?? created, created + solveMinutes * 60_000));
    }
    const changed = closeTime ?? firstResponse ?? created;
    const subject = pick(SUBJECTS);
    const tn = String(2026_000_000 + id);
    const owner = ownerId ?? ADMIN_USER;
    tickets.push({
      id, tn, title: subject, queue_id: queueId, ticket_lock_id: ownerId === null ? 1 : 2, type_id: 1, user_id: owner, responsible_user_id: owner,
      ticket_priority_id: priorityId, ticket_state_id: stateId, customer_id: customer.customer_id!, customer_user_id: customer.login!,
      timeout: 0, until_time: 0, escalation_time: 0, escalation_update_time: 0, escalation_response_time: 0, escalation_solution_time: 0, archive_flag: 0,
      create_time: sqlTime(created), create_by: ADMIN_USER, change_time: sqlTime(changed), change_by: owner,
    });
    const step = (type: string, state: number, ms: number, articleId: number | null = null) =>
      history.push({ id: history.length + 1, name: `%%${type}%%${state}`, history_type_id: HISTORY_TYPES.indexOf(type) + 1, ticket_id: id, article_id: articleId, type_id: 1, queue_id: queueId, owner_id: owner, priority_id: priorityId, state_id: state, ...audit(sqlTime(ms), owner) });
    const customerAddress = `"${customer.first_name} ${customer.last_name}" <${customer.email}>`;
    const first = article(id, tn, "customer", ADMIN_USER, customerAddress, "support@goatflow.example", subject, `Hello, ${subject.toLowerCase()}. Can you help?`, created);
    step("NewTicket", 1, created, first);
    if (firstResponse !== null && ownerId !== null) {
      const answer = article(id, tn, "agent", ownerId, emails[ownerId]!, customerAddress, `RE: ${subject}`, "Thanks for reaching out, we are looking into it.", firstResponse);
      step("SendAnswer", 1, firstResponse, answer);
      step("StateUpdate", closeTime === null ? stateId : 2, firstResponse);
    }
    if (closeTime !== null) step("StateUpdate", stateId, closeTime);
  }

  const table = (name: string, rows: Row[]): DemoTable => {
    const columns = REAL_TABLES[name]!.map(([column]) => column);
    return { table: name, columns, rows: rows.map((row) => columns.map((column) => row[column] ?? null)) };
  };
  return [
    table("valid", lookup(["valid", "invalid", "invalid-temporarily"])),
    table("ticket_state_type", lookup(STATE_TYPES)),
    table("ticket_state", STATES.map(([id, name, typeId]) => ({ id, name, type_id: typeId, valid_id: 1, ...audit() }))),
    table("ticket_priority", PRIORITIES.map((name, i) => ({ id: i + 1, name, valid_id: 1, color: PRIORITY_COLORS[i]!, ...audit() }))),
    table("ticket_lock_type", lookup(LOCK_TYPES, { valid_id: 1 })),
    table("ticket_type", lookup(TICKET_TYPES, { valid_id: 1 })),
    table("groups", lookup(GROUPS, { valid_id: 1 })),
    table(
      "queue",
      QUEUES.map(([name, fr, sol], i) => ({
        id: i + 1, name, group_id: 1, unlock_timeout: 0, first_response_time: fr, solution_time: sol, system_address_id: 1,
        salutation_id: 1, signature_id: 1, follow_up_id: 1, follow_up_lock: 0, valid_id: 1, ...audit(),
      })),
    ),
    table("users", users),
    table("user_preferences", preferences),
    table("group_user", memberships),
    table("customer_company", COMPANIES.map((name) => ({ customer_id: companyId(name), name, valid_id: 1, ...audit() }))),
    table("customer_user", customers),
    table("article_sender_type", lookup(SENDER_TYPES, { valid_id: 1 })),
    table("ticket_history_type", lookup(HISTORY_TYPES, { valid_id: 1 })),
    table("ticket", tickets),
    table("article", articles),
    table("article_data_mime", mime),
    table("ticket_history", history),
  ];
}

type Row = Record<string, SqlValue>;
