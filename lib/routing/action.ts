// What an action is: a type, a unique name, retry options and one attempt. An action performs one
// attempt; the runner (runner.ts) owns timeouts, retries and the record of every attempt. An attempt
// fails by throwing (errors.ts says how to steer the retries).
import type { RunEvent } from "../model/events.js";
import type { ActionContext } from "./context.js";
import type { RetryOptions } from "./retry-policy.js";
import { validateRetryOptions } from "./retry-policy.js";

/** The kinds of action. Records stored before the chain action was named say `start_run` for it. */
export type ActionType = "forward" | "slack" | "chain" | "custom";

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
  /** Overrides of the retry defaults (retry-policy.ts) for this action. */
  readonly retry: RetryOptions;
  /** One attempt. Throws (preferably an ActionError) when it failed. */
  readonly attempt: (event: E, context: ActionContext) => Promise<AttemptResult | void>;
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
