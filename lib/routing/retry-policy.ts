// Retry policy of downstream actions: the defaults in one block, validation of overrides, backoff with
// jitter, and the time budget that keeps a delivery's routing inside the webhook function's
// maxDuration (vercel.json). Imports only the limits: the routes file and the runner both build on it.

export interface RetryOptions {
  /** Upper bound of one attempt, in ms. @default 8_000 */
  timeoutMs?: number;
  /** Further attempts after the first, on retryable failures. @default 3 */
  retries?: number;
  /** Backoff before the first retry, in ms (doubled each time, with jitter). @default 500 */
  minDelayMs?: number;
  /** Largest backoff, in ms. @default 8_000 */
  maxDelayMs?: number;
  /** Growth of the backoff. @default 2 */
  factor?: number;
  /**
   * Longest Retry-After honoured, in ms. A downstream asking for more ends the retries: the action
   * stays failed, to be replayed later. @default 10_000
   */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export { BUDGET_MARGIN_MS, DISPATCH_BUDGET_MS } from "../config/limits.js";

/**
 * The defaults, in one block. Worst case — 4 attempts each timing out, 3 waits — is 35.5 s; with the
 * paused check before it (2 reads of 5 s) 45.5 s, inside DISPATCH_BUDGET_MS (lib/config/limits.ts),
 * which also covers confirming the callback (usually milliseconds). The deadline is enforced as
 * well, so overrides that add up to more are cut at the budget rather than killed by the platform.
 */
export const RETRY_DEFAULTS: RetryPolicy = {
  timeoutMs: 8_000,
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 8_000,
  factor: 2,
  maxRetryAfterMs: 10_000,
};

/** Upper bound on `retries`, so that a typo cannot turn one delivery into a flood. */
const MAX_RETRIES = 10;

/** Checks overrides when the routes file is loaded, naming the option that is wrong. */
export function validateRetryOptions(options: RetryOptions, owner: string): RetryOptions {
  const atLeast = (name: keyof RetryOptions, min: number) => {
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
  const { retries } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES)) {
    throw new TypeError(`${owner}: retry option \`retries\` must be an integer from 0 to ${MAX_RETRIES}, got ${String(retries)}.`);
  }
  return options;
}

export function resolvePolicy(...layers: RetryOptions[]): RetryPolicy {
  const policy: RetryPolicy = { ...RETRY_DEFAULTS };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer) as [keyof RetryPolicy, number | undefined][]) {
      if (value !== undefined) policy[key] = value;
    }
  }
  return policy;
}

/** Backoff before retry number `retry` (1-based), before jitter. */
export function backoffMs(retry: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retry - 1));
}

/** "Equal jitter": between half and all of the backoff, so copies spread out but never retry at once. */
export function jittered(delayMs: number, random: () => number): number {
  return Math.round(delayMs / 2 + random() * (delayMs / 2));
}

/** The longest an action can take under `policy` when every attempt times out. */
export function worstCaseMs(policy: RetryPolicy): number {
  let total = (policy.retries + 1) * policy.timeoutMs;
  for (let retry = 1; retry <= policy.retries; retry++) total += backoffMs(retry, policy);
  return total;
}

