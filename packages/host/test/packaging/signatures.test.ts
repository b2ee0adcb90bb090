import { createHash, createPublicKey, sign } from "node:crypto";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import {
  checkSignature,
  extractPackage,
  generateKeyPair,
  packPlugin,
  PackageError,
  parsePublicKey,
  parseSigningKey,
  readPackage,
  signPackage,
  type GeneratedKeyPair,
  type PackResult,
} from "../../src/packaging/index.js";
import { kitchenSinkFolder, listTree, removeTemps, rezip, tempDir } from "./support.js";

let publisher: GeneratedKeyPair;
let stranger: GeneratedKeyPair;
let unsigned: PackResult;
let signed: PackResult;

beforeAll(async () => {
  publisher = generateKeyPair();
  stranger = generateKeyPair();
  const dir = await kitchenSinkFolder();
  unsigned = await packPlugin(dir);
  signed = await packPlugin(dir, { signingKey: publisher.privateKeyPem });
});
afterAll(removeTemps);

const label = "kitchen-sink-1.0.0.zip";

function refusal(action: () => unknown): PackageError {
  try {
    action();
  } catch (error) {
    if (error instanceof PackageError) return error;
    throw error;
  }
  throw new Error("the package was accepted");
}

describe("keys", () => {
  it("gives a key id of the first 8 bytes of SHA-256 of the raw public key, the same for PEM and compact forms", () => {
    const raw = Buffer.from(createPublicKey(publisher.publicKeyPem).export({ format: "jwk" }).x!, "base64url");
    expect(publisher.keyId).toBe(createHash("sha256").update(raw).digest("hex").slice(0, 16));
    expect(publisher.publicKey).toBe(raw.toString("base64"));
    expect(publisher.publicKey).toHaveLength(44);
    expect(parsePublicKey(publisher.publicKeyPem).keyId).toBe(publisher.keyId);
    expect(parsePublicKey(`  ${publisher.publicKey}\n`).keyId).toBe(publisher.keyId);
    expect(parseSigningKey(publisher.privateKeyPem).keyId).toBe(publisher.keyId);
    expect(stranger.keyId).not.toBe(publisher.keyId);
  });

  it("refuses text that is not an Ed25519 key, naming the forms it takes", () => {
    expect(() => parsePublicKey("c2hvcnQ=")).toThrow('"c2hvcnQ=" is not an Ed25519 public key. Fix: give the key\'s 44-character base64 form (as `gk plugin keygen` prints it), its 64-character hex form or its PEM block');
    expect(() => parseSigningKey(publisher.publicKeyPem)).toThrow(/^the signing key cannot be read: .*Fix: give the private key file `gk plugin keygen` wrote/);
  });
});

describe("signing", () => {
  it("stores goatkit-signature.json: key id, algorithm, public key, the signed digest and the signature", () => {
    const record = JSON.parse(new TextDecoder().decode(unzipSync(signed.bytes)["goatkit-signature.json"]));
    expect(record).toEqual({
      format: "goatkit-signature/1",
      algorithm: "ed25519",
      key_id: publisher.keyId,
      public_key: publisher.publicKey,
      digest: signed.integrity.digest,
      signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
    });
    expect(signed.signedBy).toBe(publisher.keyId);
    expect(signed.integrity).toEqual(unsigned.integrity);
  });

  it("signPackage on a packed zip gives the bytes packing with the key gives, and replaces an earlier signature", () => {
    const result = signPackage(unsigned.bytes, publisher.privateKeyPem);
    expect(result.replaced).toBeNull();
    expect(Buffer.from(result.bytes).equals(Buffer.from(signed.bytes))).toBe(true);
    const resigned = signPackage(signed.bytes, stranger.privateKeyPem);
    expect(resigned.replaced).toBe(publisher.keyId);
    expect(readPackage(resigned.bytes, { trust: { policy: "require", trustedKeys: [stranger.publicKey] } }).signature).toEqual({ status: "verified", keyId: stranger.keyId });
  });

  it("refuses to sign a package whose integrity does not hold", () => {
    const tampered = rezip(unsigned.bytes, (files) => {
      files["static/evil.js"] = new TextEncoder().encode("x");
    });
    expect(refusal(() => signPackage(tampered, publisher.privateKeyPem)).code).toBe("E_PACKAGE_TAMPERED");
  });
});

