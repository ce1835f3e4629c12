// The custom action: any `async (event, context) => void` from the routes file, run with the same
// timeout, retries and records as the built-in actions. Throw FinalError to fail without retrying;
// anything else thrown is retried within the action's bounds. Pass `context.signal` to your own
// fetches so that a timed-out attempt stops its work.
import type { Action, ActionContext } from "../action.js";
import { defineAction } from "../action.js";
import type { RunEvent } from "../../model/events.js";
import type { RetryOptions } from "../retry-policy.js";

export type CustomHandler<E extends RunEvent> = (event: E, context: ActionContext) => Promise<void> | void;

export interface CustomOptions {
  retry?: RetryOptions;
}

export function custom<E extends RunEvent = RunEvent>(
  name: string,
  handler: CustomHandler<E>,
  options: CustomOptions = {},
): Action<E> {
  if (typeof handler !== "function") throw new TypeError(`custom action "${name}": the handler must be a function.`);
  return defineAction<E>({
    type: "custom",
    name,
    retry: options.retry,
    attempt: async (event, context) => {
      await handler(event, context);
    },
  });
}
