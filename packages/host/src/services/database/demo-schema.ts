/**
 * The demo help desk: the core tables plugins query, named as in the GoatFlow tutorials
 * (`tickets.state_id`, `ticket_states.name`, `create_time`, ...). The DDL is kept to the
 * subset that SQLite, PostgreSQL and MySQL/MariaDB all accept, so one script serves all three.
 * Times are UTC, stored as `YYYY-MM-DD HH:MM:SS`.
 */
export const DEMO_SCHEMA = [
  `CREATE TABLE ticket_states (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    type_name VARCHAR(50) NOT NULL
  )`,
  `CREATE TABLE ticket_priorities (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL
  )`,
  `CREATE TABLE queues (
    id INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    first_response_time INTEGER NOT NULL,
    solution_time INTEGER NOT NULL
  )`,
  `CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login VARCHAR(200) NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    email VARCHAR(200) NOT NULL,
    role VARCHAR(20) NOT NULL,
    valid_id INTEGER NOT NULL,
    create_time VARCHAR(19) NOT NULL
  )`,
  `CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    login VARCHAR(200) NOT NULL,
    email VARCHAR(200) NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    company VARCHAR(200) NOT NULL
  )`,
  `CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    tn VARCHAR(50) NOT NULL,
    title VARCHAR(255) NOT NULL,
    queue_id INTEGER NOT NULL,
    state_id INTEGER NOT NULL,
    priority_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    user_id INTEGER,
    create_time VARCHAR(19) NOT NULL,
    change_time VARCHAR(19) NOT NULL,
    first_response_time VARCHAR(19),
    close_time VARCHAR(19)
  )`,
  `CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    sender_type VARCHAR(20) NOT NULL,
    user_id INTEGER,
    customer_id INTEGER,
    subject VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    create_time VARCHAR(19) NOT NULL
  )`,
  `CREATE INDEX tickets_state_id ON tickets (state_id)`,
  `CREATE INDEX tickets_queue_id ON tickets (queue_id)`,
  `CREATE INDEX tickets_create_time ON tickets (create_time)`,
  `CREATE INDEX articles_ticket_id ON articles (ticket_id)`,
] as const;

/** Core tables: plugins read them with `db:read`; writing needs `db:write:<table>`. */
export const CORE_TABLES = ["ticket_states", "ticket_priorities", "queues", "users", "customers", "tickets", "articles"] as const;