describe("trust policies", () => {
  it("require: an unsigned package is refused, naming the fix, and nothing is extracted", async () => {
    const root = await tempDir();
    const error = await extractPackage(unsigned.bytes, join(root, "kitchen-sink"), { label, trust: { policy: "require", trustedKeys: [publisher.publicKey] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as PackageError).code).toBe("E_PACKAGE_UNSIGNED");
    expect((error as PackageError).message).toBe(
      'kitchen-sink-1.0.0.zip is not signed, and the trust policy is "require". Fix: sign it with `gk plugin sign --key <private key> <package>`, or set the trust policy to "warn" to load unsigned packages',
    );
    expect(await listTree(root)).toEqual([]);
  });

  it("warn: an unsigned package is extracted and loads, with a warning", async () => {
    const target = join(await tempDir(), "kitchen-sink");
    const extracted = await extractPackage(unsigned.bytes, target, { label, trust: { policy: "warn" } });
    expect(extracted.signature.status).toBe("unsigned");
    expect(extracted.warnings).toEqual([
      'kitchen-sink-1.0.0.zip is not signed; loading it because the trust policy is "warn". To verify its origin, sign it with `gk plugin sign --key <private key> <package>`',
    ]);
    const host = await createHost({ database: { demo: { tickets: 5 } } });
    try {
      expect((await host.load(extracted.dir)).name).toBe("kitchen-sink");
      expect((await host.call("kitchen-sink", "nothing")).status).toBe(204);
    } finally {
      await host.close();
    }
  });

  it("require: a package signed by a trusted key (PEM or compact) is verified", () => {
    for (const key of [publisher.publicKey, publisher.publicKeyPem]) {
      const pkg = readPackage(signed.bytes, { trust: { policy: "require", trustedKeys: [stranger.publicKey, key] } });
      expect(pkg.signature).toEqual({ status: "verified", keyId: publisher.keyId });
      expect(pkg.warnings).toEqual([]);
    }
  });

  it("require: a signature from an untrusted key is refused, naming the key to add", () => {
    const error = refusal(() => readPackage(signed.bytes, { label, trust: { policy: "require", trustedKeys: [stranger.publicKey] } }));
    expect(error.code).toBe("E_SIGNATURE_UNTRUSTED");
    expect(error.message).toBe(
      `kitchen-sink-1.0.0.zip is signed by key ${publisher.keyId}, which is not a trusted key. Fix: if you trust its publisher, add key ${publisher.keyId} (public key ${publisher.publicKey}) to the trusted keys; otherwise do not install it`,
    );
  });

  it("warn: a signature from an untrusted key loads with a warning naming the key", () => {
    const pkg = readPackage(signed.bytes, { label, trust: { policy: "warn" } });
    expect(pkg.signature).toMatchObject({ status: "untrusted", keyId: publisher.keyId, publicKey: publisher.publicKey });
    expect(pkg.warnings).toEqual([
      `kitchen-sink-1.0.0.zip is signed by key ${publisher.keyId}, which is not a trusted key; loading it because the trust policy is "warn". If you trust its publisher, add key ${publisher.keyId} (public key ${publisher.publicKey}) to the trusted keys`,
    ]);
  });

  it("off: signatures are not looked at", () => {
    expect(readPackage(unsigned.bytes, { trust: { policy: "off" } })).toMatchObject({ signature: { status: "skipped" }, warnings: [] });
    expect(readPackage(signed.bytes, { trust: { policy: "off" } }).signature).toEqual({ status: "skipped" });
  });

  it("a package changed and re-hashed after signing is refused even under warn: the signature covers the digest", () => {
    const rehashed = rezip(signed.bytes, (files) => {
      const wasm = files["plugin.wasm"]!.slice();
      wasm[200] = wasm[200]! ^ 1;
      files["plugin.wasm"] = wasm;
      const record = JSON.parse(new TextDecoder().decode(files["goatkit-integrity.json"]));
      record.files["plugin.wasm"] = createHash("sha256").update(wasm).digest("hex");
      const listing = Object.keys(record.files).sort().map((n) => `${record.files[n]}  ${n}\n`).join("");
      record.digest = createHash("sha256").update(listing).digest("hex");
      files["goatkit-integrity.json"] = new TextEncoder().encode(JSON.stringify(record));
    });
    for (const policy of ["require", "warn"] as const) {
      const error = refusal(() => readPackage(rehashed, { label, trust: { policy, trustedKeys: [publisher.publicKey] } }));
      expect(error.code).toBe("E_SIGNATURE_INVALID");
      expect(error.message).toMatch(new RegExp(`^kitchen-sink-1\\.0\\.0\\.zip: goatkit-signature\\.json signs digest ${signed.integrity.digest} but the package's digest is [0-9a-f]{64}: the package changed after it was signed\\. Fix: do not install this package`));
    }
  });

  it("a forged signature is refused: by the trusted key, and by the key it names under warn", () => {
    const forge = (keyId: string, publicKey: string) =>
      rezip(signed.bytes, (files) => {
        const record = JSON.parse(new TextDecoder().decode(files["goatkit-signature.json"]));
        const message = new TextEncoder().encode(`goatkit-signature/1:${record.digest}`);
        record.signature = sign(null, message, parseSigningKey(stranger.privateKeyPem).privateKey).toString("base64");
        record.key_id = keyId;
        record.public_key = publicKey;
        files["goatkit-signature.json"] = new TextEncoder().encode(JSON.stringify(record));
      });
    const claimsPublisher = forge(publisher.keyId, publisher.publicKey);
    expect(refusal(() => readPackage(claimsPublisher, { label, trust: { policy: "require", trustedKeys: [publisher.publicKey] } })).message).toBe(
      `kitchen-sink-1.0.0.zip: the signature in goatkit-signature.json does not verify with the trusted key (${publisher.keyId}). Fix: do not install this package; get it again from its publisher, or sign the package again with \`gk plugin sign\``,
    );
    expect(refusal(() => readPackage(claimsPublisher, { label, trust: { policy: "warn" } })).code).toBe("E_SIGNATURE_INVALID");
    const mismatched = forge(publisher.keyId, stranger.publicKey);
    expect(refusal(() => readPackage(mismatched, { label, trust: { policy: "warn" } })).message).toBe(
      `kitchen-sink-1.0.0.zip: goatkit-signature.json names key ${publisher.keyId} but carries the public key of ${stranger.keyId}. Fix: sign the package again with \`gk plugin sign\``,
    );
  });

  it("checkSignature refuses an unknown policy", () => {
    expect(() => checkSignature(label, "0".repeat(64), undefined, { policy: "strict" as never })).toThrow('unknown trust policy "strict". Fix: use one of "require", "warn", "off"');
  });
});
