/**
 * The `goatkit:plugin/host` import of wit/goatkit-plugin.wit as componentize-js presents it to
 * JavaScript: `result<T, host-error>` returns T or throws an error whose `payload` is the
 * host-error; `option<T>` is T or undefined; `list<u8>` is a Uint8Array.
 */
declare module "goatkit:plugin/host@0.1.0" {
  export function dbQuery(sql: string, args: string): string;
  export function dbExec(sql: string, args: string): string;
  export function cacheGet(key: string): Uint8Array | undefined;
  export function cacheSet(key: string, value: Uint8Array, ttlSeconds: number): void;
  export function cacheDelete(key: string): void;
  export function httpRequest(method: string, url: string, headers: string, body: string): string;
  export function sendEmail(to: string, subject: string, body: string, attachments: string): string;
  export function scheduleJob(cron: string, handler: string, payload: string): string;
  export function log(level: string, message: string, fields: string): void;
}
