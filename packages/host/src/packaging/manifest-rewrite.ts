import { parseDocument } from "yaml";
import { PACKAGE_WASM } from "./layout.js";
import { PackageError } from "./package-error.js";

/**
 * Points a manifest at `plugin.wasm` for packing: `wasm` becomes `"plugin.wasm"` and `build`
 * is removed (its output path does not exist in a package, and a package has no sources to
 * build). Everything else keeps its text: JSON is edited in place, YAML through the yaml
 * library's document model, which keeps comments and key order.
 */
export function pointManifestAtPackageWasm(text: string, format: "json" | "yaml", file: string): string {
  return format === "json" ? rewriteJson(text, file) : rewriteYaml(text);
}

function rewriteYaml(text: string): string {
  const document = parseDocument(text);
  document.set("wasm", PACKAGE_WASM);
  document.delete("build");
  return document.toString();
}

/**
 * Points a gRPC plugin's manifest at its packed executable: `grpc.binary` becomes `name`, the
 * rest of the grpc section stays, and `build` is removed, as for a module.
 */
export function pointManifestAtPackageExecutable(text: string, format: "json" | "yaml", file: string, name: string): string {
  if (format === "yaml") {
    const document = parseDocument(text);
    document.setIn(["grpc", "binary"], name);
    document.delete("build");
    return document.toString();
  }
  const members = topLevelMembers(text, file);
  const grpc = members.find((m) => m.key === "grpc")!;
  const build = members.find((m) => m.key === "build");
  const section = { ...(JSON.parse(text.slice(grpc.valueStart, grpc.end)) as Record<string, unknown>), binary: name };
  const edits = [{ from: grpc.valueStart, to: grpc.end, text: JSON.stringify(section) }];
  if (build) edits.push(removal(members, build));
  let out = text;
  for (const edit of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, edit.from) + edit.text + out.slice(edit.to);
  return out;
}

interface Member {
  key: string;
  /** Index of the key's opening quote. */
  start: number;
  valueStart: number;
  /** Index just past the value. */
  end: number;
}

function rewriteJson(text: string, file: string): string {
  const members = topLevelMembers(text, file);
  const wasm = members.find((m) => m.key === "wasm");
  const build = members.find((m) => m.key === "build");
  const edits: Array<{ from: number; to: number; text: string }> = [];
  if (wasm) {
    edits.push({ from: wasm.valueStart, to: wasm.end, text: JSON.stringify(PACKAGE_WASM) });
    if (build) edits.push(removal(members, build));
  } else if (build) {
    // Take build's place, so the module path sits where the build section was.
    edits.push({ from: build.start, to: build.end, text: `"wasm": ${JSON.stringify(PACKAGE_WASM)}` });
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, edit.from) + edit.text + out.slice(edit.to);
  return out;
}

/** The span that removes a member and one of the commas around it. */
function removal(members: readonly Member[], member: Member): { from: number; to: number; text: string } {
  const index = members.indexOf(member);
  const next = members[index + 1];
  if (next) return { from: member.start, to: next.start, text: "" };
  const previous = members[index - 1];
  if (!previous) return { from: member.start, to: member.end, text: "" };
  return { from: previous.end, to: member.end, text: "" };
}

/** The members of the top-level object, with their spans; the text is known to be valid JSON. */
function topLevelMembers(text: string, file: string): Member[] {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /[\s\uFEFF]/.test(text[at]!)) at++;
  };
  const skipString = () => {
    at++;
    while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
  };
  const skipValue = () => {
    const first = text[at];
    if (first === '"') return skipString();
    if (first !== "{" && first !== "[") {
      while (at < text.length && !/[\s,}\]]/.test(text[at]!)) at++;
      return;
    }
    let depth = 0;
    do {
      const c = text[at];
      if (c === '"') {
        skipString();
        continue;
      }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") depth--;
      at++;
    } while (depth > 0 && at < text.length);
  };

  skipSpace();
  if (text[at] !== "{") throw new PackageError("E_PACK_SOURCE", `${file} is not a JSON object`, "write the manifest as one JSON object");
  at++;
  const members: Member[] = [];
  for (;;) {
    skipSpace();
    if (text[at] === "}") break;
    const start = at;
    skipString();
    const key = JSON.parse(text.slice(start, at)) as string;
    skipSpace();
    at++; // ":"
    skipSpace();
    const valueStart = at;
    skipValue();
    members.push({ key, start, valueStart, end: at });
    skipSpace();
    if (text[at] === ",") at++;
  }
  const keys = members.map((m) => m.key);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i && (k === "wasm" || k === "build"));
  if (repeated) throw new PackageError("E_PACK_SOURCE", `${file} has the key ${JSON.stringify(repeated)} twice`, "keep one of them");
  return members;
}
