// Runs one action to its end: attempts with a timeout, bounded retries with exponential backoff and
// jitter on retryable failures (network, timeouts, 408, 429, 5xx; Retry-After honoured within bounds),
// every attempt recorded on the delivery as it happens. The router gives each dispatch a deadline
// (retry-policy.ts) and no attempt or wait runs past it; waits and jitter come from the runtime.
// Attempts of one action in one process are bounded in number (slots.ts): a burst of callbacks queues
// its forwards instead of opening a connection each at once, and an attempt's timeout starts only
// once it may run.
import type { Action } from "./action.js";
import type { ActionInternals, AttemptFields } from "./context.js";
import { createActionContext } from "./context.js";
import { ActionError } from "./errors.js";
import type { ActionAttempt, ActionRecord } from "../model/delivery.js";
import { RelayError } from "../shared/errors.js";
import type { RunEvent } from "../model/events.js";
import { scrub } from "../shared/scrub.js";
import { backoffMs, jittered, resolvePolicy } from "./retry-policy.js";
import type { Runtime } from "../runtime/runtime.js";
import { ATTEMPTS_IN_FLIGHT, slotsFor } from "./slots.js";

export interface RunOptions {
  runtime: Runtime;
  delivery_id: string;
  /** Absolute time (runtime.now) by which the action must be done. */
  deadline: number;
  replay: boolean;
  /** Called after every change of the record, to save it. */
  onProgress: () => void;
}

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

/** Runs one attempt, cut at `timeoutMs` even if the action ignores its signal. */
async function attemptWithTimeout<E extends RunEvent>(
  action: Action<E>,
  event: E,
  fields: AttemptFields,
  internals: ActionInternals,
  timeoutMs: number,
): Promise<Awaited<ReturnType<Action<E>["attempt"]>>> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ActionError(`timed out after ${timeoutMs} ms`, { retryable: true })),
    timeoutMs,
  );
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason as unknown), { once: true });
  });
  try {
    const context = createActionContext(fields, controller.signal, internals);
    return await Promise.race([action.attempt(event, context), aborted]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `action` until it succeeds, fails for good, exhausts its retries or reaches the deadline,
 * recording each attempt on `record` (numbers continue from earlier attempts). Never throws.
 */
export async function runAction<E extends RunEvent>(
  action: Action<E>,
  record: ActionRecord,
  event: E,
  options: RunOptions,
): Promise<void> {
  const { runtime } = options;
  const policy = resolvePolicy(action.retry);
  const began = runtime.now();
  let attemptsNow = 0;
  const iso = (ms: number) => new Date(ms).toISOString();

  const finish = (state: "succeeded" | "failed", error?: string) => {
    record.state = state;
    if (error !== undefined) record.last_error = error;
    record.updated_at = iso(runtime.now());
    options.onProgress();
    const fields = {
      delivery_id: options.delivery_id,
      action: record.name,
      type: record.type,
      state,
      attempts: record.attempts.length,
      ms: runtime.now() - began,
      replay: options.replay,
      ...(error === undefined ? {} : { error }),
    };
    if (state === "succeeded") runtime.log.info("action succeeded", fields);
    else runtime.log.warn("action failed", fields);
  };

  record.state = "pending";
  record.updated_at = iso(began);
  const slots = slotsFor(runtime, record.name);
  for (;;) {
    if (options.deadline - runtime.now() <= 0) {
      return finish("failed", withPrevious("not attempted: the delivery's time budget was spent", attemptsNow, record));
    }
    if (!(await slots.acquire(options.deadline - runtime.now()))) {
      return finish(
        "failed",
        withPrevious(
          `not attempted: the delivery's time budget was spent waiting behind ${ATTEMPTS_IN_FLIGHT} attempts of this action in flight`,
          attemptsNow,
          record,
        ),
      );
    }
    const remaining = options.deadline - runtime.now();
    if (remaining <= 0) {
      slots.release();
      continue; // reported as a spent budget at the top of the loop
    }
    attemptsNow += 1;
    const number = record.attempts.length + 1;
    const timeoutMs = Math.min(policy.timeoutMs, remaining);
    const startedAt = runtime.now();
    const attempt: ActionAttempt = { number, started_at: iso(startedAt), ended_at: "", duration_ms: 0, ok: false };
    if (options.replay) attempt.replay = true;
    let failure: Failure | undefined;
    try {
      // Guarded by the slot taken above; released in the `finally` whatever the outcome.
      const result = await attemptWithTimeout(
        action,
        event,
        { delivery_id: options.delivery_id, action: record.name, attempt: number, replay: options.replay },
        { runtime },
        timeoutMs,
      );
      attempt.ok = true;
      if (result?.http_status !== undefined) attempt.http_status = result.http_status;
      if (result?.result !== undefined) attempt.result = result.result;
    } catch (error) {
      failure = classifyFailure(error);
      if (failure.httpStatus !== undefined) attempt.http_status = failure.httpStatus;
      attempt.error = failure.message;
    } finally {
      slots.release();
    }
    const endedAt = runtime.now();
    attempt.ended_at = iso(endedAt);
    attempt.duration_ms = Math.max(0, endedAt - startedAt);
    record.attempts.push(attempt);

    if (failure === undefined) {
      delete record.last_error;
      return finish("succeeded");
    }
    record.last_error = failure.message;
    if (!failure.retryable) return finish("failed", failure.message);
    if (attemptsNow > policy.retries) return finish("failed", failure.message);

    let delay = jittered(backoffMs(attemptsNow, policy), runtime.random);
    if (failure.retryAfterMs !== undefined) {
      if (failure.retryAfterMs > policy.maxRetryAfterMs) {
        return finish(
          "failed",
          `${failure.message} (Retry-After ${Math.ceil(failure.retryAfterMs / 1000)} s is longer than this action may wait; replay it later)`,
        );
      }
      delay = Math.max(delay, failure.retryAfterMs);
    }
    if (runtime.now() + delay >= options.deadline) {
      return finish("failed", `${failure.message} (no time left for another attempt within the delivery's budget)`);
    }
    record.updated_at = iso(runtime.now());
    options.onProgress();
    await runtime.sleep(delay);
  }
}

function withPrevious(message: string, attemptsNow: number, record: ActionRecord): string {
  return attemptsNow > 0 && record.last_error !== undefined ? `${record.last_error} (${message})` : message;
}
