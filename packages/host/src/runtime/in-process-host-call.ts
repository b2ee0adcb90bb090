import { messageOf } from "../errors.js";
import type { HostCallName } from "../host-functions/host-services.js";
// Not from host-calls.js: that would load the whole SDK (validator included) into every plugin worker.
import { HostCallError } from "../host-functions/host-call-error.js";
import type { GuestHostCalls } from "../host-functions/host-function-table.js";
import type { MaybePromise } from "../services/types.js";

/**
 * Runs a host function for a guest that runs on the host's thread (component and Extism
 * plugins): the guest waits synchronously, so a service that answers with a promise cannot be
 * waited for. Every failure comes back as a HostCallError and is kept for `last_error`.
 */
export function hostCallNow<T>(calls: GuestHostCalls, fn: HostCallName, body: () => MaybePromise<T>): T {
  try {
    const value = body();
    if (value instanceof Promise) {
      value.catch(() => {});
      throw new HostCallError("E_SERVICE", `${fn} needs an asynchronous service, which a plugin running on the host's thread cannot wait for; run the plugin isolated (the default), or use the embedded services`);
    }
    return value;
  } catch (error) {
    const hostError = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", `${fn} failed: ${messageOf(error)}`);
    calls.lastError = hostError.envelope;
    throw hostError;
  }
}
