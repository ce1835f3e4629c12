// Retry policy of downstream actions: the defaults in one block, validation of overrides, and the
// delays before each retry. Retries follow a schedule measured in minutes and hours (RETRY_SCHEDULE,
// or an action's own `retry.schedule`), which outlives any function: a retry due within the running
// function's budget runs there, a later one waits in the store's due-time index for the sweep
// (lib/sweep). Actions written for the earlier backoff options (`retries`, `minDelayMs`, …) keep that
// exponential backoff, with jitter, as their schedule. Imports only the configuration.
import { MAX_RETRY_STEP_MS, parseRetrySchedule } from "../config/env.js";

export interface RetryOptions {
  /** Upper bound of one attempt, in ms. @default 8_000 */
  timeoutMs?: number;
  /**
   * Delays before each retry: a RETRY_SCHEDULE-style string (`"5s,1m,1h"`) or a list of ms.
   * @default RETRY_SCHEDULE (5s,30s,2m,10m,30m,1h,2h,5h,8h,10h unless set)
   */
  schedule?: string | readonly number[];
  /** Earlier style: further attempts after the first, with exponential backoff (overrides the schedule). */
  retries?: number;
  /** Earlier style: backoff before the first retry, in ms (doubled each time, with jitter). @default 500 */
  minDelayMs?: number;
  /** Earlier style: largest backoff, in ms. @default 8_000 */
  maxDelayMs?: number;
  /** Earlier style: growth of the backoff. @default 2 */
  factor?: number;
  /**
   * Longest Retry-After honoured, in ms: a downstream asking for longer is retried after this long.
   * @default the schedule's longest step
   */
  maxRetryAfterMs?: number;
}

/** What the runner follows. */
export interface RetryPolicy {
  timeoutMs: number;
  /** Delay before retry n (1-based) is `delays[n - 1]`; past the end the action is dead. */
  delays: readonly number[];
  /** Spread each delay between half and all of it (the earlier backoff style). */
  jitter: boolean;
  maxRetryAfterMs: number;
}

export { BUDGET_MARGIN_MS, DISPATCH_BUDGET_MS } from "../config/limits.js";

/** The defaults of the earlier backoff style, in one block (used only by actions that set one of them). */
export const RETRY_DEFAULTS = {
  timeoutMs: 8_000,
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 8_000,
  factor: 2,
} as const;

/** Upper bound on `retries`, so that a typo cannot turn one delivery into a flood. */
const MAX_RETRIES = 10;

function scheduleOf(schedule: string | readonly number[], owner: string): number[] {
  if (typeof schedule === "string") {
    // As RETRY_SCHEDULE=0: no retries (every failure is final).
    if (schedule.trim() === "0") return [];
    const parsed = parseRetrySchedule(schedule);
    if (typeof parsed === "string") throw new TypeError(`${owner}: retry option \`schedule\` ${parsed}.`);
    return parsed;
  }
  // Each step capped like the string form's (7d): a step past Date's range would make every
  // retry time unwritable, and the action would run again at every lease expiry.
  if (!Array.isArray(schedule) || schedule.length > 50 || !schedule.every((ms) => Number.isFinite(ms) && ms >= 0 && ms <= MAX_RETRY_STEP_MS)) {
    throw new TypeError(`${owner}: retry option \`schedule\` must be a string such as "5s,1m,1h" or a list of at most 50 delays in ms, each at most 7 days (${MAX_RETRY_STEP_MS}).`);
  }
  return [...schedule];
}

/** Checks overrides when the routes file is loaded, naming the option that is wrong. */
export function validateRetryOptions(options: RetryOptions, owner: string): RetryOptions {
  const atLeast = (name: "timeoutMs" | "minDelayMs" | "maxDelayMs" | "factor" | "maxRetryAfterMs", min: number) => {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value >= min)) {
      throw new TypeError(`${owner}: retry option \`${name}\` must be a finite number >= ${min}, got ${String(value)}.`);
    }
  };
  atLeast("timeoutMs", 1);
  atLeast("minDelayMs", 0);
  atLeast("maxDelayMs", 0);
  atLeast("factor", 1);
  atLeast("maxRetryAfterMs", 0);
  if (options.maxRetryAfterMs !== undefined && options.maxRetryAfterMs > MAX_RETRY_STEP_MS) {
    throw new TypeError(`${owner}: retry option \`maxRetryAfterMs\` must be at most 7 days (${MAX_RETRY_STEP_MS}), got ${String(options.maxRetryAfterMs)}.`);
  }
  const { retries } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES)) {
    throw new TypeError(`${owner}: retry option \`retries\` must be an integer from 0 to ${MAX_RETRIES}, got ${String(retries)}.`);
  }
  if (options.schedule !== undefined) return { ...options, schedule: scheduleOf(options.schedule, owner) };
  return options;
}

/**
 * The policy of an action: its own schedule, else its earlier-style backoff, else the deployment's
 * RETRY_SCHEDULE (`defaultSchedule`).
 */
export function resolvePolicy(options: RetryOptions, defaultSchedule: readonly number[]): RetryPolicy {
  const timeoutMs = options.timeoutMs ?? RETRY_DEFAULTS.timeoutMs;
  let delays: readonly number[];
  let jitter = false;
  if (options.schedule !== undefined) {
    delays = scheduleOf(options.schedule, "retry");
  } else if (options.retries !== undefined || options.minDelayMs !== undefined || options.maxDelayMs !== undefined || options.factor !== undefined) {
    const retries = options.retries ?? RETRY_DEFAULTS.retries;
    const min = options.minDelayMs ?? RETRY_DEFAULTS.minDelayMs;
    const max = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
    const factor = options.factor ?? RETRY_DEFAULTS.factor;
    delays = Array.from({ length: retries }, (_, index) => Math.min(max, min * factor ** index));
    jitter = true;
  } else {
    delays = defaultSchedule;
  }
  const longest = delays.reduce((a, b) => Math.max(a, b), 0);
  return { timeoutMs, delays, jitter, maxRetryAfterMs: options.maxRetryAfterMs ?? longest };
}

/** "Equal jitter": between half and all of the backoff, so copies spread out but never retry at once. */
export function jittered(delayMs: number, random: () => number): number {
  return Math.round(delayMs / 2 + random() * (delayMs / 2));
}

/**
 * The delay before retry `retry` (1-based) after a failure that asked for `retryAfterMs`, or undefined
 * when the schedule is exhausted. Retry-After is honoured up to `maxRetryAfterMs`.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number, retryAfterMs?: number): number | undefined {
  const step = policy.delays[retry - 1];
  if (step === undefined) return undefined;
  const delay = policy.jitter ? jittered(step, random) : step;
  const wanted = retryAfterMs === undefined ? delay : Math.max(delay, Math.min(retryAfterMs, policy.maxRetryAfterMs));
  // Options that never went through validation (an action object made by hand) stay within bounds too.
  return Math.min(wanted, MAX_RETRY_STEP_MS);
}

/** The time from the first attempt to the last retry when every attempt times out. */
export function worstCaseMs(policy: RetryPolicy): number {
  return (policy.delays.length + 1) * policy.timeoutMs + policy.delays.reduce((a, b) => a + b, 0);
}
