/**
 * The `goatkit:plugin/host` interface of wit/goatkit-plugin.wit over HostCalls: only
 * marshalling. jco lowers `{ tag: "ok" | "err", val }` into the WIT `result`.
 */
import type { HostFunctionName } from "@goatkit/sdk/abi";
import { HostCallError } from "../../host-functions/host-call-error.js";
import type { GuestHostCalls } from "../../host-functions/host-calls.js";
import type { MaybePromise } from "../../services/types.js";
import { hostCallNow } from "../in-process-host-call.js";

type WitResult<T> = { tag: "ok"; val: T } | { tag: "err"; val: { code: string; message: string } };

/** The import key jco gives the interface: unversioned, whatever the package version. */
export const HOST_INTERFACE = "goatkit:plugin/host";

export function componentHostImports(calls: GuestHostCalls) {
  const result = <T>(fn: HostFunctionName, body: () => MaybePromise<T>): WitResult<T> => {
    try {
      return { tag: "ok", val: hostCallNow(calls, fn, body) };
    } catch (error) {
      const hostError = error as HostCallError;
      return { tag: "err", val: { code: hostError.code, message: hostError.message } };
    }
  };
  const json = (fn: HostFunctionName, body: () => MaybePromise<unknown>): WitResult<string> => {
    const res = result(fn, body);
    return res.tag === "ok" ? { tag: "ok", val: JSON.stringify(res.val) } : res;
  };
  return {
    dbQuery: (sql: string, args: string) => json("db_query", () => calls.dbQuery(sql, args)),
    dbExec: (sql: string, args: string) => json("db_exec", () => calls.dbExec(sql, args)),
    cacheGet: (key: string) => {
      const res = result("cache_get", () => calls.cacheGet(key));
      return res.tag === "ok" ? { tag: "ok" as const, val: res.val ?? undefined } : res;
    },
    cacheSet: (key: string, value: Uint8Array, ttlSeconds: number) => result("cache_set", () => calls.cacheSet(key, value, ttlSeconds)),
    cacheDelete: (key: string) => result("cache_delete", () => calls.cacheDelete(key)),
    httpRequest: (method: string, url: string, headers: string, body: string) => json("http_request", () => calls.httpRequest(method, url, headers, body)),
    sendEmail: (to: string, subject: string, body: string, attachments: string) => json("send_email", () => calls.sendEmail(to, subject, body, attachments)),
    scheduleJob: (cron: string, handler: string, payload: string) => json("schedule_job", () => calls.scheduleJob(cron, handler, payload)),
    log: (level: string, message: string, fields: string) => calls.log(level, message, fields),
  };
}
