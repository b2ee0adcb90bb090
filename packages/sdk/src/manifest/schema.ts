/**
 * The plugin manifest contract: one TypeBox schema from which both the JSON Schema
 * (`manifestJsonSchema`, shipped as `manifest.schema.json`) and the TypeScript types come.
 * Field descriptions and examples here are also what validation errors quote, so keep them short.
 */
import { Type, type SchemaOptions, type Static, type TSchema } from "@sinclair/typebox";

/** A plugin name: 2-63 lower-case letters, digits and "-", starting with a letter. */
export const PLUGIN_NAME_PATTERN = "^[a-z][a-z0-9-]{1,62}$";
/** Semantic version 2.0.0 (semver.org's recommended expression). */
export const SEMVER_PATTERN =
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)" +
  "(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?" +
  "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
/** A handler (guest export) name; the `gk_` prefix and RESERVED_EXPORTS are refused separately. */
export const HANDLER_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";
/** Widget and job ids: kebab-case, or snake_case as GoatFlow's plugins name them. */
export const KEBAB_ID_PATTERN = "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$";
/** `http.allowed_hosts` entries: a host name or IPv4 address, an optional `*.` wildcard and port. */
export const ALLOWED_HOST_PATTERN =
  "^(?:\\*\\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::[0-9]{1,5})?$";
/** Migration ids: a number, "_", and a lower-case description, e.g. `001_create_articles`. */
export const MIGRATION_ID_PATTERN = "^[0-9]+_[a-z0-9_]+$";
/** Keys of `config`. */
export const CONFIG_KEY_PATTERN = "^[a-z][a-z0-9_]*$";

/** How a plugin runs. */
export const RUNTIMES = ["wasm", "grpc"] as const;
/** Route methods, upper case. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
/** Checks a route can require before its handler runs. */
export const ROUTE_MIDDLEWARE = ["auth", "admin"] as const;
/** Where a widget can appear. */
export const WIDGET_LOCATIONS = ["agent_home", "admin_home", "customer_home", "ticket_sidebar", "ticket_detail"] as const;
/** How much room a widget takes. */
export const WIDGET_SIZES = ["small", "medium", "large", "full"] as const;
/** Which menu a menu item goes in. */
export const MENU_LOCATIONS = ["admin", "agent", "customer"] as const;
/** Types of `config` settings. */
export const CONFIG_TYPES = ["string", "number", "integer", "boolean"] as const;
/** Types of a template function's arguments (docs/templates.md, "Functions"). */
export const FUNCTION_ARG_TYPES = ["string", "integer", "number", "boolean", "json"] as const;
/** What a template function returns: `html` is inserted as it is, everything else is escaped. */
export const FUNCTION_RETURN_TYPES = ["json", "string", "html", "integer", "number", "boolean"] as const;
/** Database dialects a migration can give SQL for (besides `default`). */
export const SQL_DIALECTS = ["sqlite", "postgres", "mysql"] as const;

/** A string enum as a plain JSON Schema `enum` (TypeBox's literal unions would become `anyOf`). */
function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

const Text = (description: string, examples: unknown[] = []) =>
  Type.String({ minLength: 1, description, ...(examples.length ? { examples } : {}) });

const Handler = (description: string, example: string) =>
  Type.String({ pattern: HANDLER_PATTERN, description, examples: [example] });

const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

const runtimeAnnotations = {
  description: "how the plugin runs: a WebAssembly module (wasm) or a separate process over gRPC (grpc)",
  examples: ["wasm"],
};
export const RuntimeSchema = StringEnum(RUNTIMES, runtimeAnnotations);

export const GrpcSchema = Strict(
  {
    binary: Text("the plugin executable, relative to the manifest", ["analytics"]),
    health_check: Opt(Type.Boolean({ description: "whether the host polls the gRPC health service", examples: [true] })),
    health_interval_ms: Opt(Type.Integer({ minimum: 100, description: "how often the host checks health (default 10000)", examples: [10000] })),
    start_timeout_ms: Opt(Type.Integer({ minimum: 100, description: "how long the process may take from start to serving (default 10000)", examples: [10000] })),
    stop_grace_ms: Opt(Type.Integer({ minimum: 0, description: "how long the process has to exit after SIGTERM before SIGKILL (default 3000)", examples: [3000] })),
  },
  { description: "how to start a gRPC plugin process" },
);

