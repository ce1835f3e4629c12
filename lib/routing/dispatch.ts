// Running a delivery's actions once the receiver has answered. First the paused check: a successful
// run whose own last checkpoint waits on a human (read through the runtime, bounded) becomes
// run.paused and is planned again. Then the plan is committed in one step (the routing item goes, each
// pending action is leased and kept in the due-time index until it is done) and the actions run
// concurrently — each with its own timeout, retry schedule and per-action commits (runner.ts). Replay
// and the sweep run their actions through `runActions` too.
import type { ActionRecord, DeliveryRecord, PauseRecord } from "../model/delivery.js";
import { currentActionType } from "../model/delivery.js";
import { eventOf, PAUSED_EVENT } from "../model/events.js";
import { PAUSE_CHECK_TIMEOUT_MS, pauseOf } from "../langgraph/thread-state.js";
import { scheduleUnanswered } from "../hitl/unanswered-schedule.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import { scrub } from "../shared/scrub.js";
import { withTimeout } from "../shared/timeout.js";
import type { Lease } from "../stores/due-work.js";
import { actionItem, LEASE_MARGIN_MS } from "../stores/due-work.js";
import type { Action } from "./action.js";
import type { RouteTable } from "./match.js";
import { pendingRecord } from "./match.js";
import { saveWithRetries } from "./recorder.js";
import type { DispatchOptions } from "./delivery-router.js";
import { BUDGET_MARGIN_MS, DISPATCH_BUDGET_MS, resolvePolicy } from "./retry-policy.js";
import type { RunOutcome } from "./runner.js";
import { runAction } from "./runner.js";

/** An action chosen for a delivery, with its record on that delivery (and its lease, once held). */
export interface SelectedAction {
  action: Action;
  record: ActionRecord;
  lease?: Lease | undefined;
}

export interface RunActionsOptions {
  replay: boolean;
  /** @default now + DISPATCH_BUDGET_MS */
  deadline?: number;
  /**
   * For actions leased here (no lease given): whether the action, as stored once the lease is held,
   * is still to be run (a replay: still failed or pending). Else it is left as it is, `settled`.
   * @default every action is run
   */
  still?: (record: ActionRecord) => boolean;
}

/**
 * What running a delivery's actions came to, by action name (`busy`: another holder had it;
 * `settled`: once leased, the stored action no longer needed running — another holder finished it).
 */
export type ActionOutcomes = Record<string, RunOutcome | "busy" | "settled">;

/** How long a holder's lease on an action lasts before its first attempt: its timeout and a margin. */
export function actionLeaseMs(action: Action, runtime: Runtime): number {
  return resolvePolicy(action.retry, runtime.config.retrySchedule).timeoutMs + LEASE_MARGIN_MS;
}

/**
 * Runs the given actions of a delivery concurrently, each under its lease (taken here when not given:
 * an action another holder is running is left alone, `busy`). A replay starts each action's retry
 * schedule again.
 */
