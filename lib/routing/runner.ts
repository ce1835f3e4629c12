// Runs one action: attempts with a timeout, retries on retryable failures (network, timeouts, 408,
// 429, 5xx; Retry-After honoured up to the schedule's longest step) following the action's retry
// schedule (retry-policy.ts), every attempt committed to the store as it ends (per action, atomically,
// with the lease that lets only this holder write: lib/stores/due-work.ts). A retry due within the
// running function's budget (`deadline`) waits here; a later one is left in the store's due-time index,
// and the sweep (lib/sweep) runs it. When the schedule is exhausted or a failure is final the action is
// dead: `failed` with `dead_at`, logged once at error level.
// Attempts of one action in one process are bounded in number (slots.ts): a burst of callbacks queues
// its forwards instead of opening a connection each at once, and an attempt's timeout starts only
// once it may run. A slot is given back only when the attempt has really settled — an action that
// ignores its abort signal keeps its slot — so the bound holds for every action.
import type { Action } from "./action.js";
import type { ActionInternals, AttemptFields } from "./context.js";
import { createActionContext } from "./context.js";
import { ActionError } from "./errors.js";
import type { ActionAttempt, ActionRecord } from "../model/delivery.js";
import { RelayError } from "../shared/errors.js";
import type { RunEvent } from "../model/events.js";
import { describeError } from "../shared/log.js";
import { scrub } from "../shared/scrub.js";
import { resolvePolicy, retryDelayMs } from "./retry-policy.js";
import type { Runtime } from "../runtime/runtime.js";
import type { ActionNext, Lease } from "../stores/due-work.js";
import { LEASE_MARGIN_MS } from "../stores/due-work.js";
import { ATTEMPTS_IN_FLIGHT, slotsFor } from "./slots.js";

export interface RunOptions {
  runtime: Runtime;
  delivery_id: string;
  /** Absolute time (runtime.now) past which nothing runs or waits here: later work goes to the sweep. */
  deadline: number;
  replay: boolean;
  /** The lease on the action's item; without one, commits happen only while nobody else holds it. */
  lease: Lease | undefined;
}

/** What became of the action in this run. */
export type RunOutcome = "succeeded" | "dead" | "rescheduled" | "lost";

/** Less time than this left: the attempt is left to the sweep rather than started cut short. */
const MIN_ATTEMPT_MS = 250;

interface Failure {
  message: string;
  retryable: boolean;
  httpStatus: number | undefined;
  retryAfterMs: number | undefined;
}

/** Reads any thrown value as a failure; unknown errors are retried (within bounds), as p-retry does. */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof ActionError) {
    return {
      message: scrub(error.message),
      retryable: error.retryable,
      httpStatus: error.httpStatus,
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof RelayError) {
    // From the trigger's core: LangGraph or the store failing is worth another try; a request it
    // refused or a missing setting is not.
    const retryable = error.status >= 500 && error.code !== "not_configured" && error.code !== "internal_error";
    return { message: scrub(`${error.code}: ${error.message}`), retryable, httpStatus: undefined, retryAfterMs: undefined };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : "non-error value thrown";
  return { message: scrub(message), retryable: true, httpStatus: undefined, retryAfterMs: undefined };
}

/**
 * Runs one attempt, cut at `timeoutMs` even if the action ignores its signal. `settled` resolves
 * when the action's own promise has settled (later than the answer when it ignored the abort).
 */
function attemptWithTimeout<E extends RunEvent>(
  action: Action<E>,
  event: E,
  fields: AttemptFields,
  internals: ActionInternals,
  timeoutMs: number,
): { outcome: Promise<Awaited<ReturnType<Action<E>["attempt"]>>>; settled: Promise<void> } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ActionError(`timed out after ${timeoutMs} ms`, { retryable: true })),
    timeoutMs,
  );
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason as unknown), { once: true });
  });
  aborted.catch(() => undefined);
  const context = createActionContext(fields, controller.signal, internals);
  const running = Promise.resolve().then(() => action.attempt(event, context));
  const settled = running.then(
    () => undefined,
    () => undefined,
  );
  const outcome = Promise.race([running, aborted]).finally(() => clearTimeout(timer));
  return { outcome, settled };
}

