/**
 * The `calendar_reminders_sent` table: one row per reminded occurrence. Its unique
 * (appointment_id, occurrence_start) is what makes a reminder go out once, even when two
 * job runs overlap.
 */
import { host, type SqlValue } from "@goatkit/sdk/guest";
import { placeholders } from "./core-tables.js";

/** The occurrence starts already reminded, as `${appointment_id} ${occurrence_start}`. */
export function remindedOccurrences(appointmentIds: readonly number[], from: string): Set<string> {
  if (appointmentIds.length === 0) return new Set();
  const rows = host.dbQuery<{ appointment_id: number; occurrence_start: string }>(
    `SELECT appointment_id, occurrence_start FROM calendar_reminders_sent WHERE appointment_id IN ${placeholders(appointmentIds)} AND occurrence_start >= ?`,
    [...(appointmentIds as SqlValue[]), from],
  );
  return new Set(rows.map((row) => `${row.appointment_id} ${row.occurrence_start}`));
}

/** Claims an occurrence before its email is sent; false when another run already did. */
export function claimReminder(appointmentId: number, occurrenceStart: string, recipient: string, now: string): boolean {
  try {
    host.dbExec("INSERT INTO calendar_reminders_sent (appointment_id, occurrence_start, recipient, sent_at) VALUES (?, ?, ?, ?)", [appointmentId, occurrenceStart, recipient, now]);
    return true;
  } catch (error) {
    // The unique index refused a second claim; anything else is a real failure.
    if (remindedOccurrences([appointmentId], occurrenceStart).has(`${appointmentId} ${occurrenceStart}`)) return false;
    throw error;
  }
}

export function recordReminderMessage(appointmentId: number, occurrenceStart: string, messageId: string): void {
  host.dbExec("UPDATE calendar_reminders_sent SET message_id = ? WHERE appointment_id = ? AND occurrence_start = ?", [messageId, appointmentId, occurrenceStart]);
}

/** Gives a claim back when the email could not be sent, so the next run tries again. */
export function releaseReminder(appointmentId: number, occurrenceStart: string): void {
  host.dbExec("DELETE FROM calendar_reminders_sent WHERE appointment_id = ? AND occurrence_start = ?", [appointmentId, occurrenceStart]);
}

export function deleteRemindersOf(appointmentId: number): void {
  host.dbExec("DELETE FROM calendar_reminders_sent WHERE appointment_id = ?", [appointmentId]);
}

export function deleteCalendarReminders(calendarId: number): void {
  host.dbExec("DELETE FROM calendar_reminders_sent WHERE appointment_id IN (SELECT id FROM calendar_appointments WHERE calendar_id = ?)", [calendarId]);
}