export const RouteSchema = Strict(
  {
    method: StringEnum(HTTP_METHODS, { description: "the HTTP method, in upper case", examples: ["GET"] }),
    path: Type.String({
      pattern: "^/",
      description: 'the URL path: "/api/plugins/<name>/..." or a path relative to that prefix; ":param" segments capture values',
      examples: ["/api/plugins/ticket-counter/counts"],
    }),
    handler: Handler("the exported function that handles the request", "get_counts"),
    middleware: Opt(
      Type.Array(StringEnum(ROUTE_MIDDLEWARE, { description: "a middleware to run first", examples: ["auth"] }), {
        description: 'checks run before the handler: "auth" (a signed-in user), "admin" (an administrator)',
        examples: [["auth"]],
      }),
    ),
    description: Opt(Text("what the route does")),
  },
  { description: "an HTTP route served by a plugin handler" },
);

export const WidgetSchema = Strict(
  {
    id: Type.String({ pattern: KEBAB_ID_PATTERN, description: "the widget id, kebab-case or snake_case, unique in the plugin", examples: ["ticket-counts"] }),
    title: Text("the title shown above the widget", ["Ticket Counts"]),
    handler: Handler("the exported function that renders the widget's HTML", "render_widget"),
    location: StringEnum(WIDGET_LOCATIONS, { description: "where the widget appears", examples: ["agent_home"] }),
    size: StringEnum(WIDGET_SIZES, { description: "how much room the widget takes", examples: ["small"] }),
    description: Opt(Text("what the widget shows")),
    refresh_seconds: Opt(Type.Integer({ minimum: 1, description: "re-render every this many seconds", examples: [60] })),
  },
  { description: "a dashboard widget rendered by a plugin handler" },
);

export const JobSchema = Strict(
  {
    id: Type.String({ pattern: KEBAB_ID_PATTERN, description: "the job id, kebab-case or snake_case, unique in the plugin", examples: ["refresh-cache"] }),
    schedule: Text("a cron expression: 5 fields (minute hour day month weekday) or 6 with seconds first", ["*/5 * * * *"]),
    handler: Handler("the exported function the job calls", "refresh_cache"),
    description: Opt(Text("what the job does")),
    timeout_ms: Opt(Type.Integer({ minimum: 1, maximum: 600_000, description: "time limit of one run, in milliseconds", examples: [30_000] })),
    retries: Opt(Type.Integer({ minimum: 0, maximum: 10, description: "how often a failed run is retried", examples: [3] })),
  },
  { description: "a scheduled job" },
);

export const FunctionArgSchema = Strict(
  {
    name: Type.String({ pattern: HANDLER_PATTERN, description: "the argument name", examples: ["input"] }),
    type: StringEnum(FUNCTION_ARG_TYPES, { description: "the argument type", examples: ["string"] }),
  },
  { description: "one argument of a function" },
);

export const FunctionDeclSchema = Strict(
  {
    name: Type.String({ pattern: HANDLER_PATTERN, description: "the name templates call the function by", examples: ["calculate_something"] }),
    args: Opt(Type.Array(FunctionArgSchema, { description: "the arguments, in order" })),
    returns: Opt(StringEnum(FUNCTION_RETURN_TYPES, { description: "the result type (default json)", examples: ["json"] })),
    description: Opt(Text("what the function does")),
    handler: Opt(Handler("the exported function to call; defaults to name", "calculate_something")),
  },
  { description: "a function callable from templates" },
);

export const HookObjectSchema = Strict(
  {
    event: Opt(Text("the event name", ["after_save"])),
    type: Opt(Text("the event source kind, instead of event", ["database"])),
    source: Opt(Text("what emits the event, e.g. a table", ["users"])),
    action: Opt(Text("the action that fires the hook", ["insert"])),
    handler: Opt(Handler("the exported function to call", "on_user_insert")),
  },
  { description: "a hook: an event name, or a type/source/action triple, and the function to call" },
);

export const HookSchema = Type.Union([Type.String({ minLength: 1, description: "an event name; the handler has the same name", examples: ["after_save"] }), HookObjectSchema], {
  description: 'an event name such as "after_save", or an object {event | type, source, action, handler}',
});

/**
 * A path on this host: `/` not followed by another `/` or a `\`, which browsers read as the start
 * of another site's address (`//evil.example`, `/\evil.example`), and no control characters:
 * browsers drop tabs and line breaks from an address, so `/\t/evil.example` opens `//evil.example`.
 */
export const LOCAL_PATH_PATTERN = "^/(?![/\\\\])[^\\u0000-\\u001F\\u007F]*$";

