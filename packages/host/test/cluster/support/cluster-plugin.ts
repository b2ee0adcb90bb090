import { wat } from "../../support/plugin-dir.js";
import { PACK_AND_ALLOC } from "../../support/wat-prelude.js";

export const CLUSTER_PLUGIN = "cluster-ticks";
export const EVERY_SECOND_JOB = "every-second";

/**
 * The plugin the cluster tests run on every host, in WebAssembly text:
 * - job `every-second` (`* * * * * *`): works (a `pg_sleep` in PostgreSQL) for `workMs`, or for
 *   the `work_seconds` that `cluster_ticks_work` gives its due time on a first attempt (a test
 *   makes one run long, to kill its host mid-run), then inserts its due time and attempt into
 *   `cluster_ticks_runs`: one row per run that finished, whichever host ran it;
 * - `POST /api/plugins/cluster-ticks/shared` stores the request envelope in the cache under
 *   `shared`, and `GET` of the same path returns what is stored.
 */
export function clusterPluginManifest(version = "1.0.0"): Record<string, unknown> {
  return {
    name: CLUSTER_PLUGIN,
    version,
    description: "Records every run of a job due each second, and shares a cache entry",
    permissions: ["db:read", "db:write", "cache:read", "cache:write"],
    jobs: [{ id: EVERY_SECOND_JOB, schedule: "* * * * * *", handler: "record_tick", timeout_ms: 10_000 }],
    routes: [
      { method: "POST", path: `/api/plugins/${CLUSTER_PLUGIN}/shared`, handler: "remember" },
      { method: "GET", path: `/api/plugins/${CLUSTER_PLUGIN}/shared`, handler: "recall" },
    ],
    migrations: [
      {
        id: "001_cluster_ticks",
        up: {
          postgres: `CREATE TABLE cluster_ticks_runs (id SERIAL PRIMARY KEY, scheduled_at VARCHAR(30) NOT NULL, attempt INTEGER NOT NULL, recorded_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE cluster_ticks_work (scheduled_at VARCHAR(30) PRIMARY KEY, work_seconds REAL NOT NULL)`,
          default: `CREATE TABLE cluster_ticks_runs (id INTEGER PRIMARY KEY, scheduled_at VARCHAR(30) NOT NULL, attempt INTEGER NOT NULL, recorded_at VARCHAR(30));
            CREATE TABLE cluster_ticks_work (scheduled_at VARCHAR(30) PRIMARY KEY, work_seconds REAL NOT NULL)`,
        },
      },
    ],
  };
}

