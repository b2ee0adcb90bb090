import { randomBytes } from "node:crypto";
import { MysqlDatabase, PostgresDatabase, RedisCache, type DatabaseService } from "@goatkit/host";
import { describe, expect, it } from "vitest";
import { DEMO, ProcessHost, emma, hookAnswer, lines } from "./support/process-host.js";

// The plugin's migrations and SQL on PostgreSQL and MySQL/MariaDB: one scenario touching every
// table and query must give exactly what it gives on SQLite. Then two hosts on one server
// database receive the same ticket events and run the job at the same moment: each transition
// (and its email) must happen once. These run when the servers are named (.ci/run sets the
// variables when the ports answer) and say which variable enables them otherwise.
const POSTGRES_URL = process.env.GOATKIT_TEST_POSTGRES_URL || undefined;
const MYSQL_URL = process.env.GOATKIT_TEST_MYSQL_URL || undefined;
const scratchName = () => `goatkit_process_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

const step = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, name: id, ...extra });
const chain = (...ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i], to }));

/** Mails the owner, waits 10 minutes, mails again: two effects per instance, to count. */
const TWO_MAILS = {
  name: "Two mails",
  steps: [
    step("s", "start", { on: ["created"], queue: "IT Operations" }),
    step("assign", "set", { fields: { owner: "emma.larsen" } }),
    step("first", "email", { to: "owner", subject: "First {{ticket.tn}}", body: "{{ticket.title}}" }),
    step("w", "wait", { minutes: 10 }),
    step("second", "email", { to: "owner", subject: "Second {{ticket.tn}}", body: "{{ticket.title}}" }),
    step("e", "end"),
  ],
  flows: chain("s", "assign", "first", "w", "second", "e"),
};

async function redisCache(prefix: string) {
  const url = process.env.GOATKIT_TEST_REDIS_URL;
  return url ? RedisCache.connect({ url, keyPrefix: `${prefix}_${Date.now().toString(36)}:` }) : undefined;
}

/** Drops what differs between runs: the random part of event ids. */
const stable = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/ticket-(\d+)-[0-9a-f-]{36}/g, "ticket-$1-<uuid>"));

async function scenario(database?: DatabaseService): Promise<unknown> {
  const cache = database ? await redisCache("process_test") : undefined;
  const p = await ProcessHost.open("2026-03-20T09:00:00Z", { database, ...(cache ? { cache } : {}) });
  try {
    const out: Record<string, unknown> = {};
    const created = await p.createProcess(TWO_MAILS);
    out.processes = (await p.json("list_processes")).processes.map((x: any) => [x.name, x.published_version?.version, x.enabled]);
    const a = await p.newTicket("Server room too warm", "IT Operations");
    const b = await p.newTicket("Backup failed", "IT Operations");
    await p.newTicket("Login broken");
    out.hooks = [a.hook, b.hook];
    p.advance(10);
    out.job = await p.runJob();
    out.instances = await p.json("list_instances");
    out.history = await Promise.all([a, b].map(async (t) => lines((await p.instance(t.hook.started[0].instance)).history)));
    out.mail = p.mails().map((m) => [m.to, m.subject, m.text]);
    out.exported = await p.json("export_process", { params: { id: String(created.id) } });
    out.bpmn = String((await p.call("export_process", { params: { id: String(created.id) }, query: { format: "bpmn" } })).body);
    out.widget = String((await p.manager.call("process", "render_tasks_widget", { kind: "widget", user: emma })).body);
    out.deleted = (await p.call("delete_process", { method: "DELETE", params: { id: "1" } })).status;
    return stable(out);
  } finally {
    await p.close();
  }
}

let onSqlite: unknown;
const sqliteResult = async () => (onSqlite ??= await scenario());

/** Two hosts on one database, the same events delivered to both at once. */
async function twoHosts(database: () => Promise<DatabaseService>) {
  const [one, two] = [await ProcessHost.open("2026-03-20T09:00:00Z", { database: await database() }), await ProcessHost.open("2026-03-20T09:00:00Z", { database: await database() })];
  try {
    await one.createProcess(TWO_MAILS);
    const tickets = [];
    for (let i = 0; i < 8; i++) {
      // Host one's demo desk saves the ticket and fires after_save there; the same event
      // reaches host two at the same time.
      const saved = await one.desk.createTicket({ title: `Disk full ${i}`, queue: "IT Operations" }, emma);
      const [, onTwo] = await Promise.all([Promise.resolve(saved.hooks), two.manager.fireHook("after_save", saved.event)]);
      tickets.push({ id: saved.ticket.id as number, answers: [hookAnswer(saved), hookAnswer({ ...saved, hooks: onTwo })] });
    }
    // Deliveries race for real: the same event fired at both hosts concurrently.
    for (let i = 0; i < 8; i++) {
      const ticket = await one.desk.updateTicket(tickets[i]!.id, { title: `Disk full ${i} (again)` }, emma);
      const event = { ...ticket.event, event_id: `race-${i}`, events: ["created"] };
      await Promise.all([one.manager.fireHook("after_save", event), two.manager.fireHook("after_save", event)]);
    }
    one.advance(10);
    two.advance(10);
    const jobs = await Promise.all([one.runJob(), two.runJob()]);
    const db = one.host.services.db;
    // The plugin's tables live in a schema or database of its own on the servers.
    const table = (name: string) => db.pluginTable("process", name);
    const instances = await db.query(`SELECT id, ticket_id, status, seq FROM ${table("process_instances")} ORDER BY id`, []);
    const history = await db.query(`SELECT instance_id, seq, step, action FROM ${table("process_history")} ORDER BY instance_id, seq`, []);
    const mails = [...one.mails(), ...two.mails()].map((m) => m.subject).sort();
    return { tickets, jobs, instances, history, mails };
  } finally {
    await one.close();
    await two.close();
  }
}

function expectOnce(result: Awaited<ReturnType<typeof twoHosts>>) {
  // One start per (ticket, event): 8 tickets x 2 distinct events.
  expect(result.instances).toHaveLength(16);
  for (const t of result.tickets) expect(t.answers.map((a) => a.started.length + a.already_applied)).toEqual([1, 1]);
  expect(result.tickets.flatMap((t) => t.answers.map((a) => a.started.length)).reduce((x, y) => x + y)).toBe(8);
  for (const instance of result.instances) {
    expect(instance.status).toBe("completed");
    const mine = result.history.filter((h) => h.instance_id === instance.id);
    expect(mine.map((h) => Number(h.seq))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(mine.map((h) => `${h.step} ${h.action}`)).toEqual(["s started", "assign updated", "first emailed", "w waiting", "w resumed", "second emailed", "e completed"]);
  }
  expect(result.jobs[0].resumed.length + result.jobs[1].resumed.length).toBe(16);
  // Every instance mailed twice, once per email step, whichever host applied it.
  expect(result.mails).toHaveLength(32);
  expect(new Set(result.mails).size).toBe(16);
}

describe("the same scenario on every database", () => {
  it("runs on SQLite", async () => {
    const result = (await sqliteResult()) as any;
    expect(result.history).toEqual([
      ["s started", "assign updated", "first emailed", "w waiting", "w resumed", "second emailed", "e completed"],
      ["s started", "assign updated", "first emailed", "w waiting", "w resumed", "second emailed", "e completed"],
    ]);
    expect(result.mail).toHaveLength(4);
    expect(result.deleted).toBe(409);
  });

  it.skipIf(!POSTGRES_URL)("gives the same results on PostgreSQL, and two hosts on it apply each transition once", async () => {
    const admin = await PostgresDatabase.connect({ url: POSTGRES_URL! });
    const schema = scratchName();
    await admin.migrate(`CREATE SCHEMA ${schema}`);
    try {
      const db = await PostgresDatabase.connect({ url: POSTGRES_URL!, schema });
      await db.seedDemo(DEMO);
      expect(await scenario(db)).toEqual(await sqliteResult());
      const racing = scratchName();
      await admin.migrate(`CREATE SCHEMA ${racing}`);
      try {
        const seeded = await PostgresDatabase.connect({ url: POSTGRES_URL!, schema: racing });
        await seeded.seedDemo(DEMO);
        await seeded.close();
        expectOnce(await twoHosts(() => PostgresDatabase.connect({ url: POSTGRES_URL!, schema: racing })));
      } finally {
        await admin.migrate(`DROP SCHEMA IF EXISTS ${racing} CASCADE`);
      }
    } finally {
      await admin.migrate(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  }, 120_000);

  it.skipIf(!MYSQL_URL)("gives the same results on MySQL/MariaDB, and two hosts on it apply each transition once", async () => {
    const admin = await MysqlDatabase.connect({ url: MYSQL_URL! });
    const names = [scratchName(), scratchName()];
    const urlOf = (name: string) => {
      const url = new URL(MYSQL_URL!);
      url.pathname = `/${name}`;
      return url.toString();
    };
    for (const name of names) await admin.migrate(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    try {
      const db = await MysqlDatabase.connect({ url: urlOf(names[0]!) });
      await db.seedDemo(DEMO);
      expect(await scenario(db)).toEqual(await sqliteResult());
      const seeded = await MysqlDatabase.connect({ url: urlOf(names[1]!) });
      await seeded.seedDemo(DEMO);
      await seeded.close();
      expectOnce(await twoHosts(() => MysqlDatabase.connect({ url: urlOf(names[1]!) })));
    } finally {
      for (const name of names) await admin.migrate(`DROP DATABASE IF EXISTS ${name}`);
      await admin.close();
    }
  }, 120_000);
});

if (!POSTGRES_URL) console.log("skipping the process plugin on PostgreSQL: set GOATKIT_TEST_POSTGRES_URL to run it (e.g. GOATKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)");
if (!MYSQL_URL) console.log("skipping the process plugin on MySQL/MariaDB: set GOATKIT_TEST_MYSQL_URL to run it (e.g. GOATKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test)");
