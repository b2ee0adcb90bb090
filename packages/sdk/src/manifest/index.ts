export {
  ManifestSchema,
  manifestJsonSchema,
  MANIFEST_SCHEMA_ID,
  PLUGIN_NAME_PATTERN,
  SEMVER_PATTERN,
  HANDLER_PATTERN,
  RUNTIMES,
  HTTP_METHODS,
  ROUTE_MIDDLEWARE,
  WIDGET_LOCATIONS,
  WIDGET_SIZES,
  MENU_LOCATIONS,
  CONFIG_TYPES,
  FUNCTION_ARG_TYPES,
  FUNCTION_RETURN_TYPES,
  SQL_DIALECTS,
  type Manifest,
  type ResolvedManifest,
  type Runtime,
  type HttpMethod,
  type GrpcConfig,
  type Route,
  type Widget,
  type Job,
  type FunctionArg,
  type FunctionDecl,
  type Hook,
  type MenuItem,
  type BuildConfig,
  type HttpConfig,
  type ConfigField,
  type Limits,
  type MigrationSql,
  type Migration,
} from "./schema.js";
export { formatIssues, ManifestError, type ManifestErrorCode, type ManifestIssue } from "./issues.js";
export { validateManifest, resolveManifest, type ManifestValidationResult } from "./validate.js";
export { parseManifest, type ManifestFormat } from "./parse.js";
export { loadManifest, MANIFEST_FILES, type LoadedManifest } from "./load.js";
export { functionHandler, manifestHandlers, resolveHook, type HandlerReference, type ResolvedHook } from "./handlers.js";
export { routeKey, routeMountPath, routePrefix } from "./routes.js";
export { isGrantedPermission, permissionKind, pluginPermissionPrefix, type PermissionKind } from "./permissions.js";
export { tablePrefix } from "./migrations.js";
