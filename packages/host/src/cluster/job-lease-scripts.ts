import { RedisScript } from "./redis-connection.js";

/*
 * The job lease in Redis. Each due time of a job has a lease key,
 * `<prefix>job:<plugin>:<job>:<scheduledAt ms>`, holding JSON:
 *   {state: "running", host, token, attempt}    while a host runs it (`PX` TTL, renewed);
 *   {state: "retrying", host, token, attempt}   a failed attempt waits for its retry on that host;
 *   {state: "succeeded" | "failed", host, attempt} once done (kept `doneRetentionMs`).
 * The hash `<prefix>jobs:running` maps `<plugin>:<job>:<ms>` to the last claim
 * {host, token, attempt} until the due time is done: a field whose lease key has expired is a
 * run whose host died, and the next claim of it counts the attempt on.
 * Every check-and-set is one script, so two hosts can never both win.
 */

/** KEYS: lease, running. ARGV: field, host, token, ttlMs. Returns {won, attempt, previousHost, ownRetry}. */
export const ACQUIRE = new RedisScript(
  "acquire",
  `
local current = redis.call('GET', KEYS[1])
local own_retry = 0
if current then
  local held = cjson.decode(current)
  if held.state ~= 'retrying' or held.host ~= ARGV[2] then
    return {0, held.attempt or 0, held.host or '', 0}
  end
  own_retry = 1
end
local attempt, previous_host = 1, ''
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last then
  local previous = cjson.decode(last)
  attempt = previous.attempt + 1
  previous_host = previous.host
end
redis.call('SET', KEYS[1], cjson.encode({state = 'running', host = ARGV[2], token = ARGV[3], attempt = attempt}), 'PX', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({host = ARGV[2], token = ARGV[3], attempt = attempt}))
return {1, attempt, previous_host, own_retry}
`,
);

/**
 * KEYS: lease, running. ARGV: token, ttlMs, field, running value. Returns 1 renewed, 2 claimed
 * again after it expired unnoticed (a stall longer than the TTL, no takeover yet), 0 expired
 * and claimed by another host since, -1 taken by another host.
 */
export const RENEW = new RedisScript(
  "renew",
  `
local current = redis.call('GET', KEYS[1])
if not current then
  local last = redis.call('HGET', KEYS[2], ARGV[3])
  if not last or cjson.decode(last).token ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[2])
  return 2
end
if cjson.decode(current).token ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
);

/**
 * KEYS: lease, running. ARGV: field, token, final value, keepMs, done ("1"; "0" keeps the claim
 * for a retry). Returns 1, or 0 when another host has claimed the due time since.
 */
export const RELEASE = new RedisScript(
  "release",
  `
local current = redis.call('GET', KEYS[1])
if current then
  if cjson.decode(current).token ~= ARGV[2] then return 0 end
else
  -- Expired, but no other host claimed it yet: the run did finish, so record that.
  local last = redis.call('HGET', KEYS[2], ARGV[1])
  if not last or cjson.decode(last).token ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if ARGV[5] == '1' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
`,
);

/**
 * KEYS: running. ARGV: lease key prefix, now ms, give-up age ms. Returns the fields whose lease
 * expired (their host died); ones older than the give-up age are dropped instead.
 */
export const ORPHANS = new RedisScript(
  "orphans",
  `
local entries = redis.call('HGETALL', KEYS[1])
local orphans = {}
for i = 1, #entries, 2 do
  local field = entries[i]
  if redis.call('EXISTS', ARGV[1] .. field) == 0 then
    local tick = tonumber(string.match(field, ':(%-?%d+)$'))
    if tick == nil or tonumber(ARGV[2]) - tick > tonumber(ARGV[3]) then
      redis.call('HDEL', KEYS[1], field)
    else
      orphans[#orphans + 1] = field
    end
  end
end
return orphans
`,
);
