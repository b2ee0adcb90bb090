import { verify } from "node:crypto";
import { parsePublicKey, parseTrustedKeys, type PublicKey } from "./keys.js";
import { SIGNATURE_FILE } from "./layout.js";
import { PackageError } from "./package-error.js";
import { parseSignature, signedMessage, type SignatureRecord } from "./signature-file.js";

/**
 * What to do about package signatures:
 * - `require`: refuse unsigned packages and packages signed by a key not in `trustedKeys`;
 * - `warn`: load them with a warning (a signature that does not verify is still refused);
 * - `off`: ignore signatures.
 */
export type TrustPolicy = "require" | "warn" | "off";

export const TRUST_POLICIES: readonly TrustPolicy[] = ["require", "warn", "off"];

export interface TrustOptions {
  /** Default `warn`. */
  policy?: TrustPolicy;
  /** Public keys whose signatures are trusted: PEM, compact base64, or parsed keys. */
  trustedKeys?: ReadonlyArray<string | PublicKey>;
}

/** The outcome of checking a package's signature under a trust policy. */
export type SignatureCheck =
  | { status: "verified"; keyId: string }
  | { status: "unsigned"; warning: string }
  | { status: "untrusted"; keyId: string; publicKey: string; warning: string }
  | { status: "skipped" };

/**
 * Checks the signature (the bytes of `goatkit-signature.json`, or undefined when there is
 * none) of a package whose integrity digest is `digest`; throws a PackageError when the
 * policy refuses it.
 */
export function checkSignature(label: string, digest: string, signatureBytes: Uint8Array | undefined, trust: TrustOptions = {}): SignatureCheck {
  const policy = trust.policy ?? "warn";
  if (!TRUST_POLICIES.includes(policy)) {
    throw new PackageError("E_SIGNATURE_INVALID", `unknown trust policy ${JSON.stringify(policy)}`, `use one of ${TRUST_POLICIES.map((p) => JSON.stringify(p)).join(", ")}`);
  }
  if (policy === "off") return { status: "skipped" };

  if (!signatureBytes) {
    const problem = `${label} is not signed`;
    const fix = "sign it with `gk plugin sign --key <private key> <package>`";
    if (policy === "require") throw new PackageError("E_PACKAGE_UNSIGNED", `${problem}, and the trust policy is "require"`, `${fix}, or set the trust policy to "warn" to load unsigned packages`);
    return { status: "unsigned", warning: `${problem}; loading it because the trust policy is "warn". To verify its origin, ${fix}` };
  }

  const record = parseSignature(signatureBytes, label);
  if (record.digest !== digest) {
    throw new PackageError(
      "E_SIGNATURE_INVALID",
      `${label}: ${SIGNATURE_FILE} signs digest ${record.digest} but the package's digest is ${digest}: the package changed after it was signed`,
      "do not install this package; get it again from its publisher, or sign the package again with `gk plugin sign`",
    );
  }
  const trusted = parseTrustedKeys(trust.trustedKeys ?? []).get(record.key_id);
  if (trusted) {
    if (!verifies(record, trusted)) throw badSignature(label, record, "the trusted key");
    return { status: "verified", keyId: record.key_id };
  }

  // Untrusted: still verify with the key the file names, so a damaged or forged signature is
  // refused under "warn" too.
  const embedded = readEmbeddedKey(record, label);
  if (!verifies(record, embedded)) throw badSignature(label, record, "the key it names");
  const addKey = `add key ${record.key_id} (public key ${record.public_key}) to the trusted keys`;
  if (policy === "require") {
    throw new PackageError("E_SIGNATURE_UNTRUSTED", `${label} is signed by key ${record.key_id}, which is not a trusted key`, `if you trust its publisher, ${addKey}; otherwise do not install it`);
  }
  return {
    status: "untrusted",
    keyId: record.key_id,
    publicKey: record.public_key,
    warning: `${label} is signed by key ${record.key_id}, which is not a trusted key; loading it because the trust policy is "warn". If you trust its publisher, ${addKey}`,
  };
}

function readEmbeddedKey(record: SignatureRecord, label: string): PublicKey {
  const key = parsePublicKey(record.public_key);
  if (key.keyId !== record.key_id) {
    throw new PackageError("E_SIGNATURE_INVALID", `${label}: ${SIGNATURE_FILE} names key ${record.key_id} but carries the public key of ${key.keyId}`, "sign the package again with `gk plugin sign`");
  }
  return key;
}

function verifies(record: SignatureRecord, key: PublicKey): boolean {
  return verify(null, signedMessage(record.digest), key.key, Buffer.from(record.signature, "base64"));
}

function badSignature(label: string, record: SignatureRecord, which: string): PackageError {
  return new PackageError(
    "E_SIGNATURE_INVALID",
    `${label}: the signature in ${SIGNATURE_FILE} does not verify with ${which} (${record.key_id})`,
    "do not install this package; get it again from its publisher, or sign the package again with `gk plugin sign`",
  );
}
