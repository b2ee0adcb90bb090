/**
 * The reminder job (manifest `jobs`, every 5 minutes): emails each appointment's owner once
 * per occurrence, when the occurrence is within its `reminder_minutes`. The occurrence is
 * claimed in `calendar_reminders_sent` before the email goes out, so a reminder is sent once
 * even when runs overlap or repeat; a failed email gives the claim back for the next run.
 * Occurrences that started before a run saw them get no reminder: a late one is no use.
 */
import { HostError, host, type Handler, type Request } from "@goatkit/sdk/guest";
import { expandRows, type BusyOccurrence } from "../scheduling/busy-time.js";
import { listReminderCandidates, type AppointmentRow } from "../store/appointments.js";
import { findCalendar, type CalendarRow } from "../store/calendars.js";
import { findTickets, findUsers, type TicketSummary, type UserSummary } from "../store/core-tables.js";
import { claimReminder, recordReminderMessage, releaseReminder, remindedOccurrences } from "../store/reminders-sent.js";
import { MINUTE_MS, formatInstant, formatLongDate, formatTimeOfDay } from "../time/local-time.js";

const MAX_REMINDER_MINUTES = 7 * 24 * 60;

interface DueReminder {
  row: AppointmentRow;
  occurrence: BusyOccurrence;
}

function dueReminders(now: number): DueReminder[] {
  const rows = listReminderCandidates(formatInstant(now), formatInstant(now + MAX_REMINDER_MINUTES * MINUTE_MS));
  return rows.flatMap((row) => {
    const lead = row.reminder_minutes! * MINUTE_MS;
    return expandRows([row], now, now + lead + 1)
      .filter((o) => o.start >= now && o.start - lead <= now)
      .map((occurrence) => ({ row, occurrence }));
  });
}

function reminderEmail(due: DueReminder, owner: UserSummary, calendar: CalendarRow | null, ticket: TicketSummary | null, now: number): { subject: string; body: string } {
  const { row, occurrence } = due;
  const day = formatLongDate(occurrence.localStart);
  const when = occurrence.allDay ? `${day} (all day)` : `${day}, ${formatTimeOfDay(occurrence.localStart)} to ${formatTimeOfDay(occurrence.localEnd)} (${row.tzid})`;
  const minutes = Math.max(0, Math.round((occurrence.start - now) / MINUTE_MS));
  const lines = [
    `Hello ${owner.first_name || owner.login},`,
    "",
    `"${row.title}" starts ${minutes === 0 ? "now" : `in ${minutes} minute${minutes === 1 ? "" : "s"}`}.`,
    "",
    `When:     ${when}`,
  ];
  if (row.location !== null) lines.push(`Where:    ${row.location}`);
  if (ticket !== null) lines.push(`Ticket:   #${ticket.tn} ${ticket.title}`);
  if (calendar !== null) lines.push(`Calendar: ${calendar.name}`);
  if (row.description !== null) lines.push("", row.description);
  lines.push("", "-- GoatKit Calendar & Appointments");
  const subject = occurrence.allDay ? `Reminder: ${row.title} on ${day}` : `Reminder: ${row.title} at ${formatTimeOfDay(occurrence.localStart)} (${row.tzid})`;
  return { subject, body: lines.join("\n") };
}

export const reminderJob = {
  /** Job handler; also callable directly (`gk plugin call . send_reminders`). */
  send_reminders(_req: Request) {
    const now = Date.now();
    const due = dueReminders(now);
    const summary = { checked_at: formatInstant(now), due: due.length, sent: 0, already_sent: 0, no_recipient: 0, failed: 0 };
    if (due.length === 0) return summary;

    const done = remindedOccurrences([...new Set(due.map((d) => d.row.id))], formatInstant(now));
    const owners = findUsers(due.flatMap((d) => (d.row.owner_user_id === null ? [] : [d.row.owner_user_id])));
    const tickets = findTickets(due.flatMap((d) => (d.row.ticket_id === null ? [] : [d.row.ticket_id])));
    const calendars = new Map<number, CalendarRow | null>();
    for (const reminder of due) {
      const { row, occurrence } = reminder;
      const occurrenceStart = formatInstant(occurrence.start);
      if (done.has(`${row.id} ${occurrenceStart}`)) {
        summary.already_sent++;
        continue;
      }
      const owner = row.owner_user_id === null ? undefined : owners.get(row.owner_user_id);
      if (owner === undefined || owner.email === "") {
        summary.no_recipient++;
        host.warn("reminder not sent: the appointment has no owner with an email address; set owner_user_id", { appointment_id: row.id, occurrence_start: occurrenceStart });
        continue;
      }
      if (!claimReminder(row.id, occurrenceStart, owner.email, formatInstant(now))) {
        summary.already_sent++;
        continue;
      }
      if (!calendars.has(row.calendar_id)) calendars.set(row.calendar_id, findCalendar(row.calendar_id));
      const email = reminderEmail(reminder, owner, calendars.get(row.calendar_id) ?? null, row.ticket_id === null ? null : (tickets.get(row.ticket_id) ?? null), now);
      try {
        const { id } = host.sendEmail([owner.email], email.subject, email.body);
        recordReminderMessage(row.id, occurrenceStart, id);
        summary.sent++;
      } catch (error) {
        if (!(error instanceof HostError)) throw error;
        releaseReminder(row.id, occurrenceStart);
        summary.failed++;
        host.error(`reminder email failed; the next run tries again: ${error.message}`, { appointment_id: row.id, occurrence_start: occurrenceStart, code: error.code });
      }
    }
    host.info("reminders checked", summary);
    return summary;
  },
} satisfies Record<string, Handler>;
