import { CAPABILITY_PERMISSIONS, PLUGIN_CALL_PERMISSION, TABLE_WRITE_PERMISSION } from "../abi.js";
import { errorAt, warningAt, type ManifestIssue } from "./issues.js";
import { tablePrefix } from "./migrations.js";
import { nearest } from "./suggest.js";

/**
 * The tutorial's table names, which the demo help desk keeps as read-only views, and GoatFlow's
 * table behind each (docs/demo-schema.md).
 */
export const TUTORIAL_VIEW_TABLES: Readonly<Record<string, string>> = {
  tickets: "ticket",
  ticket_states: "ticket_state",
  ticket_priorities: "ticket_priority",
  queues: "queue",
  customers: "customer_user",
  articles: "article",
};

/**
 * What a permission string is: a capability, a `db:write:<table>` grant, a `plugin:call:<plugin>`
 * grant, a plugin-defined permission, or nothing valid.
 */
export type PermissionKind = "capability" | "table_write" | "plugin_call" | "plugin" | "invalid";

const PLUGIN_PERMISSION = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const CAPABILITY_LIST = [...CAPABILITY_PERMISSIONS.slice(0, 2), "db:write:<table>", ...CAPABILITY_PERMISSIONS.slice(2)].join(", ");

/** Classifies a permission string. */
export function permissionKind(permission: string): PermissionKind {
  if ((CAPABILITY_PERMISSIONS as readonly string[]).includes(permission)) return "capability";
  if (TABLE_WRITE_PERMISSION.test(permission)) return "table_write";
  if (PLUGIN_CALL_PERMISSION.test(permission)) return "plugin_call";
  if (PLUGIN_PERMISSION.test(permission)) return "plugin";
  return "invalid";
}

/** Whether a permission is one an administrator grants (a capability or a table grant) rather than one the plugin defines. */
export function isGrantedPermission(permission: string): boolean {
  const kind = permissionKind(permission);
  return kind === "capability" || kind === "table_write" || kind === "plugin_call";
}

/** The prefix of a plugin's own RBAC permissions: its name with "-" → "_" (`my-plugin` → `my_plugin`). */
export function pluginPermissionPrefix(pluginName: string): string {
  return pluginName.replace(/-/g, "_");
}

/** Checks one permission string; `pluginName` is undefined when the manifest's name is invalid. */
export function checkPermission(permission: string, pluginName: string | undefined, at: string): ManifestIssue | undefined {
  const own = pluginName === undefined ? "my_plugin" : pluginPermissionPrefix(pluginName);
  switch (permissionKind(permission)) {
    case "capability":
    case "plugin_call":
      return undefined;
    case "table_write": {
      const table = TABLE_WRITE_PERMISSION.exec(permission)?.[1] ?? "";
      const real = TUTORIAL_VIEW_TABLES[table];
      if (real !== undefined) {
        return errorAt(
          at,
          `permission "${permission}" names "${table}", the tutorial's read-only view of GoatFlow's table "${real}"; a view is never written, and GoatFlow has no "${table}"`,
          `write "db:write:${real}" and write the table "${real}" with its own column names (docs/demo-schema.md)`,
        );
      }
      if (pluginName !== undefined && table.startsWith(tablePrefix(pluginName))) {
        return warningAt(at, `permission "${permission}" names one of the plugin's own tables, which "db:write" already covers`, `use "db:write" instead`);
      }
      return undefined;
    }
    case "plugin": {
      const prefix = permission.slice(0, permission.indexOf("."));
      if (pluginName === undefined || prefix === own) return undefined;
      return warningAt(at, `plugin permission "${permission}" is not prefixed with the plugin name "${own}."`, `rename it "${own}.${permission.slice(prefix.length + 1)}"`);
    }
    case "invalid":
      break;
  }
  if (permission.startsWith("db:write:")) {
    const table = permission.slice("db:write:".length);
    return errorAt(
      at,
      `permission "${permission}" does not name a valid table`,
      `write "db:write:<table>" with a lower-case table name (letters, digits, _), e.g. "db:write:${table.toLowerCase().replace(/[^a-z0-9_]+/g, "_") || "tickets"}"`,
    );
  }
  if (permission.startsWith("plugin:call:")) {
    return errorAt(at, `permission "${permission}" does not name a plugin`, `write "plugin:call:<plugin name>" with the name of the plugin it may call, e.g. "plugin:call:stats"`);
  }
  if (permission.includes(":")) {
    return errorAt(at, `permission "${permission}" is not a capability`, `did you mean "${nearest(permission, CAPABILITY_PERMISSIONS)}"? The capabilities are: ${CAPABILITY_LIST}`);
  }
  const action = permission.toLowerCase().replace(/[^a-z0-9_.]+/g, "_").replace(/^[^a-z]+/, "");
  if (permission.includes(".")) {
    const [, ...rest] = action.split(".");
    return errorAt(
      at,
      `permission "${permission}" is not a valid plugin permission`,
      `write "<plugin>.<action>" in lower case with _ instead of -, e.g. "${own}.${rest.join(".").replace(/^[^a-z]+/, "") || "view"}"`,
    );
  }
  return errorAt(
    at,
    `permission "${permission}" is neither a capability nor a plugin permission`,
    `use a capability (${CAPABILITY_LIST}) or define a plugin permission such as "${own}.${action || "view"}"`,
  );
}
