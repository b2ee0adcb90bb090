import type { MailService, OutgoingEmail } from "./types.js";

export interface StoredEmail extends OutgoingEmail {
  id: string;
  plugin: string;
  sentAt: string;
}

/** The embedded default mail service: keeps messages for the dashboard and tests instead of sending. */
export class DevMailbox implements MailService {
  readonly #messages: StoredEmail[] = [];
  #next = 1;

  constructor(private readonly now: () => number = Date.now) {}

  send(plugin: string, message: OutgoingEmail): { id: string } {
    const id = `dev-${this.#next++}@goatkit.local`;
    this.#messages.push({ ...message, id, plugin, sentAt: new Date(this.now()).toISOString() });
    return { id };
  }

  /** Messages sent so far, oldest first; optionally only one plugin's. */
  list(plugin?: string): StoredEmail[] {
    return this.#messages.filter((m) => plugin === undefined || m.plugin === plugin);
  }

  clear(): void {
    this.#messages.length = 0;
  }

  close(): void {}
}
