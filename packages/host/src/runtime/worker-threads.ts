import { GoatKitError } from "../errors.js";
import { existsSync } from "node:fs";

/**
 * Node flags for the host's worker threads: the host process's own, minus those a worker
 * refuses (`--input-type` is only for code given on the command line, as `node -e` uses).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !arg.startsWith("--input-type"));
}

/**
 * A worker script (`plugin-worker`, `fetch-worker`): beside this module in the built package;
 * from the sources (tests), the built copy, since Node 20 cannot start a worker from TypeScript.
 */
export function workerScript(name: string): URL {
  const sibling = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(sibling)) return sibling;
  const built = new URL(`../../dist/${name}.js`, import.meta.url);
  if (existsSync(built)) return built;
  throw new GoatKitError("E_NOT_BUILT", `the ${name} script is missing; build @goatkit/host first (pnpm build)`, { fix: "build @goatkit/host first (pnpm build)" });
}
