/**
 * The GoatFlow ABI for AssemblyScript plugins (`gk plugin build --target goatflow`). The build
 * generates the entry file that uses this; plugins do not import it themselves.
 */
export { gk_malloc, gk_free, goatflowRegister, beginGoatflow, finishGoatflow, unknownHandler, GoatflowCall } from "./call";
export { GkDate, gkAbort, gkSeed, gkTrace } from "./runtime";
