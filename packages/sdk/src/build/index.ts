export { buildPlugin, GUEST_BINDINGS, type BuildOptions, type BuildResult, type BuildTarget, type GuestBinding } from "./build-plugin.js";
export { BuildError, type BuildErrorCode } from "./build-error.js";
export { findExtismJs, extismInterface } from "./extism-js.js";
export type { BuildProgress, BuildStep, ProgressListener } from "./progress.js";
export { findHostCalls, type HostCall } from "./host-calls.js";
export { buildGoatflow, type GoatflowBuildOptions, type GoatflowBuildResult } from "./goatflow/build.js";
export { type GoatflowIssue, memoryLimits } from "./goatflow/checks.js";
