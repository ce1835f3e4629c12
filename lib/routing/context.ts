// What one attempt of an action is given. The public part, ActionContext, is what user code sees
// (custom handlers): ids, the attempt's abort signal, fetch, a logger and the clock — never the
// runtime, whose configuration holds every secret of the deployment. Built-in actions that need more
// (the chain action reads the public URL and starts runs) reach the runtime through `internalsOf`, a
// channel keyed by the context object that the public type does not show.
import type { Runtime } from "../runtime/runtime.js";
import type { LogFields, Logger } from "../shared/log.js";

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
  /** The relay's fetch (tests give their own): use it, with `signal`, for outbound requests. */
  fetch: typeof fetch;
  /** The relay's JSON logger; each line carries `delivery_id` and `action`. Never log secrets. */
  log: Logger;
  /** The relay's clock, in ms since the epoch (the one its records use). */
  now: () => number;
}

/** What the runner knows of an attempt before it starts it. */
export type AttemptFields = Pick<ActionContext, "delivery_id" | "action" | "attempt" | "replay">;

/** What only the built-in actions get. */
export interface ActionInternals {
  runtime: Runtime;
}

const internalsByContext = new WeakMap<ActionContext, ActionInternals>();

/** A logger that adds `fields` to every line. */
function withFields(log: Logger, fields: LogFields): Logger {
  return {
    info: (message, more) => log.info(message, { ...fields, ...more }),
    warn: (message, more) => log.warn(message, { ...fields, ...more }),
    error: (message, more) => log.error(message, { ...fields, ...more }),
  };
}

/** The context of one attempt, its internals kept where only `internalsOf` finds them. */
export function createActionContext(fields: AttemptFields, signal: AbortSignal, internals: ActionInternals): ActionContext {
  const { runtime } = internals;
  const context: ActionContext = {
    ...fields,
    signal,
    fetch: runtime.fetch,
    log: withFields(runtime.log, { delivery_id: fields.delivery_id, action: fields.action }),
    now: runtime.now,
  };
  internalsByContext.set(context, internals);
  return context;
}

/** The runtime behind a context the runner made; built-in actions only. */
export function internalsOf(context: ActionContext): ActionInternals {
  const internals = internalsByContext.get(context);
  if (internals === undefined) {
    throw new TypeError("This action runs only under the router: its context was not made by the runner.");
  }
  return internals;
}
