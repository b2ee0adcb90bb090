import { GoatKitError } from "../errors.js";

/**
 * Codes of package failures (docs/packages.md, "Error messages"):
 * - `E_PACKAGE_INVALID`: not a readable GoatKit package (corrupt zip, missing or misplaced files)
 * - `E_PACKAGE_UNSAFE`: refused to protect the host (path traversal, symlinks, duplicates, zip bombs)
 * - `E_PACKAGE_TAMPERED`: files differ from the package's integrity record
 * - `E_PACKAGE_UNSIGNED`: no signature, and the trust policy is `require`
 * - `E_SIGNATURE_UNTRUSTED`: signed by a key that is not trusted, and the policy is `require`
 * - `E_SIGNATURE_INVALID`: a signature that is malformed or does not verify
 * - `E_KEY_INVALID`: a key that cannot be read
 * - `E_PACK_SOURCE`: a plugin folder that cannot be packed
 * - `E_I18N_INVALID`: a translation bundle that cannot be read
 * - `E_NPM_PLUGIN`: an npm package whose `goatkit` field does not lead to a plugin
 * - `E_TARGET_EXISTS`: the extraction target already exists
 */
export type PackageErrorCode =
  | "E_PACKAGE_INVALID"
  | "E_PACKAGE_UNSAFE"
  | "E_PACKAGE_TAMPERED"
  | "E_PACKAGE_UNSIGNED"
  | "E_SIGNATURE_UNTRUSTED"
  | "E_SIGNATURE_INVALID"
  | "E_KEY_INVALID"
  | "E_PACK_SOURCE"
  | "E_I18N_INVALID"
  | "E_NPM_PLUGIN"
  | "E_TARGET_EXISTS";

/** A package, key or plugin source was refused; the message says what is wrong and how to fix it. */
export class PackageError extends GoatKitError {
  declare readonly code: PackageErrorCode;
  declare readonly fix: string;

  constructor(
    code: PackageErrorCode,
    /** What is wrong, naming the file or entry. */
    readonly problem: string,
    /** What to do about it. */
    fix: string,
  ) {
    super(code, `${problem}. Fix: ${fix}`, { fix });
    this.name = "PackageError";
  }
}