export const MenuItemSchema = Strict(
  {
    label: Text("the menu text", ["My Feature"]),
    path: Type.String({ pattern: LOCAL_PATH_PATTERN, description: "the page the item opens, on this host", examples: ["/admin/my-feature"] }),
    icon: Opt(Text("an icon name", ["star"])),
    location: Opt(StringEnum(MENU_LOCATIONS, { description: "which menu shows the item", examples: ["admin"] })),
    permission: Opt(Text("a plugin permission the user needs to see the item", ["my_plugin.view"])),
  },
  { description: "a navigation menu entry" },
);

export const BuildConfigSchema = Strict(
  {
    command: Text("the build command", ["tinygo"]),
    args: Opt(Type.Array(Type.String(), { description: "arguments of the command", examples: [["build", "-o", "plugin.wasm", "-target", "wasi", "."]] })),
    watch: Opt(Type.Array(Type.String({ minLength: 1 }), { description: "glob patterns whose changes trigger a rebuild", examples: [["**/*.go"]] })),
    output: Text("the file the build writes, relative to the manifest", ["plugin.wasm"]),
  },
  { description: "how to build the module (used by the CLI and for rebuild-on-change)" },
);

export const HttpConfigSchema = Strict(
  {
    allowed_hosts: Type.Array(
      Type.String({ pattern: ALLOWED_HOST_PATTERN, description: 'a host, optionally "*."-prefixed and with a port', examples: ["api.example.com"] }),
      { description: "hosts http_request may call", examples: [["api.example.com", "*.example.org"]] },
    ),
  },
  { description: "outbound HTTP settings" },
);

export const ConfigFieldSchema = Strict(
  {
    type: StringEnum(CONFIG_TYPES, { description: "the value type", examples: ["string"] }),
    description: Opt(Text("what the setting controls")),
    default: Opt(Type.Unsafe<string | number | boolean>({ type: ["string", "number", "boolean"], description: "the value when none is set", examples: [10] })),
    required: Opt(Type.Boolean({ description: "an administrator must set a value" })),
    secret: Opt(Type.Boolean({ description: "the value is hidden in the admin UI and logs" })),
    enum: Opt(Type.Array(Type.Unsafe<string | number | boolean>({ type: ["string", "number", "boolean"] }), { minItems: 1, description: "the allowed values" })),
  },
  { description: "one configuration setting" },
);

/** How a plugin's calls may run: on a pool of instances at once, or one at a time. */
export const CONCURRENCY_MODES = ["parallel", "serial"] as const;

export const LimitsSchema = Strict(
  {
    memory_mb: Opt(Type.Integer({ minimum: 1, maximum: 4096, description: "linear memory cap in MiB, default 256", examples: [64] })),
    timeout_ms: Opt(Type.Integer({ minimum: 1, maximum: 600_000, description: "time limit per call in milliseconds, default 5000", examples: [5000] })),
    max_request_bytes: Opt(Type.Integer({ minimum: 1, description: "largest request envelope in bytes, default 1 MiB", examples: [1_048_576] })),
    max_result_bytes: Opt(Type.Integer({ minimum: 1, description: "largest handler result in bytes, default 4 MiB", examples: [4_194_304] })),
  },
  { description: "resource limits; lower or raise the host defaults" },
);

export const MigrationSqlSchema = Type.Union(
  [
    Type.String({ minLength: 1, description: "SQL for every database" }),
    Strict(
      {
        default: Opt(Text("SQL for databases without their own entry")),
        sqlite: Opt(Text("SQL for SQLite")),
        postgres: Opt(Text("SQL for PostgreSQL")),
        mysql: Opt(Text("SQL for MySQL/MariaDB")),
      },
      { minProperties: 1, description: "SQL per database dialect" },
    ),
  ],
  { description: 'SQL text, or an object {default, sqlite, postgres, mysql} with SQL per database', examples: ["CREATE TABLE faq_articles (id INTEGER PRIMARY KEY)"] },
);

export const MigrationSchema = Strict(
  {
    id: Type.String({ pattern: MIGRATION_ID_PATTERN, description: "a unique id that sorts in run order", examples: ["001_create_articles"] }),
    up: MigrationSqlSchema,
    down: Opt(MigrationSqlSchema),
  },
  { description: "a database migration, applied once, in id order" },
);

