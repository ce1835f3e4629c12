// What an action is, what it is given, and how it fails. An action performs one attempt; the runner
// (lib/routing/runner.ts) owns timeouts, retries and the record of every attempt. Failures are ActionErrors
// that say whether another attempt could help; messages never carry a secret or a URL's query.
import type { RunEvent } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import type { RetryOptions } from "./retry-policy.js";
import { validateRetryOptions } from "./retry-policy.js";
import { scrub } from "../shared/scrub.js";
// Type-only: the router names the trigger's types without loading the trigger (or the SDK).
import type { StartedRun, StartRunRequest } from "../trigger/runs.js";

export type ActionType = "forward" | "slack" | "start_run" | "custom";

export type { StartedRun, StartRunRequest };

export type StartRunFunction = (
  request: StartRunRequest,
  context: { runtime: Runtime; origin: string },
) => Promise<StartedRun>;

export interface ActionContext {
  delivery_id: string;
  /** The action's name, unique within the delivery. */
  action: string;
  /** 1-based attempt number across the action's life, replays included. */
  attempt: number;
  /** True when a replay started this attempt. */
  replay: boolean;
  /** Aborted when the attempt's time is up: pass it to fetch and other waits. */
  signal: AbortSignal;
  runtime: Runtime;
  /** Origin of the request being served; the chain action's fallback for its webhook URL. */
  origin: string | undefined;
  /** Starts a LangGraph run with this deployment's webhook (lib/trigger/runs.ts's `startRun`). */
  startRun: StartRunFunction;
}

/** What a successful attempt reports for its record. */
export interface AttemptResult {
  http_status?: number;
  /** Small facts worth keeping, e.g. the run a chain action started. */
  result?: Record<string, string | number | boolean | null>;
}

export interface Action<E extends RunEvent = RunEvent> {
  readonly type: ActionType;
  /** Unique across the routes file; the key of its record on a delivery and of replays. */
  readonly name: string;
  /** Overrides of the retry defaults (lib/routing/runner.ts) for this action. */
  readonly retry: RetryOptions;
  /** One attempt. Throws (preferably an ActionError) when it failed. */
  readonly attempt: (event: E, context: ActionContext) => Promise<AttemptResult | void>;
}

export interface ActionErrorOptions {
  /** Whether another attempt could succeed (network errors, 5xx, 429). */
  retryable: boolean;
  httpStatus?: number | undefined;
  /** The downstream asked to wait this long before retrying (Retry-After). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ActionError extends Error {
  override readonly name: string = "ActionError";
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ActionErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Throw from a custom action to fail at once, without further attempts (p-retry's AbortError).
 * Any other error thrown by a custom action is retried within the action's bounds.
 */
export class FinalError extends ActionError {
  override readonly name: string = "FinalError";
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(message, { retryable: false, httpStatus: options.httpStatus, cause: options.cause });
  }
}

/** The secret-free name of an endpoint for messages: its origin only (paths and queries can hold tokens). */
export function endpointLabel(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : "(invalid URL)";
}

export { scrub };

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const SNIPPET_BYTES = 200;

/** Reads at most a few hundred bytes of a response body (to explain a failure), then lets go of it. */
async function snippet(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that breaks off still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES));
  return text.replace(/\s+/g, " ").trim();
}

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** How messages name the endpoint, e.g. `Slack` or the forward URL's origin. */
  label: string;
  /** Strings that must never appear in an error message (the URL itself, keys). */
  secrets: readonly (string | undefined)[];
}

/**
 * POSTs once and classifies the answer: 2xx succeeds; 408, 429 and 5xx are retryable (with
 * Retry-After); redirects are not followed and, like other 4xx, are final. Network failures are
 * retryable. The request never goes anywhere but `url`.
 */
export async function postOnce(options: PostOptions, context: ActionContext): Promise<AttemptResult> {
  const { runtime, signal } = context;
  let response: Response;
  try {
    response = await runtime.fetch(options.url, {
      method: "POST",
      headers: options.headers,
      body: options.body,
      signal,
      // A redirect could carry a signed delivery to a host nobody configured.
      redirect: "manual",
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new ActionError(`${options.label} could not be reached: ${networkReason(error, options.secrets)}`, {
      retryable: true,
      cause: error,
    });
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { http_status: status };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const detail = scrub(await snippet(response), options.secrets);
  const redirect = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
  throw new ActionError(`${options.label} answered ${status}${redirect}${detail === "" ? "" : `: ${detail}`}`, {
    retryable,
    httpStatus: status,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), runtime.now()),
  });
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, ENOTFOUND, …) does. */
function networkReason(error: unknown, secrets: readonly (string | undefined)[]): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const parts: string[] = [];
  if (error instanceof Error) parts.push(error.message);
  if (cause instanceof Error) parts.push(cause.message);
  return scrub(parts.join(": ") || "unknown network error", secrets);
}

/** Names are keys in records, logs and replay requests: short, and safe in a URL. */
const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Prefix of the actions the environment defines (FORWARD_URL, SLACK_WEBHOOK_URL); not for routes.ts. */
export const ENV_ACTION_PREFIX = "env:";

/** Builds an action, checking its name and retry options when the routes file loads. */
export function defineAction<E extends RunEvent>(
  action: { type: ActionType; name: string; retry?: RetryOptions | undefined; attempt: Action<E>["attempt"] },
  options: { internal?: boolean } = {},
): Action<E> {
  const name = action.name;
  const bare = options.internal === true && name.startsWith(ENV_ACTION_PREFIX) ? name.slice(ENV_ACTION_PREFIX.length) : name;
  if (!ACTION_NAME.test(bare)) {
    throw new TypeError(
      `Invalid action name ${JSON.stringify(name)}: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
    );
  }
  return Object.freeze({
    type: action.type,
    name,
    retry: Object.freeze(validateRetryOptions({ ...action.retry }, `action "${name}"`)),
    attempt: action.attempt,
  });
}
