/**
 * GoatKit guest SDK for AssemblyScript (core ABI 1). See docs/assemblyscript.md.
 *
 * A plugin's entry file must re-export the ABI exports, since asc only exports what the entry
 * file exports:
 *
 *     export { gk_alloc, gk_abi_version } from "@goatkit/sdk/assembly";
 */
export { JSON } from "./json";
export { gk_alloc, packResult, packBytes } from "./memory";
export { packJSON, packError, packTemplate, html, escapeHTML, respond, Response } from "./result";
export { Request, User, Job, Hook, parseRequest } from "./request";
export {
  host,
  ErrorCode,
  HostError,
  HostResult,
  Rows,
  ExecResult,
  CacheResult,
  HttpResult,
  EmailResult,
  JobResult,
} from "./host";
export { Registration, register, registerJSON, gk_abi_version, ABI_VERSION } from "./register";
