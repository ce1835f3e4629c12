// The Lua scripts of the Redis store's due work, leases and per-action progress (lib/stores/due-work.ts
// says what they mean). Keys beside the record `<p>d:<id>`:
//
//   <p>a:<id>      hash: action name → the action's record (JSON); merged into the record on every read
//   <p>due         sorted set: item → when it is due (ms), or when the lease on it runs out
//   <p>lease       hash: item → the token of the lease on it
//
// Each script is one atomic step: a claim of due items cannot hand one item to two sweeps, and a
// commit checks the lease token and writes the action in the same step. The action states of a
// delivery (the `x:state:*` index sets) are recomputed from the hash whenever an action changes.

/** Recomputes the three state sets of delivery ARGV id from its actions hash (shared by scripts below). */
const STATES_FUNCTION = `
local function index_states(actions_key, pending_key, succeeded_key, failed_key, id, score, retention, prune)
  local seen = {}
  for _, raw in ipairs(redis.call('HVALS', actions_key)) do
    local ok, action = pcall(cjson.decode, raw)
    if ok and type(action) == 'table' and type(action['state']) == 'string' then seen[action['state']] = true end
  end
  local sets = { pending = pending_key, succeeded = succeeded_key, failed = failed_key }
  for state, key in pairs(sets) do
    if seen[state] then
      redis.call('ZADD', key, score, id)
      redis.call('ZREMRANGEBYSCORE', key, '-inf', prune)
      redis.call('EXPIRE', key, retention)
    else
      redis.call('ZREM', key, id)
    end
  end
end
local function busy(due_key, lease_key, item, now, token)
  local held = redis.call('HGET', lease_key, item)
  if not held or held == token then return false end
  local score = redis.call('ZSCORE', due_key, item)
  return score ~= false and score ~= nil and tonumber(score) > tonumber(now)
end
`;

/**
 * KEYS: due, lease. ARGV: now, limit, lease end, token.
 * Returns the items leased (due time ≤ now, oldest first). Nothing due: one ZRANGE and nothing else.
 */
export const CLAIM_DUE_SCRIPT = `
local items = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
for _, item in ipairs(items) do
  redis.call('ZADD', KEYS[1], ARGV[3], item)
  redis.call('HSET', KEYS[2], item, ARGV[4])
end
return items
`;

/** KEYS: due, lease. ARGV: item, now, lease end, token. Returns 1 when leased, 0 when another lease runs. */
export const ACQUIRE_SCRIPT = `${STATES_FUNCTION}
if busy(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return 1
`;


/** Moves a leased item: `done` drops it, `at` makes it due at a time (lease given up), `extend` keeps the lease until a time. */
const MOVE_FUNCTION = `
local function move_item(due_key, lease_key, item, mode, time)
  if mode == 'done' then
    redis.call('ZREM', due_key, item)
    redis.call('HDEL', lease_key, item)
  elseif mode == 'at' then
    redis.call('ZADD', due_key, time, item)
    redis.call('HDEL', lease_key, item)
  else
    redis.call('ZADD', due_key, time, item)
  end
end
`;
/**
 * KEYS: due, lease. ARGV: item, token, mode ('done' | 'at' | 'extend'), time.
 * Returns 1 when the lease was held (and the item moved), 0 otherwise.
 */
export const RELEASE_SCRIPT = `${MOVE_FUNCTION}
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
move_item(KEYS[1], KEYS[2], ARGV[1], ARGV[3], ARGV[4])
return 1
`;

/**
 * KEYS: record, actions hash, due, lease, state sets (pending, succeeded, failed), the main index.
 * ARGV: id, score if the index has none, item, token ('' = no lease: only while no other lease runs), now, mode ('done' |
 * 'at' | 'extend'), time, action name, action JSON, retention (s), prune bound (ms), the action's state.
 * Returns 1 when written, 0 when the delivery expired (its item is dropped), -1 when the lease is not held.
 * The state sets are recomputed only when the action's state changed (an attempt that leaves it
 * `pending` cannot change which states the delivery is in).
 */
