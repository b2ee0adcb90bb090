/** Whether compiled module bytes target GoatFlow's ABI: they export gk_call and gk_malloc, or import from `gk`. */
export function isGoatflowModule(bytes: Uint8Array): boolean {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  return (exports.has("gk_call") && exports.has("gk_malloc")) || WebAssembly.Module.imports(module).some((i) => i.module === "gk");
}
