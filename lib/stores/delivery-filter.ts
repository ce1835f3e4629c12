// What a listing of deliveries may be narrowed to. A structured filter (not a predicate) so that a
// store can answer it from indexes: the Redis store keeps one sorted set per value of each field
// (lib/stores/redis-delivery-indexes.ts) and reads only the records of the page; the memory store,
// which has no I/O, matches in memory with `matchesFilter`. Both give the same answers.
import type { ActionState, DeliveryRecord } from "../model/delivery.js";

/** What the list keeps; every filter given must match. */
export interface DeliveryFilter {
  event?: string | undefined;
  /** Deliveries having at least one action in this state. */
  action_state?: ActionState | undefined;
  /** The run's assistant id or its graph id (LangGraph accepts either where an assistant is asked for). */
  assistant_id?: string | undefined;
  thread_id?: string | undefined;
  run_id?: string | undefined;
  /** The named route the run was started with. */
  route?: string | undefined;
  /** Where the delivery came from; records of older relays count as `webhook`. */
  source?: "webhook" | "reconciled" | undefined;
  /** Received at or after this time (ms). */
  since?: number | undefined;
}

export function hasFilter(filter: DeliveryFilter | undefined): filter is DeliveryFilter {
  return filter !== undefined && Object.values(filter).some((value) => value !== undefined);
}

/** The action states a record is in: one entry per state at least one of its actions is in. */
export function actionStatesOf(record: Pick<DeliveryRecord, "actions">): Set<ActionState> {
  return new Set(record.actions.map((action) => action.state));
}

export function matchesFilter(record: DeliveryRecord, filter: DeliveryFilter): boolean {
  if (filter.event !== undefined && record.event !== filter.event) return false;
  if (filter.action_state !== undefined && !record.actions.some((action) => action.state === filter.action_state)) {
    return false;
  }
  if (
    filter.assistant_id !== undefined &&
    record.assistant_id !== filter.assistant_id &&
    record.graph_id !== filter.assistant_id
  ) {
    return false;
  }
  if (filter.thread_id !== undefined && record.thread_id !== filter.thread_id) return false;
  if (filter.run_id !== undefined && record.run_id !== filter.run_id) return false;
  if (filter.route !== undefined && record.route !== filter.route) return false;
  if (filter.source !== undefined && (record.source ?? "webhook") !== filter.source) return false;
  if (filter.since !== undefined && !(Date.parse(record.received_at) >= filter.since)) return false;
  return true;
}
