// The sweep: runs, within a deadline, every unit of due work the store holds (lib/stores/due-work.ts) —
// scheduled retries, attempts whose lease ran out because their function died, deliveries whose routing
// never finished (re-confirmed, pause check redone, planned) — then the steps that follow it (steps.ts:
// reconciliation of lost callbacks). Items are claimed in batches under a lease, atomically, so two
// sweeps, or a sweep and a receiver, never run the same attempt at once. Called by /api/sweep (Vercel
// Cron), after each callback (bounded: drain.ts) and by `npm run dev` on an interval.
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import { eventOf } from "../model/events.js";
import type { Router } from "../routing/define.js";
import { DISPATCH_BUDGET_MS } from "../routing/retry-policy.js";
import type { RunOutcome } from "../routing/runner.js";
import { runAction } from "../routing/runner.js";
import type { Runtime } from "../runtime/runtime.js";
import { asReadFailure } from "../shared/errors.js";
import { describeError } from "../shared/log.js";
import type { Lease } from "../stores/due-work.js";
import { parseItem } from "../stores/due-work.js";
import { credentialOf, verifyAndRoute } from "../verification/verify-delivery.js";
import { isPauseRouter } from "../hitl/pause-options.js";
import { runPauseItem } from "../hitl/unanswered.js";

/** The router as the sweep needs it: plan and dispatch (routing), and the actions of a delivery. */
export type SweepRouter = Pick<Router, "plan" | "dispatch" | "actionsFor">;

/** What one sweep did. Steps add their own counts (reconciliation: reconciled, deferred, unknown). */
export interface SweepCounts {
  /** Attempts run (each one, retries within the sweep included). */
  attempted: number;
  /** Actions that succeeded. */
  succeeded: number;
  /** Actions whose next attempt was scheduled for later. */
  rescheduled: number;
  /** Actions that became dead letters (schedule exhausted or a final error). */
  dead: number;
  /** Deliveries whose routing had never finished, confirmed and routed now. */
  routed: number;
  [step: string]: number;
}

export interface SweepContext {
  runtime: Runtime;
  router: SweepRouter;
  /** When the step must be done (runtime clock, ms). */
  deadline: number;
}

/** A step run after the due work, with what is left of the sweep's time; answers counts to add. */
export type SweepStep = (context: SweepContext) => Promise<Record<string, number>>;

export interface SweepOptions {
  /** When the sweep must be done (runtime clock, ms); it stops claiming work a margin before. */
  deadline: number;
  /** Most items claimed in this sweep. @default unbounded (the deadline bounds it) */
  maxItems?: number;
  /** Steps after the due work. @default the steps of steps.ts (reconciliation) */
  steps?: readonly SweepStep[];
}

/** Items claimed per round trip. */
const BATCH = 128;
/** Items worked on at once (attempts of one action are bounded further by lib/routing/slots.ts). */
const CONCURRENCY = 64;
/** How long a claimed item is held before it is started; the runner extends it per attempt. */
const CLAIM_LEASE_MS = 60_000;
/** No new item is claimed with less time than this left: its attempt and commit need it. */
export const SWEEP_MARGIN_MS = 3_000;

export function emptySweepCounts(): SweepCounts {
  return { attempted: 0, succeeded: 0, rescheduled: 0, dead: 0, routed: 0 };
}

/**
 * Runs the due work, then `steps`. Never throws for one item; a store that cannot be reached ends the
 * claiming (and is reported in the log) — what was not claimed stays due for the next sweep — and,
 * when it could not be reached at all, throws its error (/api/sweep answers 503 store_unavailable).
 */
