/**
 * `@goatkit/sdk/goatflow-runtime`: a test runtime that loads WebAssembly modules the way
 * GoatFlow's own runtime does, and a check that says whether a module works there
 * (docs/goatflow.md, "Testing against GoatFlow's runtime").
 */
export {
  GoatflowRuntime,
  GoatflowCallError,
  GoatflowLoadError,
  GOATFLOW_MEMORY_PAGES,
  GOATFLOW_CALL_TIMEOUT_MS,
  GOATFLOW_LOG_LEVELS,
  type GoatflowRuntimeOptions,
  type GoatflowCallResult,
  type HostCallHandler,
  type HostCallRecord,
  type LogRecord,
} from "./runtime.js";
export type { GoatflowLoadErrorCode } from "./load-checks.js";
export {
  checkGoatflowModule,
  goatflowRouteArgs,
  type GoatflowCheckOptions,
  type GoatflowCheckReport,
  type GoatflowCheckedCall,
  type GoatflowProblem,
  type GoatflowProblemSeverity,
} from "./check.js";
export {
  parseGoatflowRegistration,
  type GoatflowRegistration,
  type GoatflowRoute,
  type GoatflowWidget,
  type GoatflowJob,
  type GoatflowMenuItem,
  type GoatflowPermission,
  type ParsedRegistration,
} from "./registration.js";
export { isGoatflowModule } from "./detect.js";
export { FAKE_EPOCH_NS } from "./wasi.js";
