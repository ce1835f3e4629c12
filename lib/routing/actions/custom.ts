// The custom action: any `async (event, context) => void` from the routes file, run with the same
// timeout, retries and records as the built-in actions. Throw FinalError to fail without retrying;
// anything else thrown is retried within the action's bounds. Pass `context.signal` to your own
// fetches (`context.fetch`) so that a timed-out attempt stops its work.
import type { Action } from "../action.js";
import { defineAction } from "../action.js";
import type { ActionContext } from "../context.js";
import type { RunEvent } from "../../model/events.js";
import type { RetryOptions } from "../retry-policy.js";

export type CustomHandler<E extends RunEvent> = (event: E, context: ActionContext) => Promise<void> | void;

export interface CustomOptions<E extends RunEvent> {
  /** Unique across the routes file: the key of the action's record and of its replays. */
  name: string;
  handler: CustomHandler<E>;
  retry?: RetryOptions;
}

/** Runs your handler for each event the route hands it. */
export function custom<E extends RunEvent = RunEvent>(options: CustomOptions<E>): Action<E> {
  if (typeof options !== "object" || options === null) {
    // Routes files written for the earlier custom(name, handler, options) get told how to write it now.
    throw new TypeError("custom() takes one options object: custom({ name, handler, retry? }).");
  }
  const { name, handler } = options;
  if (typeof handler !== "function") throw new TypeError(`custom action "${String(name)}": the handler must be a function.`);
  return defineAction<E>({
    type: "custom",
    name,
    retry: options.retry,
    attempt: async (event, context) => {
      await handler(event, context);
    },
  });
}
