/** Why a plugin's instance was released. */
export type UnloadReason = "admin" | "idle" | "memory" | "disabled" | "removed" | "shutdown";

/** What the manager reports as plugins come and go, without its time stamp. */
export type ManagerEventBody =
  | { type: "discovered"; plugin: string; version: string }
  | { type: "removed"; plugin: string }
  | { type: "loaded"; plugin: string; version: string; loadMs: number; memoryBytes: number }
  | { type: "unloaded"; plugin: string; reason: UnloadReason }
  | { type: "reloaded"; plugin: string; version: string; previousVersion: string }
  | { type: "enabled"; plugin: string }
  | { type: "disabled"; plugin: string }
  | { type: "error"; plugin: string | null; phase: "discover" | "load" | "reload" | "unload"; message: string };

/** What the manager reports as plugins come and go; the dashboard streams these. */
export type ManagerEvent = { time: string } & ManagerEventBody;

export type ManagerEventType = ManagerEvent["type"];
export type ManagerEventOf<T extends ManagerEventType> = Extract<ManagerEvent, { type: T }>;

type Listener = (event: ManagerEvent) => void;

/** A small typed event channel; a listener that throws does not stop the others. */
export class ManagerEvents {
  readonly #listeners = new Set<Listener>();

  on<T extends ManagerEventType>(type: T | "*", listener: (event: ManagerEventOf<T>) => void): () => void {
    const wrapped: Listener = (event) => {
      if (type === "*" || event.type === type) listener(event as ManagerEventOf<T>);
    };
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  emit(event: ManagerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a closed SSE stream) must not break plugin management.
      }
    }
  }
}
