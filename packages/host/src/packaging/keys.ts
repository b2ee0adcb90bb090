import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { PackageError } from "./package-error.js";

/** An Ed25519 public key and its id (docs/packages.md, "Keys"). */
export interface PublicKey {
  /** First 8 bytes of SHA-256 of the raw 32-byte key, lower-case hex (16 characters). */
  keyId: string;
  /** The raw 32-byte key in base64 (44 characters): the compact form admins paste into config. */
  compact: string;
  key: KeyObject;
}

/** An Ed25519 private key, with its public half. */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: PublicKey;
}

/** A new key pair, as the text a user stores: the private key in PEM, the public key in both forms. */
export interface GeneratedKeyPair {
  keyId: string;
  /** PKCS#8 PEM; keep it secret. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
  /** Raw base64, as in {@link PublicKey.compact}. */
  publicKey: string;
}

/** Generates an Ed25519 key pair for signing packages. */
export function generateKeyPair(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const pub = publicKeyFrom(publicKey);
  return {
    keyId: pub.keyId,
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    publicKey: pub.compact,
  };
}

/** The id of a raw 32-byte Ed25519 public key. */
export function keyIdOf(raw: Uint8Array): string {
  return createHash("sha256").update(raw).digest().subarray(0, 8).toString("hex");
}

/**
 * Reads a public key given as SPKI PEM, as the compact base64 of its 32 raw bytes, or as those
 * bytes in hex (64 characters: how GoatFlow's signing tools print an Ed25519 key).
 */
export function parsePublicKey(text: string): PublicKey {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return rawPublicKey(Buffer.from(trimmed, "hex"));
  if (trimmed.startsWith("-----BEGIN")) {
    let key: KeyObject;
    try {
      key = createPublicKey(trimmed);
    } catch (error) {
      throw new PackageError("E_KEY_INVALID", `the public key PEM cannot be read: ${(error as Error).message}`, "paste the whole PEM block (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----), or the key's 44-character base64 form");
    }
    if (key.asymmetricKeyType !== "ed25519") throw new PackageError("E_KEY_INVALID", `the public key is a ${key.asymmetricKeyType ?? "unknown"} key, not Ed25519`, "create an Ed25519 key with `gk plugin keygen`");
    return publicKeyFrom(key);
  }
  const raw = Buffer.from(trimmed, "base64");
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed) || raw.byteLength !== 32) {
    throw new PackageError("E_KEY_INVALID", `${JSON.stringify(abbreviate(trimmed))} is not an Ed25519 public key`, "give the key's 44-character base64 form (as `gk plugin keygen` prints it), its 64-character hex form or its PEM block");
  }
  return rawPublicKey(raw);
}

function rawPublicKey(raw: Buffer): PublicKey {
  return publicKeyFrom(createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" }));
}

/** Reads a PKCS#8 PEM Ed25519 private key (as `generateKeyPair` writes it). */
export function parseSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new PackageError("E_KEY_INVALID", `the signing key cannot be read: ${(error as Error).message}`, "give the private key file `gk plugin keygen` wrote (PEM, -----BEGIN PRIVATE KEY-----)");
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new PackageError("E_KEY_INVALID", `the signing key is a ${privateKey.asymmetricKeyType ?? "unknown"} key, not Ed25519`, "create an Ed25519 key with `gk plugin keygen`");
  const publicKey = publicKeyFrom(createPublicKey(privateKey));
  return { keyId: publicKey.keyId, privateKey, publicKey };
}

/** Reads a list of trusted keys (PEM or compact), keyed by key id; duplicates collapse. */
export function parseTrustedKeys(keys: ReadonlyArray<string | PublicKey>): Map<string, PublicKey> {
  const byId = new Map<string, PublicKey>();
  for (const entry of keys) {
    const key = typeof entry === "string" ? parsePublicKey(entry) : entry;
    byId.set(key.keyId, key);
  }
  return byId;
}

function publicKeyFrom(key: KeyObject): PublicKey {
  const x = key.export({ format: "jwk" }).x;
  if (typeof x !== "string") throw new PackageError("E_KEY_INVALID", "the key has no Ed25519 public part", "create an Ed25519 key with `gk plugin keygen`");
  const raw = Buffer.from(x, "base64url");
  return { keyId: keyIdOf(raw), compact: raw.toString("base64"), key };
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
