// Scheduling a paused run's `unanswered` action (lib/hitl/unanswered.ts acts on it): one due item per
// pause in the delivery store's due-work index, written when the run.paused delivery is routed. Kept
// apart from unanswered.ts so that routing (the webhook's path) loads only this, not the resume code.
import { parseDuration } from "../config/duration.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { PAUSED_EVENT } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import { pauseItem } from "../stores/due-work.js";
import type { UnansweredPause } from "./pause-options.js";

/** How long a pause item stays with whoever took it: scheduling it, or a sweep deciding / reminding. */
export const PAUSE_ITEM_LEASE_MS = 60_000;

/** When a pause's unanswered action is due: `after` past the run's pause (its callback's arrival). */
export function unansweredDueAt(delivery: DeliveryRecord, option: UnansweredPause | undefined): number | undefined {
  const afterMs = option === undefined ? undefined : parseDuration(option.after);
  return afterMs === undefined ? undefined : Date.parse(delivery.received_at) + afterMs;
}

/**
 * Schedules a paused delivery's unanswered action as a due item (`p|<id>`, lib/stores/due-work.ts),
 * due when its route's `unanswered.after` has passed since the run paused: the sweep drains it with
 * the rest of the due work, so every pause is acted on however many others there are. Called when
 * the run.paused delivery is routed; routing it again schedules the same time. Never throws.
 */
export async function scheduleUnanswered(delivery: DeliveryRecord, option: UnansweredPause | undefined, runtime: Runtime): Promise<void> {
  const dueAt = unansweredDueAt(delivery, option);
  if (delivery.event !== PAUSED_EVENT || delivery.pause === undefined || dueAt === undefined) return;
  try {
    // Taken now and let go at its time (the store's two steps: an item is written under a lease).
    const lease = await runtime.store.acquire(pauseItem(delivery.id), runtime.now(), PAUSE_ITEM_LEASE_MS);
    // Held by a sweep acting on it right now: it is scheduled already.
    if (lease !== undefined) await runtime.store.release(lease, dueAt);
  } catch (error) {
    runtime.log.warn("could not schedule the unanswered-pause action", { delivery_id: delivery.id, error: describeError(error) });
  }
}

