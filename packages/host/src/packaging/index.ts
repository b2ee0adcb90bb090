export { PackageError, type PackageErrorCode } from "./package-error.js";
export {
  PACKAGE_WASM,
  INTEGRITY_FILE,
  SIGNATURE_FILE,
  PACKAGE_FOLDERS,
  PACKAGE_DOCUMENTS,
  DEFAULT_PACKAGE_LIMITS,
  type PackageLimits,
} from "./layout.js";
export { packPlugin, type PackOptions, type PackResult } from "./pack.js";
export { writeZip } from "./zip-writer.js";
export { readPackage, type ReadPackageOptions, type PluginPackage } from "./read-package.js";
export { extractPackage, type ExtractOptions, type ExtractResult } from "./extract.js";
export { createIntegrity, integrityDigest, INTEGRITY_FORMAT, type IntegrityRecord, type IntegrityChange } from "./integrity.js";
export { generateKeyPair, parsePublicKey, parseSigningKey, keyIdOf, type GeneratedKeyPair, type PublicKey, type SigningKey } from "./keys.js";
export { signPackage, signIntegrity, type SignPackageResult } from "./sign.js";
export { SIGNATURE_FORMAT, type SignatureRecord } from "./signature-file.js";
export { checkSignature, TRUST_POLICIES, type TrustPolicy, type TrustOptions, type SignatureCheck } from "./verify.js";
export { Translations, parseTranslationBundle, localeChain, FALLBACK_LOCALE, type TranslationBundle } from "./i18n.js";
export { resolveStaticFile, contentTypeOf, type StaticFile, type StaticLookup } from "./static-files.js";
export { resolveNpmPlugin, discoverNpmPlugins, type NpmPluginSource, type NpmPluginProblem, type GoatkitField } from "./npm-source.js";
