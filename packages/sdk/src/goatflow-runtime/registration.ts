/**
 * GoatFlow's `GKRegistration`, the JSON `gk_register` returns, with the Go types GoatFlow
 * decodes it into (goatkit/goatflow `pkg/plugin/plugin.go` on `wip`, `internal/plugin/plugin.go`
 * on v0.6.5).
 */
import { decodeGo, GoJsonSyntaxError, type GoType } from "./go-json.js";

const str = { kind: "string" } as const;
const int = { kind: "int" } as const;
const bool = { kind: "bool" } as const;
const strings = { kind: "slice", of: str } as const;
const struct = (name: string, fields: Record<string, GoType>): GoType => ({ kind: "struct", name, fields });
const slice = (of: GoType): GoType => ({ kind: "slice", of });

const menuItemFields: Record<string, GoType> = { id: str, label: str, icon: str, path: str, location: str, parent: str, order: int };
const menuItem = struct("MenuItemSpec", menuItemFields);
menuItemFields.children = slice(menuItem);

const permission = struct("Permission", { type: str, access: str, scope: strings });

export const GK_REGISTRATION: GoType = struct("GKRegistration", {
  name: str,
  version: str,
  description: str,
  author: str,
  license: str,
  homepage: str,
  routes: slice(struct("RouteSpec", { method: str, path: str, handler: str, middleware: strings, description: str })),
  menu_items: slice(menuItem),
  widgets: slice(
    struct("WidgetSpec", { id: str, title: str, description: str, handler: str, location: str, size: str, order: int, refreshable: bool, refresh_sec: int }),
  ),
  jobs: slice(struct("JobSpec", { id: str, handler: str, schedule: str, description: str, enabled: bool, timeout: str })),
  templates: slice(struct("TemplateSpec", { name: str, path: str, override: bool })),
  i18n: struct("I18nSpec", { namespace: str, languages: strings, translations: { kind: "map", of: { kind: "map", of: str } } }),
  error_codes: slice(struct("ErrorCodeSpec", { code: str, message: str, http_status: int })),
  hide_menu_items: strings,
  landing_page: str,
  min_host_version: str,
  permissions: strings,
  resources: struct("ResourceRequest", { memory_mb: int, call_timeout: str, init_timeout: str, shutdown_timeout: str, permissions: slice(permission) }),
});

export interface GoatflowRoute {
  method: string;
  path: string;
  handler: string;
  middleware: string[] | null;
  description: string;
}

export interface GoatflowMenuItem {
  id: string;
  label: string;
  icon: string;
  path: string;
  location: string;
  parent: string;
  order: number;
  children: GoatflowMenuItem[] | null;
}

export interface GoatflowWidget {
  id: string;
  title: string;
  description: string;
  handler: string;
  location: string;
  size: string;
  order: number;
  refreshable: boolean;
  refresh_sec: number;
}

export interface GoatflowJob {
  id: string;
  handler: string;
  schedule: string;
  description: string;
  enabled: boolean;
  timeout: string;
}

export interface GoatflowPermission {
  type: string;
  access: string;
  scope: string[] | null;
}

/** The registration as GoatFlow holds it after `json.Unmarshal`: absent fields have Go's zero values (`""`, `0`, `false`, `null`). */
export interface GoatflowRegistration {
  name: string;
  version: string;
  description: string;
  author: string;
  license: string;
  homepage: string;
  routes: GoatflowRoute[] | null;
  menu_items: GoatflowMenuItem[] | null;
  widgets: GoatflowWidget[] | null;
  jobs: GoatflowJob[] | null;
  templates: { name: string; path: string; override: boolean }[] | null;
  i18n: { namespace: string; languages: string[] | null; translations: Record<string, Record<string, string>> | null } | null;
  error_codes: { code: string; message: string; http_status: number }[] | null;
  hide_menu_items: string[] | null;
  landing_page: string;
  min_host_version: string;
  permissions: string[] | null;
  resources: { memory_mb: number; call_timeout: string; init_timeout: string; shutdown_timeout: string; permissions: GoatflowPermission[] | null } | null;
}

export interface ParsedRegistration {
  /** The registration, or null when GoatFlow's unmarshal fails (the plugin does not load). */
  registration: GoatflowRegistration | null;
  /** Why the unmarshal fails, worded as Go's encoding/json. */
  errors: string[];
  /** Fields GoatFlow does not know, which it ignores (a misspelt field is one of them). */
  ignored: string[];
}

/** Parses `gk_register`'s bytes as GoatFlow does (`json.Unmarshal` into GKRegistration). */
export function parseGoatflowRegistration(bytes: Uint8Array | string): ParsedRegistration {
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  try {
    const { value, errors, ignored } = decodeGo(text, GK_REGISTRATION);
    if (errors.length > 0) return { registration: null, errors, ignored };
    // A top-level null unmarshals into the zero registration.
    const registration = (value ?? decodeGo("{}", GK_REGISTRATION).value) as GoatflowRegistration;
    return { registration, errors, ignored };
  } catch (error) {
    if (error instanceof GoJsonSyntaxError) return { registration: null, errors: [error.message], ignored: [] };
    throw error;
  }
}
