export { GoatKitError, ConfigError, ERROR_STATUS, statusOf, messageOf, type ErrorCode, type GoatKitErrorOptions } from "./errors.js";
export { Host, createHost, type HostOptions } from "./host.js";
export { Plugin, DEFAULT_LIMITS, type LoadOptions, type PluginDefaults, type ResolvedLoadOptions } from "./plugin/plugin.js";
export { DEFAULT_LIMIT_CEILINGS, checkLimitCeilings, type PluginLimits } from "./plugin/limit-ceilings.js";
export type { PluginRequest, PluginUser, JobInfo, RequestInput } from "./plugin/request.js";
export type { PluginResponse } from "./plugin/response.js";
export { PluginCallError, type PluginErrorCode, type WasmFrame } from "./runtime/plugin-call-error.js";
export { detectBinding, type Binding } from "./runtime/detect-binding.js";
export { inspectModule, type ModuleInfo, type ModuleImport } from "./runtime/module-info.js";
export type { MemoryLimits } from "./runtime/memory-cap.js";
export type { PluginRunner, RunnerOptions, Isolation } from "./runtime/plugin-runner.js";
export { HostCallError, type ErrorEnvelope } from "./host-functions/host-call-error.js";
export { DEFAULT_HOST_CALL_LIMITS, type HostCallLimits } from "./host-functions/host-services.js";
export { SqliteDatabase } from "./services/database/sqlite-database.js";
export { generateDemoData, type DemoDataOptions } from "./services/database/demo-data.js";
export { CORE_TABLES } from "./services/database/demo-schema.js";
export { MemoryCache } from "./services/memory-cache.js";
export { DevMailbox, type StoredEmail } from "./services/dev-mailbox.js";
export { FetchHttp, HttpDeniedError, HttpLimitError } from "./services/http/fetch-http.js";
export { HttpRequestError } from "./services/http/guarded-request.js";
export { DatabaseError } from "./services/database/database-error.js";
export { DatabasePermissionError } from "./services/database/database-permission-error.js";
export { MigrationError } from "./plugin/migrations.js";
export { MemoryCapError } from "./runtime/memory-cap.js";
export { InvalidResultError } from "./plugin/response.js";
export { LogStore, type LogEntry } from "./services/log-store.js";
export { JobRegistry, type ScheduledJob } from "./jobs/job-registry.js";
export type * from "./services/types.js";
export * from "./packaging/index.js";
export { PostgresDatabase, type PostgresOptions } from "./services/postgres/postgres-database.js";
export { MysqlDatabase, type MysqlOptions, type MysqlFlavor } from "./services/mysql/mysql-database.js";
export { RedisCache, type RedisCacheOptions } from "./services/redis/redis-cache.js";
export { SmtpMail, type SmtpMailOptions } from "./services/smtp/smtp-mail.js";
export { servicesFromConfig, servicesFromEnv, hostConfigFromEnv, type ConfiguredServices } from "./services/from-config.js";
export {
  readServicesConfig,
  configFromEnv,
  parseServicesConfig,
  ServicesConfigError,
  SERVICE_ENV_VARS,
  type ServicesConfig,
  type DatabaseConfig,
  type CacheConfig,
  type MailConfig,
  type StateConfig,
  type ClusterConfig,
  type PluginLimitsConfig,
  type PackagesConfig,
  type DemoConfig,
  type ConfigOrigins,
} from "./services/config.js";
export { ServiceConnectionError } from "./services/connection-error.js";
export { StatementTimeoutError } from "./services/database/statement-timeout-error.js";
export { PluginManager, MANAGER_LOG, type PluginManagerOptions, type PluginSettings } from "./platform/plugin-manager.js";
export { PluginManagerError, type PluginManagerErrorCode } from "./platform/plugin-manager-error.js";
export { FolderSource } from "./platform/folder-source.js";
export { PackageSource, PackageFileSource, NpmSource, type PackageSourceOptions } from "./platform/package-sources.js";
export type { PluginSource, PluginSourceKind, DiscoveredPlugin, DiscoveryProblem, Discovery } from "./platform/plugin-source.js";
export type { PluginInfo, PluginStatus, PublicPluginInfo } from "./platform/plugin-info.js";
export type { PluginMetricsSnapshot } from "./platform/plugin-metrics.js";
export type { ManagerEvent, ManagerEventType, UnloadReason } from "./platform/manager-events.js";
export type { HookResult } from "./platform/hook-dispatch.js";
export type { PluginRegistry, PluginEntry } from "./platform/plugin-registry.js";
export type { PlatformPorts, LogWriter, LogReader, AuditTrail, PluginEventFeed, TemplatePlatform } from "./platform/platform-ports.js";
export { DemoDesk, DemoDeskError, type DeskUser, type NewTicket, type TicketChange, type SavedTicket, type TicketSaveEvent, type TicketEvent } from "./demo-desk/demo-desk.js";
export { defaultMemoryEstimate, type MemoryEstimator, type MemoryEstimateInput } from "./platform/memory-estimate.js";
export { JobScheduler, type JobSchedulerOptions, type JobView } from "./jobs/job-scheduler.js";
export type { JobRun, JobTrigger } from "./jobs/job-run.js";
export { JobError, type JobErrorCode } from "./jobs/job-error.js";
export { startServer, type ServerOptions, type ServerTimeouts, type RunningServer } from "./http/server.js";
export { TemplateEngine, type TemplateEngineOptions, type RenderOptions } from "./templates/template-engine.js";
export { TemplateError, type TemplateErrorCode } from "./templates/template-error.js";
export type { TokenUser } from "./http/auth.js";
export type { PluginListAnswer, SessionAnswer, CapabilityAnswer, WidgetAnswer, MenuItemAnswer, DeskTicket, DeskTicketsAnswer, DeskSaveAnswer } from "./dashboard/admin-answers.js";
export { ClusterCoordinator } from "./cluster/cluster-coordinator.js";
export { clusterOptionsFromEnv, CLUSTER_ENV_VARS, type ClusterOptions } from "./cluster/cluster-options.js";
export type { ClusterEvent, ClusterEventListener } from "./cluster/cluster-events.js";
export { runHostProcess, type HostProcessOptions, type HostProcessLine, type RunningHostProcess } from "./cluster/host-process.js";
export { canSwitchUsers, type GrpcRunAs, type GrpcProcessOptions } from "./runtime/grpc/process-user.js";
export { forgetSecrets, SECRET_ENV_VARS, type ForgottenSecrets } from "./cluster/forget-secrets.js";
export type { JobLease, HeldJobLease } from "./jobs/job-scheduler.js";
export type { PluginCommand, PluginCommandOptions } from "./platform/plugin-manager.js";
export { PlatformState, type PlatformStateOptions } from "./state/platform-state.js";
export type { PlatformStore, StoredPluginState, StoredJobRun, AuditEntry, AuditAction, AuditQuery } from "./state/platform-store.js";
