// The Lua scripts of the Redis run ledger (lib/stores/redis-run-ledger.ts, whose header says what each
// key holds). Every change to an entry is one script — read, check, write — so concurrent binds,
// revokes, callbacks and reconciliation steps cannot interleave.

// Each script takes the clock's now (ms) as its last argument: an entry past its expires_ms by
// that clock is gone, whatever Redis's own clock says about its TTL.
const LIVE = `
local function live(key)
  local expires = redis.call('HGET', key, 'expires_ms')
  return expires and tonumber(expires) > tonumber(ARGV[#ARGV])
end
`;

// Drops up to 100 entries past their expiry from the open, expiry and recheck lists.
const PRUNE = `
local function prune(open, expiry, recheck, now)
  local expired = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 100)
  if #expired > 0 then
    redis.call('ZREM', expiry, unpack(expired))
    redis.call('ZREM', open, unpack(expired))
    redis.call('ZREM', recheck, unpack(expired))
  end
end
`;

// KEYS: entry, open, expiry, recheck. ARGV: ttl ms, created ms, expires ms, token id, now ms, '1' for a
// run, then field/value pairs, then now.
export const PUT_SCRIPT = `${LIVE}${PRUNE}
if live(KEYS[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 7, #ARGV - 1))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
prune(KEYS[2], KEYS[3], KEYS[4], ARGV[5])
if ARGV[6] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
end
return 1
`;

// KEYS: entry. ARGV: run id, thread id or '', now.
export const BIND_RUN_SCRIPT = `${LIVE}
if not live(KEYS[1]) then return 0 end
local f = redis.call('HMGET', KEYS[1], 'kind', 'run_id', 'thread_id', 'revoked')
if f[1] ~= 'run' or f[4] then return 0 end
if f[2] and f[2] ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and f[3] and f[3] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'run_id', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'thread_id', ARGV[2]) end
return 1
`;

// KEYS: entry, cron set. ARGV: cron id, token id, now.
export const BIND_CRON_SCRIPT = `${LIVE}
if not live(KEYS[1]) then return 0 end
local f = redis.call('HMGET', KEYS[1], 'kind', 'cron_id', 'revoked')
if f[1] ~= 'cron' or f[3] then return 0 end
if f[2] and f[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'cron_id', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;

// KEYS: entry, open, expiry, recheck. ARGV: now (ISO), token id, now.
export const REVOKE_SCRIPT = `${LIVE}
if not live(KEYS[1]) then return 0 end
if not redis.call('HGET', KEYS[1], 'revoked') then
  redis.call('HSET', KEYS[1], 'revoked', '1', 'revoked_at', ARGV[1])
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
return 1
`;

// KEYS: entry, open, expiry, recheck. ARGV: run id, now (ISO), token id, ['first',] now.
export const CALLBACK_SEEN_SCRIPT = `${LIVE}
if not live(KEYS[1]) then return 0 end
local f = redis.call('HMGET', KEYS[1], 'kind', 'run_id', 'revoked', 'callback_seen_at')
if f[3] then return 0 end
if ARGV[4] == 'first' and f[4] then return 0 end
if f[1] == 'run' then
  if f[2] and f[2] ~= ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'run_id', ARGV[1])
  if not f[4] then redis.call('HSET', KEYS[1], 'callback_seen_at', ARGV[2]) end
else
  redis.call('HSET', KEYS[1], 'callback_seen_at', ARGV[2])
end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
return 1
`;

// Whether reconciliation may still look at the entry: a live run entry, no callback, not revoked or settled.
const OPEN = `${LIVE}
local function open(key)
  if not live(key) then return false end
  local f = redis.call('HMGET', key, 'kind', 'revoked', 'callback_seen_at', 'reconcile_outcome')
  return f[1] == 'run' and not f[2] and not f[3] and not f[4]
end
`;

// KEYS: open, expiry, recheck. ARGV: started before (ms), now (ms), limit, lease end (ms) or '', now.
// With a lease end, the entries listed move to recheck at that time: the listing takes them.
export const LIST_DUE_SCRIPT = `${PRUNE}
prune(KEYS[1], KEYS[2], KEYS[3], ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local left = tonumber(ARGV[3]) - #ids
if left > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2], 'LIMIT', 0, left)
  for _, id in ipairs(due) do ids[#ids + 1] = id end
end
if ARGV[4] ~= '' and #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
  for _, id in ipairs(ids) do redis.call('ZADD', KEYS[3], ARGV[4], id) end
end
return ids
`;

// KEYS: entry, open, expiry, recheck. ARGV: attempts, next (ISO), next (ms), token id, now.
export const DEFER_SCRIPT = `${OPEN}
if not open(KEYS[1]) then return 0 end
redis.call('HSET', KEYS[1], 'reconcile_attempts', ARGV[1], 'reconcile_next_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
return 1
`;

// KEYS: entry, open, expiry, recheck. ARGV: outcome, now (ISO), token id, now.
export const SETTLE_SCRIPT = `${OPEN}
if not open(KEYS[1]) then return 0 end
redis.call('HSET', KEYS[1], 'reconcile_outcome', ARGV[1], 'reconciled_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'reconcile_next_at')
if ARGV[1] == 'reconciled' then redis.call('HSET', KEYS[1], 'callback_seen_at', ARGV[2]) end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
return 1
`;

export const MARK_ENDED_SCRIPT = `${LIVE}
if not live(KEYS[1]) then return 0 end
if redis.call('HGET', KEYS[1], 'revoked') then return 0 end
if not redis.call('HGET', KEYS[1], 'ended_at') then redis.call('HSET', KEYS[1], 'ended_at', ARGV[1]) end
return 1
`;
