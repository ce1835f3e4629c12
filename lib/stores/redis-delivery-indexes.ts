// The keys of the Redis delivery store and the two scripts that keep its indexes exact.
//
//   <p>d:<id>                 the record (JSON), expiring after the retention
//   <p>index                  every delivery: sorted set, score = received time (ms), newest listed first
//   <p>x:event:<event>        one sorted set per value of each filter of /api/deliveries, same scores:
//   <p>x:state:<state>          action_state (pending | succeeded | failed: a delivery is in each state
//   <p>x:assistant:<id>           one of its actions is in), assistant_id and graph_id (both, so that the
//   <p>x:thread:<thread_id>       assistant filter matches either), thread_id and run_id
//   <p>x:run:<run_id>
//   <p>x:since                the received time of the first delivery indexed here; older ones were
//                             stored by a version without these indexes (lib/stores/redis-delivery-store.ts
//                             lists those by reading them, until they expire)
//
// A claim writes the record and all its index entries in one script, and only when the record is new
// (a repeat must not add a forged thread or a `pending` state to a delivery already recorded). A save
// rewrites the record and moves the delivery between the state sets, and between event sets when the
// event changed (run.success → run.paused), in one script too, so that a filtered listing never
// disagrees with the records. Every sorted set touched is pruned of entries older than the retention
// and expires with it, like the main index.
import type { ActionState, DeliveryRecord } from "../model/delivery.js";
import { eventFor } from "../model/delivery.js";
import { sha256Hex } from "../shared/digest.js";
import type { DeliveryFilter } from "./delivery-filter.js";
import { actionStatesOf } from "./delivery-filter.js";

/** Index fields, in the order a claim writes them. */
type IndexField = "event" | "state" | "assistant" | "thread" | "run";

const STATES: readonly ActionState[] = ["pending", "succeeded", "failed"];

/** Longer values (ids are not bounded by LangGraph) are hashed, so that a key stays short. */
const MAX_RAW_VALUE_CHARS = 128;

export class DeliveryKeys {
  constructor(readonly prefix: string) {}

  record(id: string): string {
    return `${this.prefix}d:${id}`;
  }

  get index(): string {
    return `${this.prefix}index`;
  }

  get since(): string {
    return `${this.prefix}x:since`;
  }

  value(field: IndexField, value: string): string {
    const encoded = value.length <= MAX_RAW_VALUE_CHARS ? value : `#${sha256Hex(value)}`;
    return `${this.prefix}x:${field}:${encoded}`;
  }

  /** The sorted sets a new record belongs to, the main index first. */
  setsOf(record: DeliveryRecord): string[] {
    const sets = [this.index, this.value("event", record.event)];
    for (const state of actionStatesOf(record)) sets.push(this.value("state", state));
    sets.push(this.value("assistant", record.assistant_id));
    if (record.graph_id !== undefined && record.graph_id !== record.assistant_id) {
      sets.push(this.value("assistant", record.graph_id));
    }
    sets.push(this.value("thread", record.thread_id), this.value("run", record.run_id));
    return sets;
  }

  /** One index set per filter given; every match is in all of them. */
  setsFor(filter: DeliveryFilter): string[] {
    const sets: string[] = [];
    if (filter.event !== undefined) sets.push(this.value("event", filter.event));
    if (filter.action_state !== undefined) sets.push(this.value("state", filter.action_state));
    if (filter.assistant_id !== undefined) sets.push(this.value("assistant", filter.assistant_id));
    if (filter.thread_id !== undefined) sets.push(this.value("thread", filter.thread_id));
    if (filter.run_id !== undefined) sets.push(this.value("run", filter.run_id));
    return sets;
  }
}

/**
 * KEYS: record, since marker, then the sorted sets (main index first).
 * ARGV: record JSON, retention (s), score (received ms), id, prune bound (ms, inclusive).
 * Returns 1 when the record was new, 0 for a repeat (then nothing is written).
 */
export const CLAIM_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'NX')
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
`;

/**
 * KEYS: record, the three state sets (pending, succeeded, failed), the event set of the record's
 * event, the event set of its status (where the claim put it).
 * ARGV: record JSON, score, id, then '1' or '0' per state, retention (s), prune bound (ms).
 * Returns 1 when saved, 0 when the record had expired (then nothing is written).
 */
export const SAVE_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL') then return 0 end
for i = 2, 4 do
  if ARGV[i + 2] == '1' then
    redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[8])
    redis.call('EXPIRE', KEYS[i], ARGV[7])
  else
    redis.call('ZREM', KEYS[i], ARGV[3])
  end
end
if KEYS[6] ~= KEYS[5] then redis.call('ZREM', KEYS[6], ARGV[3]) end
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[5], ARGV[7])
return 1
`;

/** The keys and arguments of SAVE_SCRIPT for a record, less its JSON and the two bounds. */
export function saveTargets(keys: DeliveryKeys, record: DeliveryRecord): { keys: string[]; states: string[] } {
  const states = actionStatesOf(record);
  return {
    keys: [
      keys.record(record.id),
      ...STATES.map((state) => keys.value("state", state)),
      keys.value("event", record.event),
      keys.value("event", eventFor(record.status)),
    ],
    states: STATES.map((state) => (states.has(state) ? "1" : "0")),
  };
}
