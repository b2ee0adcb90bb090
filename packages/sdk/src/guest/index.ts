/**
 * The TypeScript guest SDK: what plugin code imports. The same API as the AssemblyScript SDK
 * (docs/assemblyscript.md), in TypeScript idiom; the build links it to the component or the
 * Extism binding (docs/typescript.md).
 */
export { definePlugin, type Handler, type PluginDefinition } from "./plugin.js";
export { Registration, type RegistrationDocument } from "./registration.js";
export { Request, type RequestKind, type User, type Job, type Hook } from "./request.js";
export { packResult, packJSON, packError, packTemplate, html, escapeHTML, respond, Response, type HandlerResult } from "./result.js";
export {
  host,
  type SqlValue,
  type Row,
  type LogLevel,
  type ExecResult,
  type HttpResult,
  type EmailAttachment,
  type EmailResult,
  type JobResult,
} from "./host.js";
export { HostError, PermissionDeniedError, InvalidArgumentError, LimitExceededError, ServiceError, PluginError } from "./errors.js";
export { FieldErrors } from "./field-errors.js";
export { useHostBinding, type HostBinding } from "./host-binding.js";
export { ABI_VERSION, ERROR_CODES } from "../abi.js";
