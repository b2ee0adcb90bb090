import type { SqlValue } from "../types.js";

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

const STATES: [number, string, string][] = [
  [1, "new", "new"],
  [2, "open", "open"],
  [3, "pending reminder", "pending"],
  [4, "closed successful", "closed"],
  [5, "closed unsuccessful", "closed"],
];
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

  const users: SqlValue[][] = [];
  for (let i = 1; i <= 12; i++) {
    const first = FIRST[(i - 1) % FIRST.length]!;
    const last = LAST[(i * 5) % LAST.length]!;
    const login = `${first}.${last}`.toLowerCase();
    users.push([i, login, first, last, `${login}@goatflow.example`, i <= 2 ? "admin" : "agent", 1, createdAt]);
  }
  const customers: SqlValue[][] = [];
  for (let i = 1; i <= 300; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = pick(COMPANIES);
    const login = `${first}.${last}${i}`.toLowerCase();
    customers.push([i, login, `${login}@${company.toLowerCase().replace(/[^a-z]/g, "")}.example`, first, last, company]);
  }

  const tickets: SqlValue[][] = [];
  const articles: SqlValue[][] = [];
  let articleId = 1;
  for (let id = 1; id <= ticketCount; id++) {
    // Later days get slightly more tickets, and weekdays more than weekends.
    let created: number;
    do {
      created = startMs + Math.floor(Math.sqrt(rnd()) * (endMs - startMs));
    } while ([0, 6].includes(new Date(created).getUTCDay()) && rnd() < 0.6);
    const queueId = 1 + Math.floor(rnd() * QUEUES.length);
    const priorityId = [1, 2, 3, 3, 3, 3, 4, 4, 5][Math.floor(rnd() * 9)]!;
    const customerId = 1 + Math.floor(rnd() * customers.length);
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
    tickets.push([
      id,
      String(2026_000_000 + id),
      subject,
      queueId,
      stateId,
      priorityId,
      customerId,
      ownerId,
      sqlTime(created),
      sqlTime(changed),
      firstResponse === null ? null : sqlTime(firstResponse),
      closeTime === null ? null : sqlTime(closeTime),
    ]);
    articles.push([articleId++, id, "customer", null, customerId, subject, `Hello, ${subject.toLowerCase()}. Can you help?`, sqlTime(created)]);
    if (firstResponse !== null && ownerId !== null) {
      articles.push([articleId++, id, "agent", ownerId, null, `RE: ${subject}`, "Thanks for reaching out, we are looking into it.", sqlTime(firstResponse)]);
    }
  }

  return [
    { table: "ticket_states", columns: ["id", "name", "type_name"], rows: STATES },
    { table: "ticket_priorities", columns: ["id", "name"], rows: PRIORITIES.map((name, i) => [i + 1, name]) },
    {
      table: "queues",
      columns: ["id", "name", "first_response_time", "solution_time"],
      rows: QUEUES.map(([name, fr, sol], i) => [i + 1, name, fr, sol]),
    },
    { table: "users", columns: ["id", "login", "first_name", "last_name", "email", "role", "valid_id", "create_time"], rows: users },
    { table: "customers", columns: ["id", "login", "email", "first_name", "last_name", "company"], rows: customers },
    {
      table: "tickets",
      columns: ["id", "tn", "title", "queue_id", "state_id", "priority_id", "customer_id", "user_id", "create_time", "change_time", "first_response_time", "close_time"],
      rows: tickets,
    },
    { table: "articles", columns: ["id", "ticket_id", "sender_type", "user_id", "customer_id", "subject", "body", "create_time"], rows: articles },
  ];
}
