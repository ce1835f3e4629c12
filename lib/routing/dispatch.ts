// Running a delivery's actions once the receiver has answered. First the paused check: a successful
// run whose own last checkpoint waits on a human (read through the runtime, bounded) becomes
// run.paused and is planned again. Then the planned records are paired with their actions and run concurrently — each
// with its own timeout, retries and record (runner.ts) — while the recorder saves progress. Replay
// runs its chosen actions through `runActions` too.
import type { ActionRecord, DeliveryRecord, PauseRecord } from "../model/delivery.js";
import { eventOf, PAUSED_EVENT } from "../model/events.js";
import { PAUSE_CHECK_TIMEOUT_MS, pauseOf } from "../langgraph/thread-state.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import { scrub } from "../shared/scrub.js";
import { withTimeout } from "../shared/timeout.js";
import type { Action } from "./action.js";
import type { RouteTable } from "./match.js";
import { pendingRecord } from "./match.js";
import { ProgressRecorder } from "./recorder.js";
import type { DispatchOptions } from "./delivery-router.js";
import { DISPATCH_BUDGET_MS } from "./retry-policy.js";
import { runAction } from "./runner.js";

/** An action chosen for a delivery, with its record on that delivery. */
export interface SelectedAction {
  action: Action;
  record: ActionRecord;
}

export interface RunActionsOptions {
  replay: boolean;
  /** @default now + DISPATCH_BUDGET_MS */
  deadline?: number;
}

/** Runs the given actions of a delivery concurrently, saving the record as they progress. */
export async function runActions(
  delivery: DeliveryRecord,
  runtime: Runtime,
  selected: readonly SelectedAction[],
  options: RunActionsOptions,
): Promise<void> {
  const deadline = options.deadline ?? runtime.now() + DISPATCH_BUDGET_MS;
  const recorder = new ProgressRecorder(delivery, runtime, deadline);
  const event = eventOf(delivery);
  try {
    await Promise.all(
      selected.map(({ action, record }) =>
        runAction(action, record, event, {
          runtime,
          delivery_id: delivery.id,
          deadline,
          replay: options.replay,
          onProgress: () => recorder.request(),
        }),
      ),
    );
  } finally {
    await recorder.flush();
  }
}

/** Reads the thread once more if the first read failed, within the check's own bound. */
async function checkPause(
  delivery: DeliveryRecord,
  runtime: Runtime,
  deadline: number,
): Promise<{ pause: PauseRecord | undefined } | { error: string }> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2 && runtime.now() + 100 < deadline; attempt++) {
    try {
      const bound = Math.min(PAUSE_CHECK_TIMEOUT_MS, deadline - runtime.now());
      return { pause: pauseOf(await withTimeout(runtime.readThreadState(delivery.thread_id, delivery.run_id), bound)) };
    } catch (error) {
      lastError = error;
    }
  }
  return { error: scrub(describeError(lastError ?? new Error("no time left for the check"))) };
}

/**
 * Pairs the delivery's records with the actions its event selects now. A record planned by another
 * version of the routes file whose action is gone fails rather than disappearing.
 */
function selectActions(table: RouteTable, delivery: DeliveryRecord, runtime: Runtime): SelectedAction[] {
  const byName = new Map(table.actionsFor(delivery, runtime).map((action) => [action.name, action]));
  const selected: SelectedAction[] = [];
  for (const action of byName.values()) {
    let record = delivery.actions.find((candidate) => candidate.name === action.name);
    if (record === undefined) {
      record = pendingRecord(action, runtime.now());
      delivery.actions.push(record);
    }
    selected.push({ action, record });
  }
  for (const record of delivery.actions) {
    if (!byName.has(record.name) && record.state === "pending") {
      record.state = "failed";
      record.last_error = "not run: the action is no longer defined in the routes";
      record.updated_at = new Date(runtime.now()).toISOString();
    }
  }
  return selected;
}

async function route(table: RouteTable, delivery: DeliveryRecord, runtime: Runtime, options: DispatchOptions): Promise<void> {
  const began = runtime.now();
  const deadline = options.deadline ?? began + DISPATCH_BUDGET_MS;
  const { log } = runtime;

  if (table.mayPause(delivery, runtime)) {
    const checked = await checkPause(delivery, runtime, deadline);
    if ("error" in checked) {
      // LangGraph said success; without the thread state we cannot say more. Recorded, not hidden.
      delivery.pause_check_error = checked.error;
      log.warn("could not read the thread state; routing as run.success", { delivery_id: delivery.id, error: checked.error });
    } else if (checked.pause !== undefined) {
      delivery.event = PAUSED_EVENT;
      delivery.pause = checked.pause;
      delivery.actions = table.plan(delivery, runtime);
    }
  }
  if (delivery.route !== undefined && !table.hasName(delivery.route)) {
    log.warn("no route has the run's route name", { delivery_id: delivery.id, route: delivery.route });
  }

  const selected = selectActions(table, delivery, runtime);
  if (selected.length === 0) {
    // Recorded as no_route already when the plan knew it (see match.ts's `plan`); otherwise saved now.
    const recorded = delivery.routing === "no_route";
    delivery.routing = "no_route";
    if (!recorded) await new ProgressRecorder(delivery, runtime, deadline).flush();
    log.info("no route matched", { delivery_id: delivery.id, event: delivery.event });
    return;
  }
  await runActions(delivery, runtime, selected, { replay: false, deadline });
  delivery.routing = "done";
  await new ProgressRecorder(delivery, runtime, deadline).flush();
  log.info("routing done", {
    delivery_id: delivery.id,
    event: delivery.event,
    actions: selected.length,
    succeeded: selected.filter(({ record }) => record.state === "succeeded").length,
    failed: selected.filter(({ record }) => record.state === "failed").length,
    ms: runtime.now() - began,
  });
}

/** Routes a recorded delivery after the ack. Never throws: the failure is logged with the delivery's id. */
export async function dispatchDelivery(
  table: RouteTable,
  delivery: DeliveryRecord,
  runtime: Runtime,
  options: DispatchOptions = {},
): Promise<void> {
  try {
    await route(table, delivery, runtime, options);
  } catch (error) {
    runtime.log.error("routing failed", { delivery_id: delivery.id, error: describeError(error) });
  }
}