/** Commits with a few quick retries: a store that blinks must not strand the action's progress. */
async function commit(
  runtime: Runtime,
  deliveryId: string,
  record: ActionRecord,
  lease: Lease | undefined,
  next: ActionNext,
): Promise<boolean> {
  for (let tries = 1; ; tries++) {
    try {
      const written = await runtime.store.commitAction(deliveryId, record, lease, next, runtime.now());
      // A try whose reply never came may have landed, letting the lease go with it (`done`, `at`):
      // then this retry finds the lease gone. It is our own commit if the stored action is this one.
      return written || (tries > 1 && (await landed(runtime, deliveryId, record)));
    } catch (error) {
      const fields = { delivery_id: deliveryId, action: record.name, tries, error: describeError(error) };
      if (tries >= 6) {
        // The lease runs out and the sweep takes the action again: at least once, never lost.
        runtime.log.error("could not save delivery progress; the sweep will take the action again", fields);
        return false;
      }
      if (tries === 1) runtime.log.warn("could not save delivery progress; retrying", fields);
      await runtime.sleep(Math.min(2_000, 100 * 2 ** (tries - 1)));
    }
  }
}

/** True when the store holds exactly `record` as the action's record (read errors: false). */
async function landed(runtime: Runtime, deliveryId: string, record: ActionRecord): Promise<boolean> {
  try {
    const stored = (await runtime.store.get(deliveryId))?.actions.find((candidate) => candidate.name === record.name);
    return stored !== undefined && JSON.stringify(stored) === JSON.stringify(record);
  } catch {
    return false;
  }
}

/**
 * Runs `action` until it succeeds, dies, is rescheduled past `deadline`, or its lease is lost,
 * recording and committing each attempt on `record` (numbers continue from earlier attempts).
 * Never throws: anything unforeseen (retry options no check has seen) is logged, and the action
 * is left to its lease running out, as if this holder had died.
 */
export async function runAction<E extends RunEvent>(
  action: Action<E>,
  record: ActionRecord,
  event: E,
  options: RunOptions,
): Promise<RunOutcome> {
  try {
    return await runGuarded(action, record, event, options);
  } catch (error) {
    options.runtime.log.error("action run failed; the sweep takes it again once its lease runs out", {
      delivery_id: options.delivery_id,
      action: record.name,
      error: describeError(error),
    });
    return "lost";
  }
}

