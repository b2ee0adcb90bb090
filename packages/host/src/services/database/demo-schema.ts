import { tutorialViews } from "./demo-views.js";

/**
 * The demo help desk's tables: GoatFlow's own (the OTRS/Znuny schema), with the table and
 * column names of its documented schema, so a query written against `gk dev` runs unchanged on
 * GoatFlow (docs/demo-schema.md). The DDL is ours, kept to what SQLite, PostgreSQL and
 * MySQL/MariaDB all accept; it has no foreign keys and no id sequences (rows carry their ids).
 * Times are UTC text, `YYYY-MM-DD HH:MM:SS`, where GoatFlow has TIMESTAMP/DATETIME columns.
 */

type Column = [name: string, type: string];

const ID = "INTEGER NOT NULL";
const TIME = "VARCHAR(19) NOT NULL";
const NAME = "VARCHAR(200) NOT NULL";
const TEXT = "VARCHAR(250)";
/** The audit columns every OTRS table ends with. */
const AUDIT: Column[] = [
  ["create_time", TIME],
  ["create_by", ID],
  ["change_time", TIME],
  ["change_by", ID],
];

/** Each real table: its columns in the documented order; `id` (when first) is the primary key. */
export const REAL_TABLES: Record<string, Column[]> = {
  valid: [["id", ID], ["name", NAME], ...AUDIT],
  ticket_state_type: [["id", ID], ["name", NAME], ["comments", TEXT], ...AUDIT],
  ticket_state: [["id", ID], ["name", NAME], ["comments", TEXT], ["type_id", ID], ["valid_id", ID], ...AUDIT],
  ticket_priority: [["id", ID], ["name", NAME], ["valid_id", ID], ["color", "VARCHAR(25) NOT NULL"], ...AUDIT],
  ticket_lock_type: [["id", ID], ["name", NAME], ["valid_id", ID], ...AUDIT],
  ticket_type: [["id", ID], ["name", NAME], ["valid_id", ID], ...AUDIT],
  groups: [["id", ID], ["name", NAME], ["comments", TEXT], ["valid_id", ID], ...AUDIT],
  queue: [
    ["id", ID], ["name", NAME], ["group_id", ID], ["unlock_timeout", "INTEGER"], ["first_response_time", "INTEGER"],
    ["first_response_notify", "INTEGER"], ["update_time", "INTEGER"], ["update_notify", "INTEGER"], ["solution_time", "INTEGER"],
    ["solution_notify", "INTEGER"], ["system_address_id", ID], ["calendar_name", "VARCHAR(100)"], ["default_sign_key", "VARCHAR(100)"],
    ["salutation_id", ID], ["signature_id", ID], ["follow_up_id", ID], ["follow_up_lock", ID], ["comments", TEXT], ["valid_id", ID], ...AUDIT,
  ],
  users: [
    ["id", ID], ["login", NAME], ["pw", "VARCHAR(128) NOT NULL"], ["title", "VARCHAR(50)"], ["first_name", "VARCHAR(100) NOT NULL"],
    ["last_name", "VARCHAR(100) NOT NULL"], ["valid_id", ID], ...AUDIT,
  ],
  user_preferences: [["user_id", ID], ["preferences_key", "VARCHAR(150) NOT NULL"], ["preferences_value", "TEXT"]],
  group_user: [["user_id", ID], ["group_id", ID], ["permission_key", "VARCHAR(20) NOT NULL"], ...AUDIT],
  customer_company: [
    ["customer_id", "VARCHAR(150) NOT NULL"], ["name", NAME], ["street", "VARCHAR(200)"], ["zip", "VARCHAR(200)"], ["city", "VARCHAR(200)"],
    ["country", "VARCHAR(200)"], ["url", "VARCHAR(200)"], ["comments", TEXT], ["valid_id", ID], ...AUDIT,
  ],
  customer_user: [
    ["id", ID], ["login", NAME], ["email", "VARCHAR(150) NOT NULL"], ["customer_id", "VARCHAR(150) NOT NULL"], ["pw", "VARCHAR(128)"],
    ["title", "VARCHAR(50)"], ["first_name", "VARCHAR(100) NOT NULL"], ["last_name", "VARCHAR(100) NOT NULL"], ["phone", "VARCHAR(150)"],
    ["fax", "VARCHAR(150)"], ["mobile", "VARCHAR(150)"], ["street", "VARCHAR(150)"], ["zip", "VARCHAR(200)"], ["city", "VARCHAR(200)"],
    ["country", "VARCHAR(200)"], ["comments", TEXT], ["valid_id", ID], ...AUDIT,
  ],
  ticket: [
    ["id", ID], ["tn", "VARCHAR(50) NOT NULL"], ["title", "VARCHAR(255)"], ["queue_id", ID], ["ticket_lock_id", ID], ["type_id", "INTEGER"],
    ["service_id", "INTEGER"], ["sla_id", "INTEGER"], ["user_id", ID], ["responsible_user_id", ID], ["ticket_priority_id", ID],
    ["ticket_state_id", ID], ["customer_id", "VARCHAR(150)"], ["customer_user_id", "VARCHAR(250)"], ["timeout", ID], ["until_time", ID],
    ["escalation_time", ID], ["escalation_update_time", ID], ["escalation_response_time", ID], ["escalation_solution_time", ID],
    ["archive_flag", "INTEGER DEFAULT 0 NOT NULL"], ...AUDIT,
  ],
  article_sender_type: [["id", ID], ["name", NAME], ["comments", TEXT], ["valid_id", ID], ...AUDIT],
  article: [
    ["id", ID], ["ticket_id", ID], ["article_sender_type_id", ID], ["communication_channel_id", ID], ["is_visible_for_customer", ID],
    ["search_index_needs_rebuild", "INTEGER DEFAULT 1 NOT NULL"], ["insert_fingerprint", "VARCHAR(64)"], ...AUDIT,
  ],
  article_data_mime: [
    ["id", ID], ["article_id", ID], ["a_from", "TEXT"], ["a_reply_to", "TEXT"], ["a_to", "TEXT"], ["a_cc", "TEXT"], ["a_bcc", "TEXT"],
    ["a_subject", "TEXT"], ["a_message_id", "TEXT"], ["a_message_id_md5", "VARCHAR(32)"], ["a_in_reply_to", "TEXT"], ["a_references", "TEXT"],
    ["a_content_type", "VARCHAR(250)"], ["a_body", "TEXT"], ["incoming_time", ID], ["content_path", "VARCHAR(250)"], ...AUDIT,
  ],
  ticket_history_type: [["id", ID], ["name", NAME], ["comments", TEXT], ["valid_id", ID], ...AUDIT],
  ticket_history: [
    ["id", ID], ["name", NAME], ["history_type_id", ID], ["ticket_id", ID], ["article_id", "INTEGER"], ["type_id", ID], ["queue_id", ID],
    ["owner_id", ID], ["priority_id", ID], ["state_id", ID], ...AUDIT,
  ],
};

