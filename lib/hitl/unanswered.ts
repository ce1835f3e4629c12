// Unanswered pauses: a route for run.paused may say what happens when nobody answers in time
// (`unanswered: {after: "4h", then: "remind" | "approve" | "reject"}`). Routing such a pause schedules
// a due item for it (scheduleUnanswered); the sweep (/api/sweep, Vercel Cron, and the bounded drain
// after callbacks) takes it when due and acts (runPauseItem). Nothing else does: without a sweep
// configured, pauses wait for ever. An answered pause's item is dropped when it comes due.
//   remind  → the route's actions run once more for the delivery (the Slack message is posted again;
//             a forward goes out again with the same webhook-id), once per pause (a marker, SET NX);
//   approve / reject → decided as that button would, channel `timeout`, by `timeout` (one decision per
//             pause as always: a human's earlier answer wins, and a later one is refused).
import { parseDuration } from "../config/duration.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { PAUSED_EVENT } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import type { Lease } from "../stores/due-work.js";
import type { PauseRouter } from "./pause-options.js";
import { unansweredDueAt } from "./unanswered-schedule.js";
import { AlreadyDecided, resumePause } from "./resume.js";

export type UnansweredOutcome = "not_paused" | "no_option" | "not_due" | "answered" | "reminded" | "reminded_before" | "decided" | "failed";

/** Acts on one delivery whose pause may have gone unanswered past its route's `unanswered.after`. */
export async function actOnUnansweredPause(delivery: DeliveryRecord, runtime: Runtime, router: PauseRouter): Promise<UnansweredOutcome> {
  if (delivery.event !== PAUSED_EVENT || delivery.pause === undefined) return "not_paused";
  const option = router.pauseOptionsFor(delivery, runtime).unanswered;
  const afterMs = option === undefined ? undefined : parseDuration(option.after);
  if (option === undefined || afterMs === undefined) return "no_option";
  if (runtime.now() < Date.parse(delivery.received_at) + afterMs) return "not_due";
  const [current] = await runtime.decisions.list(delivery.id);
  // Answered, unless the answer could not start its run (open), or — for a decision, which
  // resumePause checks — its resumed run ended with the thread still on this pause.
  if (current !== undefined && current.open !== true && (option.then === "remind" || current.run_id === undefined || current.error !== undefined)) return "answered";
  try {
    if (option.then === "remind") {
      if (router.remind === undefined) return "no_option";
      // Once per pause, whichever sweep gets here first.
      const keep = Math.max(runtime.config.retentionSeconds, Math.ceil(runtime.config.resumeLinkTtlMs / 1000));
      if (!(await runtime.decisions.mark(`remind:${delivery.id}`, keep))) return "reminded_before";
      await router.remind(delivery, runtime);
      runtime.log.info("unanswered pause: reminder sent", { delivery_id: delivery.id });
      return "reminded";
    }
    await resumePause({ deliveryId: delivery.id, channel: "timeout", by: "timeout", answer: { decision: option.then }, values: (paused) => router.pauseOptionsFor(paused, runtime).decisions }, runtime);
    runtime.log.info("unanswered pause: decided", { delivery_id: delivery.id, decision: option.then });
    return "decided";
  } catch (error) {
    if (error instanceof AlreadyDecided) return "answered";
    runtime.log.warn("unanswered pause: could not act", { delivery_id: delivery.id, error: describeError(error) });
    return "failed";
  }
}

/** A pause whose action failed (LangGraph unreachable, a store error) is tried again this much later… */
export const PAUSE_RETRY_MS = 5 * 60_000;
/** …until this long after it was due: then it is left to wait for a human. */
export const PAUSE_GIVE_UP_MS = 24 * 3_600_000;

/**
 * The sweep's work on one due pause item (leased): act, then let the item go — or put it back for its
 * time (not due yet: the route changed) or for a retry after a failure. Answers what it did.
 */
export async function runPauseItem(delivery: DeliveryRecord, lease: Lease, runtime: Runtime, router: PauseRouter): Promise<UnansweredOutcome> {
  const outcome = await actOnUnansweredPause(delivery, runtime, router);
  const dueAt = unansweredDueAt(delivery, router.pauseOptionsFor(delivery, runtime).unanswered);
  const now = runtime.now();
  let again: number | undefined;
  if (outcome === "not_due") again = dueAt;
  else if (outcome === "failed" && dueAt !== undefined && now - dueAt < PAUSE_GIVE_UP_MS) again = now + PAUSE_RETRY_MS;
  await runtime.store.release(lease, again);
  return outcome;
}