export const COMMIT_ACTION_SCRIPT = `${STATES_FUNCTION}${MOVE_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[3])
  redis.call('HDEL', KEYS[4], ARGV[3])
  return 0
end
if ARGV[4] ~= '' then
  if redis.call('HGET', KEYS[4], ARGV[3]) ~= ARGV[4] then return -1 end
elseif busy(KEYS[3], KEYS[4], ARGV[3], ARGV[5], '') then
  return -1
end
local previous = redis.call('HGET', KEYS[2], ARGV[8])
redis.call('HSET', KEYS[2], ARGV[8], ARGV[9])
redis.call('EXPIRE', KEYS[2], ARGV[10])
local changed = true
if previous and ARGV[12] then
  local ok, action = pcall(cjson.decode, previous)
  changed = not (ok and type(action) == 'table' and action['state'] == ARGV[12])
end
move_item(KEYS[3], KEYS[4], ARGV[3], ARGV[6], ARGV[7])
if changed then
  local score = redis.call('ZSCORE', KEYS[8], ARGV[1]) or ARGV[2]
  index_states(KEYS[2], KEYS[5], KEYS[6], KEYS[7], ARGV[1], score, ARGV[10], ARGV[11])
end
return 1
`;

/**
 * KEYS: record, actions hash, due, lease, state sets (pending, succeeded, failed), event set of the
 * record's event, event set of its status.
 * ARGV: record JSON, id, score, retention (s), prune bound (ms), route item, route token ('' = take
 * over), now, action lease end, new token, then per action: name, JSON, item.
 * Returns false when the route lease is not held or the record expired; else a flat list
 * name, stored JSON, ... of the actions now leased to the new token (stored state `pending`).
 */
export const COMMIT_PLAN_SCRIPT = `${STATES_FUNCTION}
if ARGV[7] ~= '' and redis.call('HGET', KEYS[4], ARGV[6]) ~= ARGV[7] then return false end
if not redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL') then
  redis.call('ZREM', KEYS[3], ARGV[6])
  redis.call('HDEL', KEYS[4], ARGV[6])
  return false
end
local leased = {}
for i = 11, #ARGV, 3 do
  local name, item = ARGV[i], ARGV[i + 2]
  redis.call('HSETNX', KEYS[2], name, ARGV[i + 1])
  local stored = redis.call('HGET', KEYS[2], name)
  local ok, action = pcall(cjson.decode, stored)
  if ok and type(action) == 'table' and action['state'] == 'pending' and not busy(KEYS[3], KEYS[4], item, ARGV[8], '') then
    redis.call('ZADD', KEYS[3], ARGV[9], item)
    redis.call('HSET', KEYS[4], item, ARGV[10])
    leased[#leased + 1] = name
    leased[#leased + 1] = stored
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[6])
redis.call('HDEL', KEYS[4], ARGV[6])
index_states(KEYS[2], KEYS[5], KEYS[6], KEYS[7], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if KEYS[9] ~= KEYS[8] then redis.call('ZREM', KEYS[9], ARGV[2]) end
redis.call('ZADD', KEYS[8], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[8], ARGV[4])
return leased
`;

/**
 * KEYS: record, actions hash, the state sets (pending, succeeded, failed), event set of the record's
 * event, event set of its status.
 * ARGV: record JSON, id, score, retention (s), prune bound (ms), then per action: name, JSON.
 * Returns 1 when saved, 0 when the record had expired (then nothing is written).
 */
export const SAVE_SCRIPT = `${STATES_FUNCTION}
if not redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL') then return 0 end
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[2], ARGV[4])
index_states(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if KEYS[7] ~= KEYS[6] then redis.call('ZREM', KEYS[7], ARGV[2]) end
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[6], ARGV[4])
return 1
`;
