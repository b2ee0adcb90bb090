import { relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { checkGoatflowModule, type GoatflowProblem } from "@goatkit/sdk/goatflow-runtime";
import { EXIT, GkError } from "../../errors.js";
import { checkTarget, manifestProblems, readGoatflowInput } from "./goatflow-target.js";

export const checkCommand = defineCommand({
  meta: {
    name: "check",
    description: "Check a plugin against another host's runtime (--target goatflow), calling its routes and widgets",
  },
  args: {
    path: { type: "positional", description: "Plugin folder or .wasm file", required: false, default: "." },
    target: { type: "string", description: "The host to check against: goatflow", required: true },
    wasm: { type: "string", description: "The module to check, when it is not the manifest's (for example a separate GoatFlow build)" },
    timeout: { type: "string", description: "Give up on a call after this many milliseconds and report it (GoatFlow never stops one); default 30000, GoatFlow's limit", default: "30000" },
    skip: { type: "string", description: "Handlers not to call, comma-separated" },
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  async run({ args }) {
    checkTarget(args.target, "gk plugin check");
    const input = await readGoatflowInput(resolve(args.path), args.wasm ? resolve(args.wasm) : undefined);
    const timeout = Number(args.timeout);
    if (!Number.isInteger(timeout) || timeout < 1) throw new GkError(`--timeout must be a whole number of milliseconds, not "${args.timeout}"`, EXIT.USAGE);
    const report = await checkGoatflowModule(input.bytes, { skip: (args.skip ?? "").split(",").filter(Boolean), callTimeoutMs: timeout });
    const problems: GoatflowProblem[] = [...(input.manifest ? manifestProblems(input.manifest) : []), ...report.problems];
    if (input.manifest && report.registration && report.registration.name !== input.manifest.name) {
      problems.push({ severity: "error", where: "registration", message: `gk_register names the plugin "${report.registration.name}", the manifest "${input.manifest.name}"; GoatFlow reads only gk_register` });
    }
    const errors = problems.filter((p) => p.severity === "error");
    const warnings = problems.filter((p) => p.severity === "warning");
    if (args.json) {
      console.log(JSON.stringify({ ok: errors.length === 0, file: input.wasmPath, problems, registration: report.registration, calls: report.calls, memoryPages: report.memoryPages }, null, 2));
    } else {
      const where = relative(process.cwd(), input.wasmPath) || input.wasmPath;
      const reg = report.registration;
      console.log(reg ? `${where}: loads on GoatFlow's runtime as ${reg.name || "(no name)"} ${reg.version}` : `${where}: does not load on GoatFlow's runtime`);
      for (const call of report.calls) console.log(`  ${call.where} -> ${call.handler}: ${call.error ? "failed" : call.answer === null ? "no answer" : `${call.answer.length} bytes`}${call.hostCalls.length ? ` (host_call ${call.hostCalls.map((h) => h.name).join(", ")}; every host_call answers 0 in the check)` : ""}`);
      for (const p of problems) console.log(`${p.severity}: ${p.where}: ${p.message}`);
      console.log(`${errors.length} error(s), ${warnings.length} warning(s)`);
    }
    if (errors.length > 0) throw new GkError(`${errors.length} problem(s) GoatFlow would fail on; see above`);
  },
});
