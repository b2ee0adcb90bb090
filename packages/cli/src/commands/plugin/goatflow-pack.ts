/**
 * `gk plugin pack --target goatflow`: the zip GoatFlow installs. `<name>.wasm` (GoatFlow names a
 * WebAssembly plugin by its file name), `plugin.yaml` (what GoatFlow's `wip` upload reads),
 * `manifest.json` (the registration, what v0.6.5's upload reads) and, with a signing key,
 * `<name>.wasm.sig`: hex Ed25519 over the SHA-256 of the module, GoatFlow's signature file.
 */
import { createHash, sign } from "node:crypto";
import { stringify } from "yaml";
import { PackageError, parseSigningKey, writeZip } from "@goatkit/host";
import { GoatflowRuntime, GoatflowLoadError } from "@goatkit/sdk/goatflow-runtime";
import { GkError } from "../../errors.js";
import { goatflowPermissions, requireGoatflowModule, type GoatflowInput } from "./goatflow-target.js";

export interface GoatflowPack {
  name: string;
  version: string;
  fileName: string;
  bytes: Uint8Array;
  files: string[];
  keyId: string | null;
}

/** The signature GoatFlow checks beside a module: hex(Ed25519(SHA-256(bytes))), no newline. */
export function goatflowSignature(bytes: Uint8Array, privateKeyPem: string): { hex: string; keyId: string } {
  let key;
  try {
    key = parseSigningKey(privateKeyPem);
  } catch (error) {
    if (error instanceof PackageError) throw new GkError(error.message);
    throw error;
  }
  const digest = createHash("sha256").update(bytes).digest();
  return { hex: sign(null, digest, key.privateKey).toString("hex"), keyId: key.keyId };
}

export async function packForGoatflow(input: GoatflowInput, signingKey?: string): Promise<GoatflowPack> {
  requireGoatflowModule(input);
  let runtime: GoatflowRuntime;
  try {
    runtime = await GoatflowRuntime.load(input.bytes);
  } catch (error) {
    if (error instanceof GoatflowLoadError) throw new GkError(`${input.wasmPath}: GoatFlow would not load it: ${error.message}`);
    throw error;
  }
  const reg = runtime.registration;
  if (!reg.name || !/^[a-z0-9][a-z0-9_-]*$/.test(reg.name)) {
    throw new GkError(`gk_register names the plugin ${JSON.stringify(reg.name)}; GoatFlow's package needs a name of lower-case letters, digits, - and _ (it becomes the file and folder name)`);
  }
  if (!reg.version) throw new GkError(`gk_register gives no version; GoatFlow's package needs one (set "version" in the registration)`);
  const manifest = input.manifest;
  if (manifest && manifest.name !== reg.name) {
    throw new GkError(`gk_register names the plugin "${reg.name}", the manifest "${manifest.name}": rebuild it (gk plugin build --target goatflow) so they agree`);
  }
  const wasmName = `${reg.name}.wasm`;
  const yaml: Record<string, unknown> = { name: reg.name, version: reg.version, runtime: "wasm", wasm: wasmName };
  for (const field of ["description", "author", "license", "homepage"] as const) if (reg[field]) yaml[field] = reg[field];
  const permissions = manifest ? goatflowPermissions(manifest) : (reg.resources?.permissions ?? []);
  if (permissions.length > 0) yaml.resources = { permissions: permissions.map((p) => ({ type: p.type, ...(p.access ? { access: p.access } : {}), ...(p.scope?.length ? { scope: p.scope } : {}) })) };

  const rawRegistration = runtime.registrationText;
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>([
    [wasmName, input.bytes],
    ["plugin.yaml", encoder.encode(stringify(yaml))],
    ["manifest.json", encoder.encode(`${JSON.stringify(JSON.parse(rawRegistration), null, 2)}\n`)],
  ]);
  let keyId: string | null = null;
  if (signingKey) {
    const signature = goatflowSignature(input.bytes, signingKey);
    files.set(`${wasmName}.sig`, encoder.encode(signature.hex));
    keyId = signature.keyId;
  }
  return { name: reg.name, version: reg.version, fileName: `${reg.name}-${reg.version}-goatflow.zip`, bytes: writeZip(files), files: [...files.keys()].sort(), keyId };
}