const manifestProperties = {
  // Editors find the schema through it; the host ignores it.
  $schema: Opt(Type.String({ description: "the URL or path of this JSON Schema, for editors" })),
  name: Type.String({ pattern: PLUGIN_NAME_PATTERN, description: "the plugin name: lower-case letters, digits and -", examples: ["ticket-counter"] }),
  version: Type.String({ pattern: SEMVER_PATTERN, description: "the plugin version (semver)", examples: ["1.0.0"] }),
  description: Opt(Text("one line about the plugin", ["Displays ticket counts by state"])),
  author: Opt(Text("who wrote the plugin", ["Your Name"])),
  license: Opt(Text("an SPDX license id", ["MIT"])),
  homepage: Opt(Text("a URL about the plugin", ["https://example.com/ticket-counter"])),
  runtime: Opt(StringEnum(RUNTIMES, { ...runtimeAnnotations, default: "wasm" })),
  type: Opt(StringEnum(RUNTIMES, { description: "alias of runtime, as in the gRPC tutorial", examples: ["grpc"] })),
  grpc: Opt(GrpcSchema),
  wasm: Opt(Text("the module, relative to the manifest; default build.output, else plugin.wasm", ["plugin.wasm"])),
  routes: Opt(Type.Array(RouteSchema, { description: "HTTP routes" })),
  widgets: Opt(Type.Array(WidgetSchema, { description: "dashboard widgets" })),
  jobs: Opt(Type.Array(JobSchema, { description: "scheduled jobs" })),
  permissions: Opt(
    Type.Array(Type.String({ minLength: 1, description: 'a capability such as "db:read", "db:write:<table>", or a plugin permission "<plugin>.<action>"', examples: ["db:read"] }), {
      description: "capabilities the plugin needs and permissions it defines",
      examples: [["db:read", "cache:read", "cache:write"]],
    }),
  ),
  functions: Opt(Type.Array(FunctionDeclSchema, { description: "functions callable from templates" })),
  hooks: Opt(Type.Array(HookSchema, { description: "events the plugin reacts to" })),
  menu_items: Opt(Type.Array(MenuItemSchema, { description: "navigation menu entries" })),
  build: Opt(BuildConfigSchema),
  http: Opt(HttpConfigSchema),
  config: Opt(
    Type.Record(Type.String({ pattern: CONFIG_KEY_PATTERN }), ConfigFieldSchema, {
      additionalProperties: false,
      description: "settings an administrator can set, by key (lower-case letters, digits and _)",
    }),
  ),
  limits: Opt(LimitsSchema),
  concurrency: Opt(
    StringEnum(CONCURRENCY_MODES, {
      description: 'whether the host may run several instances of the plugin at once ("parallel", the default) or one call at a time ("serial", for plugins that are not safe to run concurrently)',
      examples: ["serial"],
      default: "parallel",
    }),
  ),
  migrations: Opt(Type.Array(MigrationSchema, { description: "database migrations, in id order" })),
};

/** The plugin manifest (manifest.json / manifest.yaml). */
export const ManifestSchema = Strict(manifestProperties, {
  title: "GoatKit plugin manifest",
  description: "Describes a GoatKit plugin: identity, runtime, routes, widgets, jobs, permissions and more.",
});

/** A manifest as written by its author. */
export type Manifest = Static<typeof ManifestSchema>;
export type Runtime = Static<typeof RuntimeSchema>;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type GrpcConfig = Static<typeof GrpcSchema>;
export type Route = Static<typeof RouteSchema>;
export type Widget = Static<typeof WidgetSchema>;
export type Job = Static<typeof JobSchema>;
export type FunctionArg = Static<typeof FunctionArgSchema>;
export type FunctionDecl = Static<typeof FunctionDeclSchema>;
export type Hook = Static<typeof HookSchema>;
export type MenuItem = Static<typeof MenuItemSchema>;
export type BuildConfig = Static<typeof BuildConfigSchema>;
export type HttpConfig = Static<typeof HttpConfigSchema>;
export type ConfigField = Static<typeof ConfigFieldSchema>;
export type Limits = Static<typeof LimitsSchema>;
export type MigrationSql = Static<typeof MigrationSqlSchema>;
export type Migration = Static<typeof MigrationSchema>;

/** A validated manifest with defaults applied: runtime set, wasm set for wasm plugins, lists present. */
export type ResolvedManifest = Manifest & {
  runtime: Runtime;
  routes: Route[];
  widgets: Widget[];
  jobs: Job[];
  permissions: string[];
  functions: FunctionDecl[];
  hooks: Hook[];
  menu_items: MenuItem[];
  migrations: Migration[];
  config: Record<string, ConfigField>;
};

/** Where the published JSON Schema lives; also its `$id`. */
export const MANIFEST_SCHEMA_ID = "https://goatkit.dev/schemas/manifest.schema.json";

/** The manifest JSON Schema (draft-07) as plain JSON, written to `dist/manifest.schema.json`. */
export const manifestJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: MANIFEST_SCHEMA_ID,
  title: ManifestSchema.title,
  description: ManifestSchema.description,
  ...(JSON.parse(JSON.stringify(ManifestSchema)) as Record<string, unknown>),
};
