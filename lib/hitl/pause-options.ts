// What a route may say about the pauses it handles (routes.ts, on a route whose `on` includes
// run.paused): the values its Approve / Reject buttons resume a plain interrupt with, and what
// happens when nobody answers in time. lib/routing compiles them; lib/hitl and the handlers read them
// through `PauseRouter`, so that lib/hitl needs nothing of the router but this.
import type { DeliveryRecord } from "../model/delivery.js";
import type { Runtime } from "../runtime/runtime.js";
import { parseDuration, DURATION_HINT } from "../config/duration.js";
import type { DecisionValues } from "./resume-values.js";

export interface UnansweredPause {
  /** How long after the run paused (a duration: `30m`, `4h`, `2d`). */
  after: string;
  /**
   * `remind`: run the route's actions for the delivery once more (the Slack message is posted again,
   * the forward sent again). `approve` / `reject`: decide as that button would (channel `timeout`).
   */
  then: "remind" | "approve" | "reject";
}

export interface PauseOptions {
  /** Resume values of the buttons for a plain `interrupt()`. @default {approved: true|false, by} */
  decisions?: DecisionValues;
  /** What happens when nobody answers in time; driven by the sweep (`/api/sweep`). */
  unanswered?: UnansweredPause;
}

/** What lib/hitl needs of the router: the pause options of the routes that handle a delivery. */
export interface PauseRouter {
  pauseOptionsFor(delivery: DeliveryRecord, runtime: Runtime): PauseOptions;
  /** Runs the delivery's run.paused actions again (the unanswered-pause reminder). */
  remind?(delivery: DeliveryRecord, runtime: Runtime): Promise<void>;
}

/** True for a router that can say what a route wants for its pauses (routes.ts's). */
export function isPauseRouter(router: object): router is PauseRouter {
  return "pauseOptionsFor" in router && typeof router.pauseOptionsFor === "function";
}

/** Checks a route's pause options when the routes file loads; throws a TypeError naming the route. */
export function validatePauseOptions(options: PauseOptions, label: string): PauseOptions {
  const { decisions, unanswered } = options;
  if (decisions !== undefined && (typeof decisions !== "object" || decisions === null || Array.isArray(decisions))) {
    throw new TypeError(`${label}: decisions must be an object ({approve?, reject?}).`);
  }
  if (decisions !== undefined) {
    for (const key of Object.keys(decisions)) {
      if (key !== "approve" && key !== "reject") throw new TypeError(`${label}: decisions may set approve and reject only, not ${JSON.stringify(key)}.`);
      try {
        JSON.stringify(decisions[key]);
      } catch {
        throw new TypeError(`${label}: decisions.${key} must be JSON.`);
      }
    }
  }
  if (unanswered !== undefined) {
    if ((parseDuration(String(unanswered.after)) ?? 0) < 60_000) {
      throw new TypeError(`${label}: unanswered.after must be a duration of at least 1m: ${DURATION_HINT}.`);
    }
    if (!["remind", "approve", "reject"].includes(unanswered.then)) {
      throw new TypeError(`${label}: unanswered.then must be "remind", "approve" or "reject".`);
    }
  }
  return options;
}
