import { SIGNATURE_FILE } from "./layout.js";
import { PackageError } from "./package-error.js";

export const SIGNATURE_FORMAT = "goatkit-signature/1";

/** The content of `goatkit-signature.json` (docs/packages.md, "Signature file"). */
export interface SignatureRecord {
  format: typeof SIGNATURE_FORMAT;
  algorithm: "ed25519";
  /** Id of the signing key (see keys.ts). */
  key_id: string;
  /** The signer's public key, compact base64; it names the key to trust, it does not make it trusted. */
  public_key: string;
  /** The integrity digest that was signed. */
  digest: string;
  /** Ed25519 signature of {@link signedMessage}(digest), base64. */
  signature: string;
}

/**
 * The bytes an Ed25519 signature covers: a fixed prefix and the digest in hex, so a package
 * signature can never be replayed as a signature of anything else made with the same key.
 */
export function signedMessage(digest: string): Uint8Array {
  return new TextEncoder().encode(`${SIGNATURE_FORMAT}:${digest}`);
}

export function serializeSignature(record: SignatureRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
}

/** Reads `goatkit-signature.json`; only its shape is checked here, not the signature. */
export function parseSignature(bytes: Uint8Array, label: string): SignatureRecord {
  const invalid = (why: string) => new PackageError("E_SIGNATURE_INVALID", `${label}: ${SIGNATURE_FILE} ${why}`, "sign the package again with `gk plugin sign`");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("is not a JSON object");
  const record = value as Record<string, unknown>;
  if (record.format !== SIGNATURE_FORMAT) throw invalid(`has format ${JSON.stringify(record.format)}; this host reads ${JSON.stringify(SIGNATURE_FORMAT)}`);
  if (record.algorithm !== "ed25519") throw invalid(`uses algorithm ${JSON.stringify(record.algorithm)}; this host verifies "ed25519" only`);
  if (typeof record.key_id !== "string" || !/^[0-9a-f]{16}$/.test(record.key_id)) throw invalid(`has no "key_id" (16 lower-case hex digits)`);
  if (typeof record.public_key !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(record.public_key)) throw invalid(`has no "public_key" (44 characters of base64)`);
  if (typeof record.digest !== "string" || !/^[0-9a-f]{64}$/.test(record.digest)) throw invalid(`has no "digest" (64 lower-case hex digits)`);
  if (typeof record.signature !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(record.signature)) throw invalid(`has no "signature" (88 characters of base64)`);
  return {
    format: SIGNATURE_FORMAT,
    algorithm: "ed25519",
    key_id: record.key_id,
    public_key: record.public_key,
    digest: record.digest,
    signature: record.signature,
  };
}
