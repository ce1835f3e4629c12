// The keys of the Redis delivery store and the two scripts that keep its indexes exact.
//
//   <p>d:<id>                 the record (JSON), expiring after the retention
//   <p>index                  every delivery: sorted set, score = received time (ms), newest listed first
//   <p>x:event:<event>        one sorted set per value of each filter of /api/deliveries, same scores:
//   <p>x:state:<state>          action_state (pending | succeeded | failed: a delivery is in each state
//   <p>x:assistant:<id>           one of its actions is in), assistant_id and graph_id (both, so that the
//   <p>x:thread:<thread_id>       assistant filter matches either), thread_id and run_id
//   <p>x:run:<run_id>
//   <p>x:route:<name>         route and source (webhook | reconciled), indexed since <p>x:since2
//   <p>x:source:<source>
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
type IndexField = "event" | "state" | "assistant" | "thread" | "run" | "route" | "source";

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

  /** The received time of the first delivery whose route and source were indexed. */
  get since2(): string {
    return `${this.prefix}x:since2`;
  }

  /** A delivery's actions: hash of action name → record JSON (lib/stores/redis-due-scripts.ts). */
  actions(id: string): string {
    return `${this.prefix}a:${id}`;
  }

  get due(): string {
    return `${this.prefix}due`;
  }

  get lease(): string {
    return `${this.prefix}lease`;
  }

  /** The three state sets, in the order the scripts take them. */
  get stateSets(): string[] {
    return STATES.map((state) => this.value("state", state));
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
    if (record.route !== undefined) sets.push(this.value("route", record.route));
    sets.push(this.value("source", record.source ?? "webhook"));
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
    if (filter.route !== undefined) sets.push(this.value("route", filter.route));
    if (filter.source !== undefined) sets.push(this.value("source", filter.source));
    return sets;
  }
}

/**
 * KEYS: record, since marker, since2 marker, due, lease, actions hash, then the sorted sets (main index first).
 * ARGV: record JSON, retention (s), score (received ms), id, prune bound (ms, inclusive), route item,
 * route lease end (ms), lease token, then per action: name, JSON.
 * Returns 1 when the record was new, 0 for a repeat (then nothing is written). A new record's routing
 * item is enqueued, leased to the claimer, in the same step (lib/stores/due-work.ts).
 */
export const CLAIM_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'NX')
redis.call('SET', KEYS[3], ARGV[3], 'NX')
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[6])
redis.call('HSET', KEYS[5], ARGV[6], ARGV[8])
if #ARGV > 8 then
  for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1]) end
  redis.call('EXPIRE', KEYS[6], ARGV[2])
end
for i = 7, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
`;

/** The record's event set and its status's event set (where the claim put it), for the save scripts. */
export function eventSets(keys: DeliveryKeys, record: DeliveryRecord): string[] {
  return [keys.value("event", record.event), keys.value("event", eventFor(record.status))];
}

/** Each action as name, JSON: the scripts' trailing arguments. */
export function actionArguments(record: DeliveryRecord): string[] {
  return record.actions.flatMap((action) => [action.name, JSON.stringify(action)]);
}

/** A record read back: its actions hash merged in (stored order first, then actions only the hash has). */
export function mergeActions(record: DeliveryRecord, hash: Record<string, string>): DeliveryRecord {
  const names = Object.keys(hash);
  if (names.length === 0) return record;
  const merged = record.actions.map((action) => {
    const raw = hash[action.name];
    return raw === undefined ? action : (JSON.parse(raw) as DeliveryRecord["actions"][number]);
  });
  for (const name of names) {
    if (!record.actions.some((action) => action.name === name)) merged.push(JSON.parse(hash[name] as string) as DeliveryRecord["actions"][number]);
  }
  record.actions = merged;
  return record;
}
