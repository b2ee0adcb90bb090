import { sign } from "node:crypto";
import { parseSigningKey, type SigningKey } from "./keys.js";
import { SIGNATURE_FILE } from "./layout.js";
import { readPackage, type ReadPackageOptions } from "./read-package.js";
import { serializeSignature, signedMessage, SIGNATURE_FORMAT, type SignatureRecord } from "./signature-file.js";
import { writeZip } from "./zip-writer.js";

/** Signs an integrity digest: the content of `goatkit-signature.json`. */
export function signIntegrity(digest: string, key: SigningKey): SignatureRecord {
  return {
    format: SIGNATURE_FORMAT,
    algorithm: "ed25519",
    key_id: key.keyId,
    public_key: key.publicKey.compact,
    digest,
    signature: sign(null, signedMessage(digest), key.privateKey).toString("base64"),
  };
}

export interface SignPackageResult {
  bytes: Uint8Array;
  keyId: string;
  /** Key id of the signature this one replaced, if the package was signed before. */
  replaced: string | null;
}

/**
 * Signs a package: checks it (its integrity must hold; any earlier signature is replaced,
 * not checked) and writes it again with `goatkit-signature.json`.
 *
 * @example
 * const { bytes } = signPackage(await readFile("faq-1.0.0.zip"), await readFile("goatkit-signing.key", "utf8"));
 */
export function signPackage(bytes: Uint8Array, signingKey: string | SigningKey, options: Omit<ReadPackageOptions, "trust"> = {}): SignPackageResult {
  const key = typeof signingKey === "string" ? parseSigningKey(signingKey) : signingKey;
  const pkg = readPackage(bytes, { ...options, trust: { policy: "off" } });
  const previous = pkg.files.get(SIGNATURE_FILE);
  const files = new Map(pkg.files);
  files.set(SIGNATURE_FILE, serializeSignature(signIntegrity(pkg.integrity.digest, key)));
  return { bytes: writeZip(files), keyId: key.keyId, replaced: previous ? keyIdIn(previous) : null };
}

function keyIdIn(signatureFile: Uint8Array): string {
  try {
    const { key_id } = JSON.parse(new TextDecoder().decode(signatureFile)) as { key_id?: unknown };
    return typeof key_id === "string" ? key_id : "(unknown key)";
  } catch {
    return "(unreadable signature)";
  }
}
