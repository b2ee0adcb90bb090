import { readFile } from "node:fs/promises";
import { defineCommand } from "citty";
import { inspectModule } from "@goatkit/host";
import { GkError } from "../../errors.js";

export const inspectCommand = defineCommand({
  meta: { name: "inspect", description: "Show what a .wasm is: binding, exports, imports and their permissions, memory, custom sections" },
  args: {
    wasm: { type: "positional", description: "A .wasm file", required: true },
    json: { type: "boolean", description: "Print JSON instead of text" },
  },
  async run({ args }) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(args.wasm));
    } catch {
      throw new GkError(`${args.wasm}: no such file`);
    }
    let info;
    try {
      info = inspectModule(bytes);
    } catch (error) {
      throw new GkError(`${args.wasm}: not a WebAssembly module: ${(error as Error).message}`);
    }
    if (args.json) {
      console.log(JSON.stringify(info, null, 2));
      return;
    }
    const pages = (n: number | null) => (n === null ? "unbounded" : `${n} pages (${((n * 65536) / 1048576).toFixed(2)} MiB)`);
    const lines = [
      `binding   ${info.binding === "core" ? "GoatKit core ABI" : info.binding}`,
      `size      ${info.size} bytes (${(info.size / 1024).toFixed(1)} KiB)`,
      ...(info.script
        ? [
            `script    ${(info.script.bytes / 1024).toFixed(1)} KiB of JavaScript for the host's shared ${info.script.engine} engine`,
            `handlers  ${info.script.handlers.length}`,
            ...info.script.handlers.map((h) => `  ${h}`),
          ]
        : []),
      `memory    ${info.memory ? `${info.memory.source}, initial ${pages(info.memory.initial)}, maximum ${pages(info.memory.maximum)}` : "none"}`,
      `exports   ${info.exports.length}`,
      ...info.exports.map((e) => `  ${e.kind.padEnd(9)} ${e.name}`),
      `imports   ${info.imports.length}`,
      ...info.imports.map((i) => {
        const note = !i.known ? "  (not provided by this host)" : i.permission ? `  needs ${i.permission}` : i.permission === null ? "  always allowed" : "";
        return `  ${i.kind.padEnd(9)} ${i.module}.${i.name}${note}`;
      }),
      `custom sections ${info.customSections.length}`,
      ...info.customSections.map((s) => `  ${s.name} (${s.size} bytes)`),
      "signature not applicable to a bare .wasm; sign the package (gk plugin pack, gk plugin sign)",
    ];
    console.log(lines.join("\n"));
  },
});
