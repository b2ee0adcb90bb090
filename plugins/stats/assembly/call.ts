/**
 * The start of every handler, and what one call may read.
 *
 * The plugin is built with AssemblyScript's `minimal` runtime (asconfig.json): about 30 KB
 * smaller than the `incremental` one, whose shadow stack instruments every function. Its
 * collector never runs by itself, because it cannot see references held on the wasm stack; it
 * may only run when nothing is there. The first line of a handler is such a point, so each call
 * first frees what earlier calls left behind. What a call allocates stays until the next call,
 * so a call may read at most `TICKETS_PER_CALL` ticket rows.
 */
import { Request, parseRequest } from "@goatkit/sdk/assembly";

// ASC_RUNTIME is 0 (stub), 1 (minimal) or 2 (incremental), as in assemblyscript/std/assembly/shared/runtime.ts.
const MINIMAL_RUNTIME = 1;

/** About 2 KB of garbage each: 100,000 rows stay well inside the default 256 MiB memory limit. */
export const TICKETS_PER_CALL: i32 = 100_000;

let ticketsRead: i32 = 0;

/** Collects garbage (minimal runtime only; the incremental one collects by itself) and parses the request. */
export function startCall(reqPtr: u32, reqLen: u32): Request {
  if (ASC_RUNTIME == MINIMAL_RUNTIME) __collect();
  ticketsRead = 0;
  return parseRequest(reqPtr, reqLen);
}

/** Counts ticket rows read in this call; false once there are more than `TICKETS_PER_CALL`. */
export function readTickets(count: i32): bool {
  ticketsRead += count;
  return ticketsRead <= TICKETS_PER_CALL;
}