/** Indexes the demo's reports lean on (GoatFlow has these and more). */
const INDEXES: [name: string, table: string, columns: string][] = [
  ["ticket_ticket_state_id", "ticket", "ticket_state_id"],
  ["ticket_queue_id", "ticket", "queue_id"],
  ["ticket_create_time", "ticket", "create_time"],
  ["ticket_customer_user_id", "ticket", "customer_user_id"],
  // Covering the tutorial view's first response and close time, looked up per ticket.
  ["article_ticket_id", "article", "ticket_id, article_sender_type_id, is_visible_for_customer, create_time"],
  ["article_data_mime_article_id", "article_data_mime", "article_id"],
  ["ticket_history_ticket_id", "ticket_history", "ticket_id, state_id, create_time"],
  ["user_preferences_user_id", "user_preferences", "user_id"],
  ["group_user_user_id", "group_user", "user_id"],
  ["customer_user_login", "customer_user", "login"],
];

/** `"groups"` is a reserved word in MySQL 8; the host's MySQL sessions run with ANSI_QUOTES. */
const quoted = (name: string) => (name === "groups" ? `"groups"` : name);

/** The demo help desk's DDL for one dialect: the real tables, their indexes, then the tutorial's views. */
export function demoSchema(dialect: "sqlite" | "postgres" | "mysql", options: { securityInvoker?: boolean } = {}): string[] {
  const tables = Object.entries(REAL_TABLES).map(([table, columns]) => {
    const key = columns[0]![0] === "id" ? "id" : table === "customer_company" ? "customer_id" : null;
    const body = columns.map(([name, type]) => `    ${name} ${type}`);
    if (key !== null) body.push(`    PRIMARY KEY (${key})`);
    return `CREATE TABLE ${quoted(table)} (\n${body.join(",\n")}\n  )`;
  });
  const indexes = INDEXES.map(([name, table, column]) => `CREATE INDEX ${name} ON ${table} (${column})`);
  return [...tables, ...indexes, ...tutorialViews(dialect, options)];
}

/** The real core tables: plugins read them with `db:read`; writing one needs `db:write:<table>`. */
export const CORE_TABLES = Object.keys(REAL_TABLES) as readonly string[];
