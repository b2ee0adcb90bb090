/**
 * Which ABI the module is compiled for. `gk plugin build --target goatflow` compiles with
 * `asc --use GK_TARGET_GOATFLOW=1`, and the host wrappers then speak GoatFlow's `gk.host_call`
 * instead of the core ABI's `host.*` imports (docs/goatflow.md, "Building for GoatFlow"). The
 * constant is known at compile time, so the other ABI's imports never reach the module.
 */
// @ts-ignore: GK_TARGET_GOATFLOW is defined by the compiler flag, not in source
export const GOATFLOW: bool = isDefined(GK_TARGET_GOATFLOW);
