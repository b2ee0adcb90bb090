import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { generateKeyPair, packPlugin, PackageError, readPackage, signPackage, TRUST_POLICIES, type TrustPolicy } from "@goatkit/host";
import { EXIT, GkError } from "../../errors.js";
import { packForGoatflow } from "./goatflow-pack.js";
import { checkTarget, readGoatflowInput } from "./goatflow-target.js";

export const packCommand = defineCommand({
  meta: { name: "pack", description: "Pack a plugin folder into the GoatKit zip (manifest, plugin.wasm, templates/, static/, i18n/) with integrity hashes" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    out: { type: "string", description: "Where to write the zip (default: ./<name>-<version>.zip)" },
    key: { type: "string", description: "Sign it too, with this private key file (from gk plugin keygen)" },
    target: { type: "string", description: "Pack for another host: goatflow writes the zip GoatFlow installs (docs/goatflow.md)" },
    wasm: { type: "string", description: "With --target goatflow: the module, when it is not the manifest's" },
  },
  async run({ args }) {
    const signingKey = args.key ? await readText(args.key, "private key") : undefined;
    if (args.target !== undefined) {
      checkTarget(args.target, "gk plugin pack --target");
      const input = await readGoatflowInput(resolve(args.dir), args.wasm ? resolve(args.wasm) : undefined);
      const packed = await packForGoatflow(input, signingKey);
      const out = resolve(args.out ?? packed.fileName);
      await writeFile(out, packed.bytes);
      console.log(`${out}: ${packed.name} ${packed.version} for GoatFlow (${packed.files.join(", ")}), ${packed.bytes.byteLength} bytes, ${packed.keyId ? `signed with key ${packed.keyId}` : "unsigned (add --key to write the .sig)"}`);
      return;
    }
    const packed = await packages(() => packPlugin(resolve(args.dir), signingKey ? { signingKey } : {}));
    const out = resolve(args.out ?? packed.fileName);
    await writeFile(out, packed.bytes);
    console.log(`${out}: ${packed.manifest.name} ${packed.manifest.version}, ${packed.bytes.byteLength} bytes, ${signingKey ? "signed" : "unsigned (sign it with gk plugin sign)"}`);
  },
});

export const keygenCommand = defineCommand({
  meta: { name: "keygen", description: "Create an Ed25519 key pair for signing plugin packages" },
  args: {
    out: { type: "string", description: "File name stem: writes <stem>.key and <stem>.pub", default: "goatkit-signing" },
  },
  async run({ args }) {
    const pair = generateKeyPair();
    await writeFile(`${args.out}.key`, pair.privateKeyPem, { mode: 0o600 });
    await writeFile(`${args.out}.pub`, `${pair.publicKey}\n`);
    console.log(`key ${pair.keyId}\n  private: ${args.out}.key (keep it secret)\n  public:  ${args.out}.pub (give it to hosts as a trusted key)`);
  },
});

export const signCommand = defineCommand({
  meta: { name: "sign", description: "Sign a plugin package with an Ed25519 private key" },
  args: {
    package: { type: "positional", description: "The .zip to sign (rewritten in place)", required: true },
    key: { type: "string", description: "Private key file (from gk plugin keygen)", required: true },
  },
  async run({ args }) {
    const [bytes, key] = await Promise.all([readBytes(args.package), readText(args.key, "private key")]);
    const signed = await packages(() => signPackage(bytes, key, { label: args.package }));
    await writeFile(args.package, signed.bytes);
    console.log(`${args.package}: signed with key ${signed.keyId}${signed.replaced ? ` (replaced the signature by ${signed.replaced})` : ""}`);
  },
});

export const verifyCommand = defineCommand({
  meta: { name: "verify", description: "Check a package's integrity and signature against trusted public keys" },
  args: {
    package: { type: "positional", description: "The .zip to check", required: true },
    trust: { type: "string", description: "Trusted public key files, comma-separated" },
    policy: { type: "string", description: "require, warn or off", default: "require" },
  },
  async run({ args }) {
    const policy = args.policy as TrustPolicy;
    if (!TRUST_POLICIES.includes(policy)) throw new GkError(`--policy must be one of ${TRUST_POLICIES.join(", ")}, not "${args.policy}"`, EXIT.USAGE);
    const files = (args.trust ?? "").split(",").filter(Boolean);
    const [bytes, ...trustedKeys] = await Promise.all([readBytes(args.package), ...files.map((f) => readText(f, "public key"))]);
    const pkg = await packages(() => readPackage(bytes as Uint8Array, { trust: { policy, trustedKeys: trustedKeys as string[] }, label: args.package }));
    for (const warning of pkg.warnings) console.log(`warning: ${warning}`);
    const sig = pkg.signature;
    const status = sig.status === "verified" ? `signed by trusted key ${sig.keyId}` : sig.status;
    console.log(`${args.package}: ${pkg.manifest.name} ${pkg.manifest.version}, integrity ok (${pkg.files.size} files), ${status}`);
  },
});

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    throw new GkError(`${file}: no such file`);
  }
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new GkError(`${file}: cannot read the ${what}; create a key pair with gk plugin keygen`);
  }
}

/** Package errors already say what is wrong and how to fix it: print them as they are. */
async function packages<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PackageError) throw new GkError(error.message);
    throw error;
  }
}
