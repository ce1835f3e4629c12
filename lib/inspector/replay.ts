// Replay: runs a delivery's failed actions again (or one named action, whatever its state) and
// records the new attempts on the same record — numbers continue, each marked `replay: true`. A failed
// action is the dead-letter record; this is how it is retried once the cause is fixed. The inspector
// puts it behind an endpoint; anything else (a script, a test) can call it directly.
import type { Router } from "../routing/define.js";
import type { SelectedAction } from "../routing/dispatch.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { currentActionType } from "../model/delivery.js";
import { notFound, RelayError } from "../shared/errors.js";
import type { Runtime } from "../runtime/runtime.js";
import { WEBHOOK_MAX_DURATION_MS as ROUTING_MAX_MS } from "../config/limits.js";
import { isDeliveryId } from "../model/delivery.js";

export interface ReplayOptions {
  /** Replays this action only (in any state); otherwise every failed action. */
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
  // The first routing may still be running (here or on another instance): replaying now could run an
  // action twice. Past the webhook function's own time limit, a `pending` routing was cut short
  // (a crashed or timed-out instance) and replay is how its actions get done.
  if (delivery.routing === "pending" && runtime.now() - Date.parse(delivery.received_at) < ROUTING_MAX_MS) {
    throw new RelayError(409, "conflict", `Delivery ${delivery.id} is still being routed; replay it once its actions have run.`);
  }
  // A record stored by an earlier version may name its type the old way; it is saved back renamed.
  for (const record of delivery.actions) record.type = currentActionType(record.type);
  const targets =
    options.action === undefined
      ? delivery.actions.filter((record) => record.state === "failed")
      : delivery.actions.filter((record) => record.name === options.action);
  if (options.action !== undefined && targets.length === 0) {
    throw notFound(`Delivery ${delivery.id} has no action named ${JSON.stringify(options.action.slice(0, 80))}.`);
  }
  if (targets.length === 0) return delivery;

  const defined = new Map(router.actionsFor(delivery, runtime).map((action) => [action.name, action]));
  const selected: SelectedAction[] = [];
  for (const record of targets) {
    const action = defined.get(record.name);
    if (action !== undefined) {
      selected.push({ action, record });
    } else if (options.action !== undefined) {
      throw new RelayError(
        409,
        "conflict",
        `Action "${record.name}" of delivery ${delivery.id} is no longer defined in the routes for ${delivery.event}; it cannot be replayed.`,
      );
    } else {
      runtime.log.warn("replay skipped an action no longer defined", { delivery_id: delivery.id, action: record.name });
    }
  }
  runtime.log.info("replay started", { delivery_id: delivery.id, actions: selected.map(({ record }) => record.name) });
  await router.runActions(delivery, runtime, selected, {
    replay: true,
    ...(options.budgetMs === undefined ? {} : { deadline: runtime.now() + options.budgetMs }),
  });
  return delivery;
}
