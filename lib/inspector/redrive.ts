// Redrive: replay by filter. Every dead action (`failed`) of the deliveries a filter matches — one
// route's, one event's, those received since a time — is made due again at once, with its retry
// schedule started afresh; the sweep (and the drain after the answer) runs them under the usual
// leases; an action a replay or the sweep ran since it was listed is left as that run left it.
// Bounded per request (MAX_REDRIVE_ACTIONS): `more` says that another request would find more.
import type { Router } from "../routing/define.js";
import type { DeliveryRecord } from "../model/delivery.js";
import type { Runtime } from "../runtime/runtime.js";
import type { DeliveryFilter } from "../stores/delivery-filter.js";
import type { Action } from "../routing/action.js";
import { actionLeaseMs } from "../routing/dispatch.js";
import { actionItem } from "../stores/due-work.js";

/** Actions made due by one request; more wait for the next (the answer says `more`). */
export const MAX_REDRIVE_ACTIONS = 100;
/** Deliveries read per page while looking for them. */
const PAGE = 50;
/** Pages read at most per request, whatever they hold (a filter matching records whose actions all run elsewhere). */
const MAX_PAGES = 20;

export interface RedriveResult {
  /** Actions made due again. */
  redriven: number;
  /** The deliveries they belong to. */
  deliveries: string[];
  /** True when more dead actions matched than this request took. */
  more: boolean;
}

export async function redriveDeadActions(filter: DeliveryFilter, runtime: Runtime, router: Pick<Router, "actionsFor">): Promise<RedriveResult> {
  const result: RedriveResult = { redriven: 0, deliveries: [], more: false };
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await runtime.store.list({ limit: PAGE, cursor, filter: { ...filter, action_state: "failed" } });
    for (const delivery of page.deliveries) {
      if (result.redriven >= MAX_REDRIVE_ACTIONS) {
        result.more = true;
        return result;
      }
      const made = await redriveOne(delivery, runtime, router, MAX_REDRIVE_ACTIONS - result.redriven);
      if (made.count > 0) {
        result.redriven += made.count;
        result.deliveries.push(delivery.id);
      }
      if (made.left) {
        result.more = true;
        return result;
      }
    }
    if (page.nextCursor === undefined) return result;
    cursor = page.nextCursor;
  }
  result.more = true;
  return result;
}

/** Makes one delivery's dead actions due now, at most `room` of them. */
async function redriveOne(
  delivery: DeliveryRecord,
  runtime: Runtime,
  router: Pick<Router, "actionsFor">,
  room: number,
): Promise<{ count: number; left: boolean }> {
  const defined = new Map(router.actionsFor(delivery, runtime).map((action) => [action.name, action]));
  const dead = delivery.actions.filter((record) => record.state === "failed" && defined.has(record.name));
  let count = 0;
  for (const { name } of dead) {
    if (count >= room) return { count, left: true };
    if (await redriveAction(delivery.id, name, actionLeaseMs(defined.get(name) as Action, runtime), runtime)) count += 1;
  }
  if (count > 0) runtime.log.info("redrive made dead actions due", { delivery_id: delivery.id, actions: count });
  return { count, left: false };
}

/**
 * Makes one action due now if it is still dead. The list was read before: a replay or the sweep may
 * have run it since (succeeded, or failed again with more attempts). So its lease is taken first (no
 * other holder runs it meanwhile), the stored action read again, and only a still-dead action is
 * written back, with the attempts it has now.
 */
async function redriveAction(deliveryId: string, name: string, leaseMs: number, runtime: Runtime): Promise<boolean> {
  const lease = await runtime.store.acquire(actionItem(deliveryId, name), runtime.now(), leaseMs);
  if (lease === undefined) return false; // being run right now: not dead
  const record = (await runtime.store.get(deliveryId))?.actions.find((candidate) => candidate.name === name);
  if (record?.state !== "failed") {
    // Succeeded, or pending again (its due time kept): left as it is.
    const due = record?.state === "pending" ? Date.parse(record.next_attempt_at ?? "") : Number.NaN;
    await runtime.store.release(lease, record?.state === "pending" ? (Number.isFinite(due) ? due : runtime.now()) : undefined);
    return false;
  }
  const now = runtime.now();
  record.state = "pending";
  record.schedule_from = record.attempts.length + 1;
  record.next_attempt_at = new Date(now).toISOString();
  record.updated_at = record.next_attempt_at;
  delete record.dead_at;
  return runtime.store.commitAction(deliveryId, record, lease, { kind: "at", at: now }, now);
}
