/**
 * `process_processes` (a process: its name, draft and switch) and `process_versions` (each
 * published definition, never changed after publishing: instances point at the version they
 * started on).
 */
import { PluginError, host } from "@goatkit/sdk/guest";
import type { Definition, TicketEvent } from "../model/definition.js";

export interface ProcessRow {
  id: number;
  name: string;
  description: string | null;
  draft: string;
  enabled: number;
  current_version_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface VersionRow {
  id: number;
  process_id: number;
  version: number;
  definition: string;
  trigger_events: string;
  published_by: string;
  published_at: string;
}

const PROCESS_COLUMNS = "id, name, description, draft, enabled, current_version_id, created_at, updated_at";
const VERSION_COLUMNS = "id, process_id, version, definition, trigger_events, published_by, published_at";

export function listProcesses(): ProcessRow[] {
  return host.dbQuery<ProcessRow>(`SELECT ${PROCESS_COLUMNS} FROM process_processes ORDER BY name, id`);
}

export function findProcess(id: number): ProcessRow | null {
  return host.dbQuery<ProcessRow>(`SELECT ${PROCESS_COLUMNS} FROM process_processes WHERE id = ?`, [id])[0] ?? null;
}

export function findProcessByName(name: string): ProcessRow | null {
  return host.dbQuery<ProcessRow>(`SELECT ${PROCESS_COLUMNS} FROM process_processes WHERE name = ?`, [name])[0] ?? null;
}

/** The process a route's `:id` names; a 404 that says so when there is none. */
export function requireProcess(idText: string): ProcessRow {
  const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
  const process = Number.isSafeInteger(id) ? findProcess(id) : null;
  if (process === null) throw new PluginError(`process ${JSON.stringify(idText)} does not exist; GET /api/plugins/process/processes lists them`, 404, "NOT_FOUND");
  return process;
}

function nameTaken(name: string, except: number | null): void {
  const other = findProcessByName(name);
  if (other !== null && other.id !== except) throw new PluginError(`a process named "${name}" exists already (process ${other.id}); pick another name or change that one`, 409, "CONFLICT");
}

export function insertProcess(definition: Definition, now: string): number {
  nameTaken(definition.name, null);
  const { lastInsertId } = host.dbExec(
    "INSERT INTO process_processes (name, description, draft, enabled, current_version_id, created_at, updated_at) VALUES (?, ?, ?, 1, NULL, ?, ?)",
    [definition.name, definition.description, JSON.stringify(definition), now, now],
  );
  if (lastInsertId === null) throw new PluginError("the database did not report the new process's id", 500, "DATABASE");
  return Number(lastInsertId);
}

export function updateDraft(id: number, definition: Definition, now: string): void {
  nameTaken(definition.name, id);
  host.dbExec("UPDATE process_processes SET name = ?, description = ?, draft = ?, updated_at = ? WHERE id = ?", [definition.name, definition.description, JSON.stringify(definition), now, id]);
}

export function setEnabled(id: number, enabled: boolean, now: string): void {
  host.dbExec("UPDATE process_processes SET enabled = ?, updated_at = ? WHERE id = ?", [enabled ? 1 : 0, now, id]);
}

export function deleteProcess(id: number): void {
  host.dbExec("DELETE FROM process_history WHERE instance_id IN (SELECT id FROM process_instances WHERE process_id = ?)", [id]);
  host.dbExec("DELETE FROM process_event_receipts WHERE instance_id IN (SELECT id FROM process_instances WHERE process_id = ?)", [id]);
  host.dbExec("DELETE FROM process_instances WHERE process_id = ?", [id]);
  host.dbExec("DELETE FROM process_versions WHERE process_id = ?", [id]);
  host.dbExec("DELETE FROM process_processes WHERE id = ?", [id]);
}

/**
 * Publishes a definition as the process's next version. The unique (process_id, version) makes
 * two publishes at once take different numbers, or the second fail and try the next.
 */
export function insertVersion(processId: number, definition: Definition, triggers: readonly TicketEvent[], by: string, now: string): VersionRow {
  for (let attempt = 0; attempt < 5; attempt++) {
    const next = (host.dbQuery<{ n: number | null }>("SELECT MAX(version) AS n FROM process_versions WHERE process_id = ?", [processId])[0]?.n ?? 0) + 1;
    try {
      host.dbExec("INSERT INTO process_versions (process_id, version, definition, trigger_events, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?)", [
        processId,
        next,
        JSON.stringify(definition),
        triggers.join(","),
        by,
        now,
      ]);
    } catch (error) {
      if (findVersionNumber(processId, next) !== null) continue;
      throw error;
    }
    const row = findVersionNumber(processId, next)!;
    host.dbExec("UPDATE process_processes SET current_version_id = ?, updated_at = ? WHERE id = ?", [row.id, now, processId]);
    return row;
  }
  throw new PluginError(`process ${processId} is being published from several places at once; try again`, 409, "CONFLICT");
}

export function findVersion(id: number): VersionRow | null {
  return host.dbQuery<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM process_versions WHERE id = ?`, [id])[0] ?? null;
}

export function findVersionNumber(processId: number, version: number): VersionRow | null {
  return host.dbQuery<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM process_versions WHERE process_id = ? AND version = ?`, [processId, version])[0] ?? null;
}

export function listVersions(processId: number): VersionRow[] {
  return host.dbQuery<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM process_versions WHERE process_id = ? ORDER BY version DESC`, [processId]);
}

/** The published versions that an event starts: enabled processes' current versions whose trigger lists it. */
export function versionsTriggeredBy(event: TicketEvent): VersionRow[] {
  return host
    .dbQuery<VersionRow>(
      `SELECT v.id, v.process_id, v.version, v.definition, v.trigger_events, v.published_by, v.published_at
         FROM process_versions v JOIN process_processes p ON p.current_version_id = v.id
        WHERE p.enabled = 1 ORDER BY v.process_id`,
    )
    .filter((v) => v.trigger_events.split(",").includes(event));
}

const definitions = new Map<number, Definition>();

/** A version's definition, parsed once per instance of the plugin (versions never change). */
export function versionDefinition(version: VersionRow): Definition {
  let definition = definitions.get(version.id);
  if (definition === undefined) {
    definition = JSON.parse(version.definition) as Definition;
    definitions.set(version.id, definition);
  }
  return definition;
}