export async function runActions(
  delivery: DeliveryRecord,
  runtime: Runtime,
  selected: readonly SelectedAction[],
  options: RunActionsOptions,
): Promise<ActionOutcomes> {
  const deadline = options.deadline ?? runtime.now() + DISPATCH_BUDGET_MS;
  const event = eventOf(delivery);
  const outcomes: ActionOutcomes = {};
  await Promise.all(
    selected.map(async ({ action, record: given, lease }) => {
      let record = given;
      const held = lease ?? (await runtime.store.acquire(actionItem(delivery.id, record.name), runtime.now(), actionLeaseMs(action, runtime)));
      if (held === undefined) {
        outcomes[record.name] = "busy";
        return;
      }
      if (lease === undefined) {
        // The caller's record was read before the lease was taken: another holder may have run the
        // action since. Decided from the stored action, which nobody else can change while it is held.
        const stored = (await runtime.store.get(delivery.id))?.actions.find((candidate) => candidate.name === record.name);
        if (stored === undefined || !(options.still?.(stored) ?? true)) {
          const due = stored?.state === "pending" ? Date.parse(stored.next_attempt_at ?? "") : Number.NaN;
          await runtime.store.release(held, stored?.state === "pending" ? (Number.isFinite(due) ? due : runtime.now()) : undefined);
          outcomes[record.name] = "settled";
          return;
        }
        stored.type = currentActionType(stored.type);
        record = stored;
        const index = delivery.actions.findIndex((candidate) => candidate.name === stored.name);
        if (index !== -1) delivery.actions[index] = stored;
      }
      if (options.replay) record.schedule_from = record.attempts.length + 1;
      outcomes[record.name] = await runAction(action, record, event, {
        runtime,
        delivery_id: delivery.id,
        deadline,
        replay: options.replay,
        lease: held,
      });
    }),
  );
  return outcomes;
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
function selectActions(
  table: RouteTable,
  delivery: DeliveryRecord,
  runtime: Runtime,
): { selected: SelectedAction[]; dropped: ActionRecord[] } {
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
  const dropped: ActionRecord[] = [];
  for (const record of delivery.actions) {
    if (!byName.has(record.name) && record.state === "pending") {
      record.state = "failed";
      record.last_error = "not run: the action is no longer defined in the routes";
      record.updated_at = new Date(runtime.now()).toISOString();
      record.dead_at = record.updated_at;
      delete record.next_attempt_at;
      dropped.push(record);
    }
  }
  return { selected, dropped };
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
    } else {
      delete delivery.pause_check_error;
      if (checked.pause !== undefined) {
        delivery.event = PAUSED_EVENT;
        delivery.pause = checked.pause;
        delivery.actions = table.plan(delivery, runtime);
      }
    }
  }
  // Before the plan is committed: a function that dies in between leaves the routing item, and the
  // sweep's routing schedules it again (the same time).
  if (delivery.event === PAUSED_EVENT) await scheduleUnanswered(delivery, table.pauseOptionsFor(delivery, runtime).unanswered, runtime);
  if (delivery.route !== undefined && !table.hasName(delivery.route)) {
    log.warn("no route has the run's route name", { delivery_id: delivery.id, route: delivery.route });
  }

  const { selected, dropped } = selectActions(table, delivery, runtime);
  delivery.routing = selected.length === 0 ? "no_route" : "done";
  const leaseMs = Math.max(LEASE_MARGIN_MS, ...selected.map(({ action }) => actionLeaseMs(action, runtime)));
  // The plan, the routing item's removal and the actions' leases, in one step: from here on the
  // store's due-time index holds every action until it is done.
  const saved = await saveWithRetries(runtime, delivery.id, deadline + BUDGET_MARGIN_MS / 2, () =>
    runtime.store.commitPlan(delivery, options.lease, runtime.now(), leaseMs),
  );
  if (saved === undefined) return;
  const commit = saved.value;
  if (commit === undefined) {
    log.warn("routing lease lost; another holder routes the delivery", { delivery_id: delivery.id });
    return;
  }
  for (const record of dropped) {
    await runtime.store.commitAction(delivery.id, record, undefined, { kind: "done" }, runtime.now()).catch(() => false);
  }
  if (selected.length === 0) {
    log.info("no route matched", { delivery_id: delivery.id, event: delivery.event });
    return;
  }
  // Run what was leased, on the stored records (a previous holder's attempts included).
  const leased = new Map(commit.actions.map((entry) => [entry.record.name, entry]));
  const running: SelectedAction[] = [];
  for (const { action } of selected) {
    const entry = leased.get(action.name);
    if (entry === undefined) continue;
    const index = delivery.actions.findIndex((record) => record.name === action.name);
    if (index === -1) delivery.actions.push(entry.record);
    else delivery.actions[index] = entry.record;
    running.push({ action, record: entry.record, lease: entry.lease });
  }
  const outcomes = await runActions(delivery, runtime, running, { replay: false, deadline });
  const count = (outcome: RunOutcome) => Object.values(outcomes).filter((value) => value === outcome).length;
  log.info("routing done", {
    delivery_id: delivery.id,
    event: delivery.event,
    actions: selected.length,
    succeeded: count("succeeded"),
    failed: count("dead"),
    rescheduled: count("rescheduled"),
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
