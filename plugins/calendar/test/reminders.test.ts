import type { MailService, OutgoingEmail } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarHost, emma, farid } from "./support/calendar-host.js";

/** Runs the reminder job as the scheduler does, at the host clock's time. */
async function runJob(cal: CalendarHost): Promise<any> {
  const res = await cal.host.call("calendar", "send_reminders", {
    kind: "job",
    job: { id: "send-reminders", schedule: "*/5 * * * *", scheduled_at: new Date(cal.clock.now).toISOString(), attempt: 1, payload: null },
  });
  expect(res.status, String(res.body)).toBe(200);
  return JSON.parse(String(res.body));
}

describe("reminders: each occurrence's owner is emailed exactly once", () => {
  let cal: CalendarHost;
  const mail = () => cal.host.mailbox!.list("calendar");

  beforeAll(async () => {
    // Monday 30 March 2026, 08:00 in Berlin (daylight time, UTC+2).
    cal = await CalendarHost.open("2026-03-30T06:00:00Z");
    const mine = (await cal.createCalendar({ name: "Emma", timezone: "Europe/Berlin" })).id;
    const team = (await cal.createCalendar({ name: "Raw team", owner_type: "team", owner_id: 1 })).id;
    await cal.createAppointment(mine, { title: "Customer call", start: "2026-03-30T10:00", duration_minutes: 30, reminder_minutes: 15, ticket_id: 4, location: "Phone" });
    await cal.createAppointment(mine, { title: "Daily stand-up", start: "2026-03-30T09:30", duration_minutes: 15, reminder_minutes: 10, rrule: "FREQ=DAILY;COUNT=3" });
    await cal.createAppointment(mine, { title: "Focus time", start: "2026-03-30T09:00", duration_minutes: 30, reminder_minutes: null });
    await cal.createAppointment(team, { title: "Queue triage", tzid: "Europe/Berlin", start: "2026-03-30T09:45", duration_minutes: 15, reminder_minutes: 15 }, farid);
    await cal.createAppointment(mine, { title: "Nobody's", start: "2026-03-30T09:50", duration_minutes: 5, reminder_minutes: 10, owner_user_id: null });
    await cal.createAppointment(mine, { title: "Missed window", start: "2026-03-31T14:00", duration_minutes: 30, reminder_minutes: 15 });
  });
  afterAll(() => cal.close());

  it("sends nothing before a reminder is due", async () => {
    cal.setTime("2026-03-30T07:00:00Z");
    expect(await runJob(cal)).toMatchObject({ due: 0, sent: 0 });
    expect(mail()).toEqual([]);
  });

  it("sends a reminder when its time comes, and never again on later runs", async () => {
    cal.setTime("2026-03-30T07:20:00Z");
    expect(await runJob(cal)).toMatchObject({ due: 1, sent: 1 });
    cal.setTime("2026-03-30T07:25:00Z");
    expect(await runJob(cal)).toMatchObject({ due: 1, sent: 0, already_sent: 1 });
    expect(await runJob(cal)).toMatchObject({ sent: 0, already_sent: 1 });
    expect(mail().map((m) => [m.to, m.subject])).toEqual([[[emma.email], "Reminder: Daily stand-up at 09:30 (Europe/Berlin)"]]);
  });

  it("emails the owner: on a team calendar the agent who booked it", async () => {
    cal.setTime("2026-03-30T07:30:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 1, already_sent: 1 });
    expect(mail().at(-1)).toMatchObject({ to: [farid.email], subject: "Reminder: Queue triage at 09:45 (Europe/Berlin)" });
  });

  it("says what the appointment is, when, where and for which ticket", async () => {
    cal.setTime("2026-03-30T07:45:00Z");
    const summary = await runJob(cal);
    expect(summary).toMatchObject({ sent: 1, no_recipient: 1 });
    const [ticket] = await cal.host.services.db.query("SELECT tn, title FROM tickets WHERE id = 4", []);
    const reminder = mail().at(-1)!;
    expect(reminder.subject).toBe("Reminder: Customer call at 10:00 (Europe/Berlin)");
    expect(reminder.text).toBe(
      [
        "Hello Emma,",
        "",
        '"Customer call" starts in 15 minutes.',
        "",
        "When:     Monday, 30 March 2026, 10:00 to 10:30 (Europe/Berlin)",
        "Where:    Phone",
        `Ticket:   #${ticket!.tn} ${ticket!.title}`,
        "Calendar: Emma",
        "",
        "-- GoatKit Calendar & Appointments",
      ].join("\n"),
    );
    expect(cal.host.logs.list("calendar", "warn").some((l) => l.message.startsWith("reminder not sent: the appointment has no owner with an email address"))).toBe(true);
  });

  it("reminds each occurrence of a series once, and records what it sent", async () => {
    cal.setTime("2026-03-30T07:50:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 0 });
    cal.setTime("2026-03-31T07:20:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 1 });
    cal.setTime("2026-03-31T07:25:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 0, already_sent: 1 });
    expect(mail().map((m) => m.subject)).toEqual([
      "Reminder: Daily stand-up at 09:30 (Europe/Berlin)",
      "Reminder: Queue triage at 09:45 (Europe/Berlin)",
      "Reminder: Customer call at 10:00 (Europe/Berlin)",
      "Reminder: Daily stand-up at 09:30 (Europe/Berlin)",
    ]);
    const sent = await cal.host.services.db.query("SELECT occurrence_start, recipient, message_id FROM calendar_reminders_sent ORDER BY id", []);
    expect(sent.map((r) => r.occurrence_start)).toEqual(["2026-03-30T07:30:00Z", "2026-03-30T07:45:00Z", "2026-03-30T08:00:00Z", "2026-03-31T07:30:00Z"]);
    expect(sent.map((r) => r.message_id)).toEqual(mail().map((m) => m.id));
  });

  it("does not send a late reminder for an occurrence that already started", async () => {
    cal.setTime("2026-03-31T12:05:00Z");
    expect(await runJob(cal)).toMatchObject({ due: 0, sent: 0 });
    expect(mail().map((m) => m.subject)).not.toContain("Reminder: Missed window at 14:00 (Europe/Berlin)");
  });
});

describe("reminders when the mail service fails", () => {
  let cal: CalendarHost;
  const delivered: OutgoingEmail[] = [];
  let failures = 1;
  const flakyMail: MailService = {
    send(_plugin, message) {
      if (failures > 0) {
        failures--;
        throw new Error("451 4.3.0 mail server busy, try again later");
      }
      delivered.push(message);
      return { id: `flaky-${delivered.length}@example.com` };
    },
    close() {},
  };

  beforeAll(async () => {
    cal = await CalendarHost.open("2026-03-30T06:00:00Z", { mail: flakyMail });
    const id = (await cal.createCalendar({ name: "Emma", timezone: "Europe/Berlin" })).id;
    await cal.createAppointment(id, { title: "Customer call", start: "2026-03-30T10:00", duration_minutes: 30, reminder_minutes: 15 });
  });
  afterAll(() => cal.close());

  it("gives the reminder back, logs why, and sends it on the next run", async () => {
    cal.setTime("2026-03-30T07:45:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 0, failed: 1 });
    expect(await cal.host.services.db.query("SELECT COUNT(*) AS n FROM calendar_reminders_sent", [])).toEqual([{ n: 0 }]);
    const logged = cal.host.logs.list("calendar", "error").find((l) => l.message.startsWith("reminder email failed; the next run tries again:"));
    expect(logged?.message).toContain("mail server busy");
    cal.setTime("2026-03-30T07:50:00Z");
    expect(await runJob(cal)).toMatchObject({ sent: 1, failed: 0 });
    expect(await runJob(cal)).toMatchObject({ sent: 0, already_sent: 1 });
    expect(delivered.map((m) => m.subject)).toEqual(["Reminder: Customer call at 10:00 (Europe/Berlin)"]);
  });
});