export function clusterPluginWasm(options: { version?: string; workMs?: number } = {}): Uint8Array {
  const version = options.version ?? "1.0.0";
  const data: string[] = [];
  let offset = 1024;
  const place = (text: string): { at: number; len: number } => {
    const bytes = new TextEncoder().encode(text);
    const at = offset;
    data.push(`(data (i32.const ${at}) "${[...bytes].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("")}")`);
    offset += bytes.length + 16;
    return { at, len: bytes.length };
  };
  const registration = place(JSON.stringify({ name: CLUSTER_PLUGIN, version }));
  const scheduledAt = place('"scheduled_at":"');
  const attempt = place('"attempt":');
  const work = place(`SELECT pg_sleep(COALESCE((SELECT work_seconds FROM cluster_ticks_work WHERE scheduled_at = ? AND 1 = ?), ${(options.workMs ?? 250) / 1000}))`);
  const insert = place("INSERT INTO cluster_ticks_runs (scheduled_at, attempt) VALUES (?, ?)");
  const notAJob = place(JSON.stringify({ error: "record_tick runs as a job: the request has no job.scheduled_at", code: "NOT_A_JOB", status: 400 }));
  const cacheKey = place("shared");
  const stored = place("stored");
  // Arguments are built here; requests and host results land at 64 KiB (gk_alloc's buffer).
  const scratch = 32768;
  if (offset >= scratch) throw new Error("the cluster plugin's texts overlap its scratch buffer; shorten them");
  return wat(`(module
    (import "host" "db_query" (func $db_query (param i32 i32 i32 i32) (result i64)))
    (import "host" "db_exec" (func $db_exec (param i32 i32 i32 i32) (result i64)))
    (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
    (import "host" "cache_set" (func $cache_set (param i32 i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 2)
    ${data.join("\n")}
    ${PACK_AND_ALLOC}
    (func (export "gk_register") (result i64) (call $pack (i32.const ${registration.at}) (i32.const ${registration.len})))

    ;; The address just after the first occurrence of the needle in the haystack, or -1.
    (func $after (param $hay i32) (param $hayLen i32) (param $needle i32) (param $needleLen i32) (result i32)
      (local $i i32) (local $j i32)
      (block $absent
        (loop $outer
          (br_if $absent (i32.gt_u (i32.add (local.get $i) (local.get $needleLen)) (local.get $hayLen)))
          (local.set $j (i32.const 0))
          (block $mismatch
            (loop $inner
              (if (i32.eq (local.get $j) (local.get $needleLen))
                (then (return (i32.add (i32.add (local.get $hay) (local.get $i)) (local.get $needleLen)))))
              (br_if $mismatch (i32.ne
                (i32.load8_u (i32.add (i32.add (local.get $hay) (local.get $i)) (local.get $j)))
                (i32.load8_u (i32.add (local.get $needle) (local.get $j)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $inner)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $outer)))
      (i32.const -1))

    ;; args = ["<scheduled_at, 24 chars>",<attempt>], read from the request before any host
    ;; call overwrites it; then the work (a sleep in the database), then the row: both
    ;; statements take these two arguments.
    (func (export "record_tick") (param $p i32) (param $l i32) (result i64)
      (local $at i32) (local $n i32) (local $digit i32)
      (local.set $at (call $after (local.get $p) (local.get $l) (i32.const ${scheduledAt.at}) (i32.const ${scheduledAt.len})))
      (if (i32.eq (local.get $at) (i32.const -1)) (then (return (call $pack (i32.const ${notAJob.at}) (i32.const ${notAJob.len})))))
      (i32.store8 (i32.const ${scratch}) (i32.const 91))
      (i32.store8 (i32.const ${scratch + 1}) (i32.const 34))
      (memory.copy (i32.const ${scratch + 2}) (local.get $at) (i32.const 24))
      (i32.store8 (i32.const ${scratch + 26}) (i32.const 34))
      (i32.store8 (i32.const ${scratch + 27}) (i32.const 44))
      (local.set $n (i32.const 28))
      (local.set $at (call $after (local.get $p) (local.get $l) (i32.const ${attempt.at}) (i32.const ${attempt.len})))
      (if (i32.eq (local.get $at) (i32.const -1)) (then (return (call $pack (i32.const ${notAJob.at}) (i32.const ${notAJob.len})))))
      (block $end
        (loop $digits
          (local.set $digit (i32.load8_u (local.get $at)))
          (br_if $end (i32.or (i32.lt_u (local.get $digit) (i32.const 48)) (i32.gt_u (local.get $digit) (i32.const 57))))
          (i32.store8 (i32.add (i32.const ${scratch}) (local.get $n)) (local.get $digit))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (br $digits)))
      (i32.store8 (i32.add (i32.const ${scratch}) (local.get $n)) (i32.const 93))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (drop (call $db_query (i32.const ${work.at}) (i32.const ${work.len}) (i32.const ${scratch}) (local.get $n)))
      (call $db_exec (i32.const ${insert.at}) (i32.const ${insert.len}) (i32.const ${scratch}) (local.get $n)))

    (func (export "remember") (param $p i32) (param $l i32) (result i64)
      (drop (call $cache_set (i32.const ${cacheKey.at}) (i32.const ${cacheKey.len}) (local.get $p) (local.get $l) (i32.const 0)))
      (call $pack (i32.const ${stored.at}) (i32.const ${stored.len})))

    (func (export "recall") (param i32 i32) (result i64)
      (call $cache_get (i32.const ${cacheKey.at}) (i32.const ${cacheKey.len})))
  )`);
}
