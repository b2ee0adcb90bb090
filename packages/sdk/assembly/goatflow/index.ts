/**
 * The GoatFlow ABI for AssemblyScript plugins (`gk plugin build --target goatflow`). The build
 * generates the entry file that uses this; plugins do not import it themselves.
 */
export { gk_malloc, gk_free, goatflowRegister, beginGoatflow, finishGoatflow, goatflowHandler, goatflowRequestPtr, goatflowRequestLen, unknownHandler } from "./call";
export { GkDate, gkAbort, gkSeed, gkTrace } from "./runtime";