async function runGuarded<E extends RunEvent>(
  action: Action<E>,
  record: ActionRecord,
  event: E,
  options: RunOptions,
): Promise<RunOutcome> {
  const { runtime, lease } = options;
  const policy = resolvePolicy(action.retry, runtime.config.retrySchedule);
  const began = runtime.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const fields = () => ({
    delivery_id: options.delivery_id,
    action: record.name,
    type: record.type,
    attempts: record.attempts.length,
    ms: runtime.now() - began,
    replay: options.replay,
  });

  const lost = (): RunOutcome => {
    runtime.log.warn("action lease lost; another holder runs it", fields());
    return "lost";
  };
  const succeed = async (): Promise<RunOutcome> => {
    record.state = "succeeded";
    delete record.last_error;
    delete record.next_attempt_at;
    record.updated_at = iso(runtime.now());
    if (!(await commit(runtime, options.delivery_id, record, lease, { kind: "done" }))) return lost();
    runtime.log.info("action succeeded", { ...fields(), state: "succeeded" });
    return "succeeded";
  };
  const die = async (error: string, why = "final error"): Promise<RunOutcome> => {
    record.state = "failed";
    record.last_error = error;
    delete record.next_attempt_at;
    record.dead_at = iso(runtime.now());
    record.updated_at = record.dead_at;
    if (!(await commit(runtime, options.delivery_id, record, lease, { kind: "done" }))) return lost();
    // The dead letter: said once, at error level, with what a redrive needs.
    runtime.log.error("action failed", { ...fields(), state: "failed", dead: true, why, error });
    return "dead";
  };
  const later = async (at: number, why?: string): Promise<RunOutcome> => {
    record.state = "pending";
    record.next_attempt_at = iso(at);
    record.updated_at = iso(runtime.now());
    if (!(await commit(runtime, options.delivery_id, record, lease, { kind: "at", at }))) return lost();
    runtime.log.info("action retry scheduled", { ...fields(), next_attempt_at: record.next_attempt_at, ...(why === undefined ? {} : { why }) });
    return "rescheduled";
  };

  record.state = "pending";
  delete record.dead_at;
  record.updated_at = iso(began);
  const slots = slotsFor(runtime, record.name);
  for (;;) {
    if (options.deadline - runtime.now() < MIN_ATTEMPT_MS) return later(runtime.now(), "the function's time budget was spent");
    if (!(await slots.acquire(options.deadline - runtime.now() - MIN_ATTEMPT_MS))) {
      return later(runtime.now(), `${ATTEMPTS_IN_FLIGHT} attempts of this action were in flight until the function's time budget was spent`);
    }
    const remaining = options.deadline - runtime.now();
    if (remaining < MIN_ATTEMPT_MS) {
      slots.release();
      continue; // rescheduled at the top of the loop
    }
    const timeoutMs = Math.min(policy.timeoutMs, remaining);
    // The lease outlasts the attempt: a holder that dies mid-attempt leaves it due again soon after.
    // Extended only when less than half the margin would be left after the timeout: a plan's lease
    // (timeout + margin, taken a moment ago) covers the first attempt without another round trip.
    if (lease !== undefined && lease.until < runtime.now() + timeoutMs + LEASE_MARGIN_MS / 2) {
      let extended = false;
      try {
        extended = await runtime.store.extend(lease, runtime.now() + timeoutMs + LEASE_MARGIN_MS);
      } catch (error) {
        runtime.log.warn("could not extend an action's lease", { ...fields(), error: describeError(error) });
      }
      if (!extended) {
        slots.release();
        return lost();
      }
    }
    const number = record.attempts.length + 1;
    const startedAt = runtime.now();
    const attempt: ActionAttempt = { number, started_at: iso(startedAt), ended_at: "", duration_ms: 0, ok: false };
    if (options.replay) attempt.replay = true;
    let failure: Failure | undefined;
    const { outcome, settled } = attemptWithTimeout(
      action,
      event,
      { delivery_id: options.delivery_id, action: record.name, attempt: number, replay: options.replay },
      { runtime },
      timeoutMs,
    );
    // The slot is held until the action's own work has settled, not merely until its timeout.
    void settled.then(() => slots.release());
    try {
      const result = await outcome;
      attempt.ok = true;
      if (result?.http_status !== undefined) attempt.http_status = result.http_status;
      if (result?.result !== undefined) attempt.result = result.result;
    } catch (error) {
      failure = classifyFailure(error);
      if (failure.httpStatus !== undefined) attempt.http_status = failure.httpStatus;
      attempt.error = failure.message;
    }
    const endedAt = runtime.now();
    attempt.ended_at = iso(endedAt);
    attempt.duration_ms = Math.max(0, endedAt - startedAt);
    record.attempts.push(attempt);

    if (failure === undefined) return succeed();
    record.last_error = failure.message;
    if (!failure.retryable) return die(failure.message);
    const retry = record.attempts.filter((past) => past.number >= (record.schedule_from ?? 1)).length;
    const delay = retryDelayMs(policy, retry, runtime.random, failure.retryAfterMs);
    if (delay === undefined) {
      return die(failure.message, "retry schedule exhausted");
    }
    const at = runtime.now() + delay;
    // Due within this function's budget, with time for the attempt: wait here, holding the lease.
    if (at + Math.min(policy.timeoutMs, 1_000) <= options.deadline) {
      record.next_attempt_at = iso(at);
      record.updated_at = iso(runtime.now());
      const until = at + policy.timeoutMs + LEASE_MARGIN_MS;
      if (!(await commit(runtime, options.delivery_id, record, lease, lease === undefined ? { kind: "at", at } : { kind: "extend", until }))) {
        return lost();
      }
      await runtime.sleep(delay);
      delete record.next_attempt_at;
      continue;
    }
    return later(at);
  }
}
