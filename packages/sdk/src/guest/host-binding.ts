/**
 * The raw host functions as one binding (component or Extism) provides them: the same
 * arguments as docs/host-functions.md, JSON passed as text, "" for "none", and every failure
 * thrown as a HostError. `host` (host.ts) adds types on top; the binding the build selected
 * installs itself here when the plugin module starts.
 */
export interface HostBinding {
  dbQuery(sql: string, argsJson: string): string;
  dbExec(sql: string, argsJson: string): string;
  cacheGet(key: string): Uint8Array | null;
  cacheSet(key: string, value: Uint8Array, ttlSeconds: number): void;
  cacheDelete(key: string): void;
  httpRequest(method: string, url: string, headersJson: string, body: string): string;
  sendEmail(to: string, subject: string, body: string, attachmentsJson: string): string;
  scheduleJob(cron: string, handler: string, payloadJson: string): string;
  log(level: string, message: string, fieldsJson: string): void;
}

let current: HostBinding | null = null;

/** Installs the binding host functions go through (the build's binding entry does this). */
export function useHostBinding(binding: HostBinding): void {
  current = binding;
}

export function hostBinding(): HostBinding {
  if (current === null) {
    throw new Error(
      "GoatKit host functions are not connected: build the plugin with buildPlugin() from @goatkit/sdk (gk plugin build), which links the component or Extism binding",
    );
  }
  return current;
}
