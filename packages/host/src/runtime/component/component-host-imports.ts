/**
 * The `goatkit:plugin/host` interface of wit/goatkit-plugin.wit over the host-function table:
 * only marshalling. jco names each import after the row's method (camelCase) and lowers
 * `{ tag: "ok" | "err", val }` into the WIT `result`.
 */
import type { HostCallError } from "../../host-functions/host-call-error.js";
import { ABI_HOST_FUNCTIONS, jsonTextOf, type GuestHostCalls, type HostArg } from "../../host-functions/host-function-table.js";
import { hostCallNow } from "../in-process-host-call.js";

type WitResult<T> = { tag: "ok"; val: T } | { tag: "err"; val: { code: string; message: string } };

/** The import key jco gives the interface: unversioned, whatever the package version. */
export const HOST_INTERFACE = "goatkit:plugin/host";

export function componentHostImports(calls: GuestHostCalls): Record<string, (...args: HostArg[]) => unknown> {
  const imports: Record<string, (...args: HostArg[]) => unknown> = {};
  for (const entry of ABI_HOST_FUNCTIONS) {
    // WIT arguments arrive as the row's kinds already (string, list<u8>, u32); `flag` is not in the WIT.
    const argsOf = (given: HostArg[]) => entry.args.map((arg, i) => (arg.kind === "flag" ? undefined : given[i]));
    imports[entry.method] = (...given: HostArg[]): unknown => {
      if (entry.result === "none") return void calls.call(entry.name, argsOf(given));
      let value: unknown;
      try {
        value = hostCallNow(calls, entry.name, () => calls.call(entry.name, argsOf(given)));
      } catch (error) {
        const hostError = error as HostCallError;
        return { tag: "err", val: { code: hostError.code, message: hostError.message } } satisfies WitResult<never>;
      }
      // string for JSON, option<list<u8>> for bytes, result<_, error> for status.
      if (entry.result === "json") return { tag: "ok", val: jsonTextOf(value) };
      if (entry.result === "bytes") return { tag: "ok", val: value ?? undefined };
      return { tag: "ok", val: value };
    };
  }
  return imports;
}