export async function runSweep(runtime: Runtime, router: SweepRouter, options: SweepOptions): Promise<SweepCounts> {
  const counts = emptySweepCounts();
  // Unanswered pauses (p| items, lib/hitl/unanswered.ts): counted for a router that has pause options.
  if (isPauseRouter(router)) Object.assign(counts, { reminded: 0, timed_out: 0 });
  const { deadline } = options;
  // A short sweep (a drain, a test) keeps a fifth of its time back instead of the whole margin.
  const margin = Math.min(SWEEP_MARGIN_MS, Math.max(0, deadline - runtime.now()) / 5);
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  let claimed = 0;
  const queue: Lease[] = [];
  let exhausted = false;
  let unreachable: unknown;
  /** Claims the next batch when the queue runs low; one claim at a time. */
  let claiming: Promise<void> | undefined;
  const refill = (): Promise<void> => {
    if (claiming !== undefined) return claiming;
    claiming = (async () => {
      await Promise.resolve(); // so that `claiming` is set before this settles
      try {
        const room = Math.min(BATCH, maxItems - claimed);
        if (room <= 0 || deadline - runtime.now() < margin) {
          exhausted = true;
          return;
        }
        const batch = await runtime.store.claimDue(runtime.now(), room, CLAIM_LEASE_MS);
        claimed += batch.length;
        queue.push(...batch);
        if (batch.length < room) exhausted = true;
      } catch (error) {
        exhausted = true;
        // Nothing claimed at all: the store is down, and the sweep says so (503) rather than "nothing due".
        const failure = asReadFailure(error, runtime.config.redisUrl, "claim");
        if (claimed === 0) unreachable ??= failure;
        runtime.log.error("the sweep could not claim due work", { error: describeError(failure) });
      } finally {
        claiming = undefined;
      }
    })();
    return claiming;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (queue.length < CONCURRENCY && !exhausted) await refill();
      const lease = queue.shift();
      if (lease === undefined) {
        if (exhausted) {
          if (claiming === undefined) return;
          await claiming;
        }
        continue;
      }
      await runItem(lease, runtime, router, deadline - margin / 2, counts).catch((error: unknown) =>
        runtime.log.error("the sweep failed on one item; it is due again once its lease runs out", {
          item: lease.item,
          error: describeError(error),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (unreachable !== undefined) throw unreachable;
  if (queue.length > 0) {
    // Claimed but not started before the deadline: due again for the next sweep.
    await Promise.all(queue.map((lease) => runtime.store.release(lease, runtime.now()).catch(() => false)));
  }
  const steps = options.steps ?? (await import("./steps.js")).SWEEP_STEPS;
  for (const step of steps) {
    if (deadline - runtime.now() < margin) break;
    try {
      for (const [name, value] of Object.entries(await step({ runtime, router, deadline }))) {
        counts[name] = (counts[name] ?? 0) + value;
      }
    } catch (error) {
      runtime.log.error("a sweep step failed", { error: describeError(error) });
    }
  }
  return counts;
}

/** One claimed item: route a stranded delivery, or run the due attempt of one action. */
async function runItem(lease: Lease, runtime: Runtime, router: SweepRouter, deadline: number, counts: SweepCounts): Promise<void> {
  const { store } = runtime;
  const parsed = parseItem(lease.item);
  const delivery = parsed === undefined ? undefined : await store.get(parsed.deliveryId);
  if (parsed === undefined || delivery === undefined) {
    // Unreadable, or its delivery expired: nothing left to do.
    await store.release(lease);
    return;
  }
  if (parsed.kind === "pause") {
    if (!isPauseRouter(router)) {
      await store.release(lease);
      return;
    }
    const outcome = await runPauseItem(delivery, lease, runtime, router);
    if (outcome === "reminded") counts.reminded = (counts.reminded ?? 0) + 1;
    if (outcome === "decided") counts.timed_out = (counts.timed_out ?? 0) + 1;
    return;
  }
  if (parsed.kind === "route") {
    if (delivery.routing !== "pending") {
      await store.release(lease);
      return;
    }
    await routeStranded(delivery, lease, runtime, router, deadline);
    counts.routed += 1;
    return;
  }
  const record = delivery.actions.find((action) => action.name === parsed.action);
  if (record === undefined || record.state !== "pending") {
    await store.release(lease);
    return;
  }
  const action = router.actionsFor(delivery, runtime).find((candidate) => candidate.name === parsed.action);
  if (action === undefined) {
    await dropUndefined(delivery, record, lease, runtime);
    counts.dead += 1;
    return;
  }
  const before = record.attempts.length;
  const outcome: RunOutcome = await runAction(action, record, eventOf(delivery), {
    runtime,
    delivery_id: delivery.id,
    deadline,
    replay: false,
    lease,
  });
  counts.attempted += record.attempts.length - before;
  if (outcome === "succeeded") counts.succeeded += 1;
  else if (outcome === "dead") counts.dead += 1;
  else if (outcome === "rescheduled") counts.rescheduled += 1;
}

/** A delivery whose routing never finished: confirmed again (its token is never stored), then routed. */
async function routeStranded(delivery: DeliveryRecord, lease: Lease, runtime: Runtime, router: SweepRouter, deadline: number): Promise<void> {
  runtime.log.warn("routing a delivery whose routing never finished", { delivery_id: delivery.id, received_at: delivery.received_at });
  const credential = await credentialOf(delivery, runtime);
  // verifyAndRoute counts its budget from the arrival it is given: here, what is left of the sweep.
  await verifyAndRoute(delivery, credential, runtime, router, deadline - DISPATCH_BUDGET_MS, lease);
}

/** An action the routes no longer define: dead, with why. */
async function dropUndefined(delivery: DeliveryRecord, record: ActionRecord, lease: Lease, runtime: Runtime): Promise<void> {
  record.state = "failed";
  record.last_error = "not run: the action is no longer defined in the routes";
  record.updated_at = new Date(runtime.now()).toISOString();
  record.dead_at = record.updated_at;
  delete record.next_attempt_at;
  await runtime.store.commitAction(delivery.id, record, lease, { kind: "done" }, runtime.now());
  runtime.log.error("action failed", { delivery_id: delivery.id, action: record.name, state: "failed", dead: true, error: record.last_error });
}
