// Unanswered pauses: a route for run.paused may say what happens when nobody answers in time
// (`unanswered: {after: "4h", then: "remind" | "approve" | "reject"}`). This is the function that acts
// on one such pause, and the pass over recent paused deliveries that calls it; the sweep (/api/sweep,
// Vercel Cron) runs the pass. Nothing else does: without a sweep configured, pauses wait for ever.
//   remind  → the route's actions run once more for the delivery (the Slack message is posted again;
//             a forward goes out again with the same webhook-id), once per pause (a marker, SET NX);
//   approve / reject → decided as that button would, channel `timeout`, by `timeout` (one decision per
//             pause as always: a human's earlier answer wins, and a later one is refused).
import { parseDuration } from "../config/duration.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { PAUSED_EVENT } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import type { PauseRouter } from "./pause-options.js";
import { AlreadyDecided, resumePause } from "./resume.js";

export type UnansweredOutcome = "not_paused" | "no_option" | "not_due" | "answered" | "reminded" | "reminded_before" | "decided" | "failed";

/** Acts on one delivery whose pause may have gone unanswered past its route's `unanswered.after`. */
export async function actOnUnansweredPause(delivery: DeliveryRecord, runtime: Runtime, router: PauseRouter): Promise<UnansweredOutcome> {
  if (delivery.event !== PAUSED_EVENT || delivery.pause === undefined) return "not_paused";
  const option = router.pauseOptionsFor(delivery, runtime).unanswered;
  const afterMs = option === undefined ? undefined : parseDuration(option.after);
  if (option === undefined || afterMs === undefined) return "no_option";
  if (runtime.now() < Date.parse(delivery.received_at) + afterMs) return "not_due";
  if ((await runtime.decisions.list(delivery.id)).length > 0) return "answered";
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

/** Paused deliveries looked at per pass: the newest, so that a pass stays bounded. */
export const UNANSWERED_SCAN_LIMIT = 200;

/**
 * One pass over the newest paused deliveries (at most UNANSWERED_SCAN_LIMIT), acting on those whose
 * route's `unanswered.after` has passed with no decision. Counts for the sweep's answer.
 */
export async function sweepUnansweredPauses(runtime: Runtime, router: PauseRouter, options: { deadline: number }): Promise<{ reminded: number; timed_out: number }> {
  const counts = { reminded: 0, timed_out: 0 };
  const page = await runtime.store.list({ limit: UNANSWERED_SCAN_LIMIT, filter: { event: PAUSED_EVENT } });
  for (const delivery of page.deliveries) {
    if (runtime.now() >= options.deadline) break;
    const outcome = await actOnUnansweredPause(delivery, runtime, router);
    if (outcome === "reminded") counts.reminded += 1;
    if (outcome === "decided") counts.timed_out += 1;
  }
  return counts;
}
