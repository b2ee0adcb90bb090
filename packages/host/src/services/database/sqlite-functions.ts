/**
 * The functions a plugin's SQLite statements may call: SQLite's own core, date, aggregate,
 * window, math and JSON functions, none of which reaches outside the database file. Anything
 * else the build offers (libsql's `readfile`, `writefile`, `fsdir`, `edit`, `load_extension`,
 * ...) is refused, so a function added by a future build is refused until it is listed here.
 */
export const SQLITE_FUNCTIONS: ReadonlySet<string> = new Set([
  // core scalar functions
  "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "if", "instr",
  "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length",
  "printf", "quote", "random", "randomblob", "replace", "round", "rtrim", "sign", "soundex", "substr",
  "substring", "trim", "typeof", "unhex", "unicode", "unlikely", "upper", "zeroblob", "changes",
  "last_insert_rowid", "total_changes", "collate", "regexp",
  // date and time
  "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff", "current_date",
  "current_time", "current_timestamp",
  // aggregates and window functions
  "avg", "count", "group_concat", "string_agg", "sum", "total", "row_number", "rank", "dense_rank",
  "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
  "median", "percentile", "percentile_cont", "percentile_disc",
  // math
  "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh",
  "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians",
  "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
  // JSON (scalar and aggregate; json_each and json_tree are table-valued and refused)
  "json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_error_position",
  "json_extract", "jsonb_extract", "json_insert", "jsonb_insert", "json_object", "jsonb_object",
  "json_patch", "jsonb_patch", "json_pretty", "json_remove", "jsonb_remove", "json_replace",
  "jsonb_replace", "json_set", "jsonb_set", "json_type", "json_valid", "json_quote",
  "json_group_array", "jsonb_group_array", "json_group_object", "jsonb_group_object",
  // what SQLite itself codes for some expressions (`x IS TRUE`, UPSERT, generated columns)
  "sqlite_version", "sqlite_source_id", "unistr", "unistr_quote",
]);

/**
 * SQLite's internal functions that ALTER TABLE codes to rewrite the schema; a migration may
 * run them (the schema comparison then decides), a plugin statement may not.
 */
export const SQLITE_SCHEMA_FUNCTIONS: ReadonlySet<string> = new Set([
  "sqlite_rename_column", "sqlite_rename_table", "sqlite_rename_test", "sqlite_rename_quotefix", "sqlite_drop_column",
]);
