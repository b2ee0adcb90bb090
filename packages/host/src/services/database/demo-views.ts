/**
 * The tutorial's tables (`tickets`, `ticket_states`, ...) as read-only views over the real
 * ones, with the tutorial's columns, so the GoatFlow tutorials and older plugin SQL still run
 * in the demo help desk. GoatFlow itself has none of them (docs/demo-schema.md).
 *
 * The views check the reader's own privileges on the tables behind them (`security_invoker`
 * on PostgreSQL, `SQL SECURITY INVOKER` on MySQL; SQLite's compiled program opens the real
 * tables), so `db:read` covers them like any core table. They are never written: writes go to
 * the real table, under `db:write:<real table>`.
 */

/** Each tutorial view and the real table a write belongs to. */
export const TUTORIAL_VIEWS: Readonly<Record<string, string>> = {
  ticket_states: "ticket_state",
  ticket_priorities: "ticket_priority",
  queues: "queue",
  customers: "customer_user",
  tickets: "ticket",
  articles: "article",
};

/** The article sender type of agents' articles, and the closed ticket state type (real ids). */
const AGENT = 1;
const CLOSED = 5;

const VIEWS: [name: string, select: string][] = [
  [
    "ticket_states",
    `SELECT s.id, s.name, CASE WHEN st.name LIKE 'pending%' THEN 'pending' ELSE st.name END AS type_name
       FROM ticket_state s JOIN ticket_state_type st ON st.id = s.type_id`,
  ],
  ["ticket_priorities", "SELECT id, name FROM ticket_priority"],
  ["queues", "SELECT id, name, first_response_time, solution_time FROM queue"],
  [
    "customers",
    `SELECT cu.id, cu.login, cu.email, cu.first_name, cu.last_name, cc.name AS company
       FROM customer_user cu LEFT JOIN customer_company cc ON cc.customer_id = cu.customer_id`,
  ],
  [
    // The owner is NULL while the admin user 1 holds the ticket; the first response is the first
    // agent article the customer sees; a closed ticket closed when it last entered its state.
    "tickets",
    `SELECT t.id, t.tn, t.title, t.queue_id, t.ticket_state_id AS state_id, t.ticket_priority_id AS priority_id,
            cu.id AS customer_id, NULLIF(t.user_id, 1) AS user_id, t.create_time, t.change_time,
            (SELECT MIN(a.create_time) FROM article a
              WHERE a.ticket_id = t.id AND a.article_sender_type_id = ${AGENT} AND a.is_visible_for_customer = 1) AS first_response_time,
            CASE WHEN s.type_id = ${CLOSED} THEN (SELECT MAX(h.create_time) FROM ticket_history h
              WHERE h.ticket_id = t.id AND h.state_id = t.ticket_state_id) END AS close_time
       FROM ticket t JOIN ticket_state s ON s.id = t.ticket_state_id
       LEFT JOIN customer_user cu ON cu.login = t.customer_user_id`,
  ],
  [
    "articles",
    `SELECT a.id, a.ticket_id, ast.name AS sender_type,
            CASE WHEN a.article_sender_type_id = ${AGENT} THEN a.create_by END AS user_id,
            CASE WHEN ast.name = 'customer' THEN cu.id END AS customer_id,
            m.a_subject AS subject, m.a_body AS body, a.create_time
       FROM article a JOIN article_sender_type ast ON ast.id = a.article_sender_type_id
       LEFT JOIN article_data_mime m ON m.article_id = a.id
       LEFT JOIN ticket t ON t.id = a.ticket_id
       LEFT JOIN customer_user cu ON cu.login = t.customer_user_id`,
  ],
];

/**
 * PostgreSQL before 15 has no `security_invoker`: its views then read with their owner's (the
 * host's) privileges, and only the grant on the view itself (`db:read`) decides, which exposes
 * no more than `db:read` does.
 */
export function tutorialViews(dialect: "sqlite" | "postgres" | "mysql", options: { securityInvoker?: boolean } = {}): string[] {
  return VIEWS.map(([name, select]) => {
    if (dialect === "postgres") return `CREATE VIEW ${name}${options.securityInvoker === false ? "" : " WITH (security_invoker = true)"} AS ${select}`;
    if (dialect === "mysql") return `CREATE SQL SECURITY INVOKER VIEW ${name} AS ${select}`;
    return `CREATE VIEW ${name} AS ${select}`;
  });
}

/**
 * The refusal for a write to a tutorial view, naming the real table, or null for any other
 * name. The database refuses the write itself (no plugin is granted a view); this only words it.
 */
export function viewWriteRefusal(name: string): string | null {
  const real = TUTORIAL_VIEWS[name.toLowerCase()];
  if (real === undefined) return null;
  return `may not write "${name}": it is a read-only view of the tutorial's, over GoatFlow's table "${real}" (docs/demo-schema.md); write "${real}" with its own column names, granted by "db:write:${real}"`;
}
