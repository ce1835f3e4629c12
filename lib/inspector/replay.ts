// Replay: runs a delivery's actions again — every action that failed or is stuck pending, or one named
// action whatever its state — and records the new attempts on the same record: numbers continue, each
// marked `replay: true`, and each replayed action's retry schedule starts again. Replays take the same
// leases as the receiver and the sweep (lib/stores/due-work.ts): an action another holder is running
// is left to it, so two replays at once never attempt one action twice. A delivery whose routing
// never finished is routed now (confirmed again, lib/verification); a successful run whose pause check
// failed has it redone, so routes that only listen for run.paused get their chance. A failed action
// is the dead-letter record; this is how it is retried once the cause is fixed. The inspector puts it
// behind an endpoint (by id, or by filter: redrive.ts); anything else can call it directly.
import type { Router } from "../routing/define.js";
import type { SelectedAction } from "../routing/dispatch.js";
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import { currentActionType } from "../model/delivery.js";
import { notFound, RelayError } from "../shared/errors.js";
import type { Runtime } from "../runtime/runtime.js";
import { DEFAULT_ROUTE_LEASE_MS, routeItem } from "../stores/due-work.js";
import { isDeliveryId } from "../model/delivery.js";
import { DISPATCH_BUDGET_MS } from "../config/limits.js";
import { credentialOf, verifyAndRoute } from "../verification/verify-delivery.js";

export interface ReplayOptions {
  /** Replays this action only (in any state); otherwise every failed or pending action. */
  action?: string | undefined;
  /** Time for the replayed actions, retries included; keep it inside the caller's maxDuration. @default the router's budget (DISPATCH_BUDGET_MS) */
  budgetMs?: number | undefined;
}

export async function replayDelivery(
  deliveryId: string,
  options: ReplayOptions,
  runtime: Runtime,
  router: Router,
): Promise<DeliveryRecord> {
  const delivery = isDeliveryId(deliveryId) ? await runtime.store.get(deliveryId) : undefined;
  if (delivery === undefined) {
    throw notFound(isDeliveryId(deliveryId) ? `No delivery ${deliveryId} (unknown, or expired).` : "No delivery with that id.");
  }
  const budgetMs = options.budgetMs ?? DISPATCH_BUDGET_MS;
  const deadline = runtime.now() + budgetMs;
  if (delivery.routing === "pending") {
    // The first routing may still be running (here or on another instance): its lease says so. Once
    // it has run out (a crashed or timed-out instance), replay routes the delivery itself.
    const lease = await runtime.store.acquire(routeItem(delivery.id), runtime.now(), DEFAULT_ROUTE_LEASE_MS);
    if (lease === undefined) {
      throw new RelayError(409, "conflict", `Delivery ${delivery.id} is still being routed; replay it once its actions have run.`);
    }
    runtime.log.info("replay routes a delivery whose routing never finished", { delivery_id: delivery.id });
    await verifyAndRoute(delivery, await credentialOf(delivery, runtime), runtime, router, deadline - DISPATCH_BUDGET_MS, lease);
    return (await runtime.store.get(delivery.id)) ?? delivery;
  }
  let current = delivery;
  let rerouted = false;
  if (options.action === undefined && delivery.event === "run.success" && delivery.pause_check_error !== undefined) {
    // The thread could not be read when it was routed: a route listening for run.paused may have
    // missed it. Routed again (pause check, plan, pending actions); then what failed is replayed.
    runtime.log.info("replay redoes the pause check", { delivery_id: delivery.id });
    await router.dispatch(delivery, runtime, { deadline });
    current = (await runtime.store.get(delivery.id)) ?? delivery;
    rerouted = true;
  }
  // A record stored by an earlier version may name its type the old way; it is saved back renamed.
  for (const record of current.actions) record.type = currentActionType(record.type);
  const replayable = (record: ActionRecord) => record.state === "failed" || (record.state === "pending" && !rerouted);
  const targets =
    options.action === undefined ? current.actions.filter(replayable) : current.actions.filter((record) => record.name === options.action);
  if (options.action !== undefined && targets.length === 0) {
    throw notFound(`Delivery ${current.id} has no action named ${JSON.stringify(options.action.slice(0, 80))}.`);
  }
  if (targets.length === 0) return current;

  const defined = new Map(router.actionsFor(current, runtime).map((action) => [action.name, action]));
  const selected: SelectedAction[] = [];
  for (const record of targets) {
    const action = defined.get(record.name);
    if (action !== undefined) {
      selected.push({ action, record });
    } else if (options.action !== undefined) {
      throw new RelayError(
        409,
        "conflict",
        `Action "${record.name}" of current ${current.id} is no longer defined in the routes for ${current.event}; it cannot be replayed.`,
      );
    } else {
      runtime.log.warn("replay skipped an action no longer defined", { current_id: current.id, action: record.name });
    }
  }
  runtime.log.info("replay started", { current_id: current.id, actions: selected.map(({ record }) => record.name) });
  // Whether to run is decided again from the stored action once its lease is held: a replay or a
  // sweep that ran it since this read (and let go) is not undone, nor its action run again.
  const still = options.action === undefined ? replayable : undefined;
  const outcomes = await router.runActions(current, runtime, selected, { replay: true, deadline, ...(still === undefined ? {} : { still }) });
  const busy = Object.entries(outcomes).filter(([, outcome]) => outcome === "busy").map(([name]) => name);
  if (options.action !== undefined && busy.length > 0) {
    throw new RelayError(409, "conflict", `Action "${options.action.slice(0, 80)}" of current ${current.id} is being attempted right now; replay it once that attempt has ended.`);
  }
  if (busy.length > 0) runtime.log.info("replay left actions to their running attempt", { current_id: current.id, actions: busy });
  const settled = Object.entries(outcomes).filter(([, outcome]) => outcome === "settled").map(([name]) => name);
  if (settled.length > 0) runtime.log.info("replay left actions another holder had run meanwhile", { current_id: current.id, actions: settled });
  // What the store holds now: the replayed actions, and whatever another holder did meanwhile.
  return (await runtime.store.get(current.id)) ?? current;
}
