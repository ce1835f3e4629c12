// The seam between the receiver and the router: the receiver asks for a plan (which actions this
// delivery will run) before it records the delivery, and hands the recorded delivery to `dispatch`
// after it has answered LangGraph. The real router is built by `defineRoutes` (define.ts) in routes.ts.
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Lease } from "../stores/due-work.js";

export interface DispatchOptions {
  /**
   * When routing must be done (runtime clock): the receiver counts the budget from the callback's
   * arrival, so the time spent confirming it comes out of the actions' time, not on top of it.
   * @default now + DISPATCH_BUDGET_MS
   */
  deadline?: number;
  /**
   * The lease on routing this delivery (its `r|<id>` item) from the claim or the sweep: the plan is
   * committed only while it is held. Without one, the caller takes over whatever routing was under way.
   */
  lease?: Lease | undefined;
}

export interface DeliveryRouter {
  /** The actions the delivery will run, all `pending`. Pure and synchronous: no network before the ack. */
  plan(delivery: DeliveryRecord, runtime: Runtime): ActionRecord[];
  /** Runs the planned actions and records every attempt on the delivery. Never throws. */
  dispatch(delivery: DeliveryRecord, runtime: Runtime, options?: DispatchOptions): Promise<void>;
}

/** A router with no routes: every delivery is recorded as `no_route`. */
export const emptyRouter: DeliveryRouter = {
  plan: () => [],
  async dispatch(delivery, runtime, options = {}) {
    delivery.routing = "no_route";
    try {
      // Committed as a plan of nothing, so that the routing item leaves the due-time index too.
      await runtime.store.commitPlan(delivery, options.lease, runtime.now(), 0);
    } catch {
      // The delivery itself is recorded; only the routing note could not be saved.
    }
    runtime.log.info("no route matched", { delivery_id: delivery.id, event: delivery.event });
  },
};
