import { createHash, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { PublicKey } from "./keys.js";
import type { SignatureCheck } from "./verify.js";

/**
 * GoatFlow's signature beside a plugin file (docs/goatflow.md, "Signatures"): `<file>.sig` holds
 * the hex of an Ed25519 signature over the SHA-256 digest of the file. It names no key, so every
 * trusted key is tried. The outcome follows the same policy as our packages' signatures
 * (docs/packages.md): `required` refuses a file no trusted key signed; otherwise it loads, with a
 * warning when the signature is missing or made by an unknown key. A `.sig` that is not a
 * signature at all is refused either way.
 */
export async function checkGoatflowSignature(file: string, trustedKeys: readonly PublicKey[], required: boolean): Promise<SignatureCheck> {
  const label = basename(file);
  const sigText = await readFile(`${file}.sig`, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (sigText === null) {
    if (required) throw new GoatflowSignatureError(`${label} is not signed: there is no ${label}.sig beside it, and this host requires signatures; sign it with a trusted key (GoatFlow's signing tool writes <file>.sig)`);
    return { status: "unsigned", warning: `${label} is not signed (no ${label}.sig)` };
  }
  const hex = sigText.trim();
  if (!/^[0-9a-fA-F]{128}$/.test(hex)) {
    throw new GoatflowSignatureError(`${label}.sig is not a GoatFlow signature (the hex of a 64-byte Ed25519 signature); sign ${label} again`);
  }
  const digest = createHash("sha256").update(await readFile(file)).digest();
  const signature = Buffer.from(hex, "hex");
  const signer = trustedKeys.find((key) => verify(null, digest, key.key, signature));
  if (signer) return { status: "verified", keyId: signer.keyId };
  const why =
    trustedKeys.length === 0
      ? `${label}.sig cannot be checked: no trusted keys are configured`
      : `${label}.sig was not made by any of this host's ${trustedKeys.length} trusted keys over this file (the file changed after signing, or its publisher's key is not trusted)`;
  if (required) throw new GoatflowSignatureError(`${why}; this host requires signatures: add the publisher's public key to the trusted keys (hex, base64 or PEM), or get the file again from its publisher`);
  return { status: "unsigned", warning: `${why}; loading it because signatures are not required` };
}

export class GoatflowSignatureError extends Error {}
