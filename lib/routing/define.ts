// defineRoutes: the routes file's list, checked when the file loads (unknown events, duplicate action
// names, malformed filters throw a TypeError naming the route), and turned into the router that the
// receiver (plan before the ack, dispatch after it) and replay (actionsFor, runActions) use.
import type { DeliveryRecord } from "../model/delivery.js";
import type { EventFor, EventPattern } from "../model/events.js";
import { EVENT_NAMES, isEventPattern } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Action } from "./action.js";
import type { RetryOptions } from "./retry-policy.js";
import { validateRetryOptions } from "./retry-policy.js";
import { ENV_ACTION_PREFIX } from "./action.js";
import type { DeliveryRouter } from "./delivery-router.js";
import type { ActionOutcomes, RunActionsOptions, SelectedAction } from "./dispatch.js";
import { dispatchDelivery, runActions } from "./dispatch.js";
import type { CompiledRoute } from "./match.js";
import { routeTable } from "./match.js";
import type { PauseOptions } from "../hitl/pause-options.js";
import { validatePauseOptions } from "../hitl/pause-options.js";

/** What a route filters on, besides the event. Every filter given must match. */
export interface RouteFilter {
  /** Handles only runs started with `route: <name>` (and those runs are handled by named routes only). */
  name?: string;
  /** The run's assistant id — or its graph id, since LangGraph accepts a graph id as an assistant id. */
  assistant_id?: string | readonly string[];
  /** The run's graph id (e.g. `agent`). */
  graph_id?: string | readonly string[];
  /** Each key must be present in the run's metadata with an equal (JSON) value. */
  metadata?: Readonly<Record<string, unknown>>;
  /**
   * Also handle callbacks that could not be confirmed as LangGraph's own (`verification.state:
   * "unverified"`: a static-token callback of a run LangGraph no longer holds, or LangGraph out of
   * reach). Off by default: an unconfirmed callback is recorded and routed nowhere.
   */
  acceptUnverified?: boolean;
  /**
   * Routes for run.paused: what the Slack message's Approve / Reject buttons (and the inspector's) resume
   * a plain `interrupt()` with. @default approve → `{"approved": true, "by": <who>}`, reject → `{"approved": false, "by": <who>}`
   */
  decisions?: PauseOptions["decisions"];
  /** Routes for run.paused: after `after` with no answer, `remind` (run this route's actions again) or decide. Driven by /api/sweep. */
  unanswered?: PauseOptions["unanswered"];
  /**
   * Retry options for this route's actions, under the action's own (which win): e.g. `{ schedule:
   * "1m,10m,1h" }` instead of RETRY_SCHEDULE. An action in several routes takes the first route's.
   */
  retry?: RetryOptions;
}

/** A route for one event pattern: its actions see that event's type (`event.error` on run.error). */
export type RouteOn<P extends EventPattern> = RouteFilter & {
  on: P;
  actions: readonly Action<EventFor<P>>[];
};

/** A route for several events: its actions see any event (narrow on `event.type`). */
export type RouteOnMany = RouteFilter & {
  on: readonly EventPattern[];
  actions: readonly Action[];
};

export type Route = { [P in EventPattern]: RouteOn<P> }[EventPattern] | RouteOnMany;

export interface RouterOptions {
  /** Add the routes that FORWARD_URL and SLACK_WEBHOOK_URL define. @default true */
  envDefaults?: boolean;
}

export interface Router extends DeliveryRouter {
  readonly routes: readonly Route[];
  /** The actions the delivery's current event selects, in route order, each once. */
  actionsFor(delivery: DeliveryRecord, runtime: Runtime): Action[];
  /** The decision values and unanswered-pause option of the run.paused routes handling the delivery (the first that sets each). */
  pauseOptionsFor(delivery: DeliveryRecord, runtime: Runtime): PauseOptions;
  /** Runs the delivery's run.paused actions once more (the unanswered-pause reminder). */
  remind(delivery: DeliveryRecord, runtime: Runtime): Promise<void>;
  /** Runs the given actions of a delivery concurrently, saving the record as they progress. */
  runActions(delivery: DeliveryRecord, runtime: Runtime, selected: readonly SelectedAction[], options: RunActionsOptions): Promise<ActionOutcomes>;
}

function listOf(value: string | readonly string[] | undefined, what: string, label: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== "string" || item === "")) {
    throw new TypeError(`${label}: ${what} must be a non-empty string or a non-empty list of them.`);
  }
  return list;
}

function isAction(value: unknown): value is Action {
  const candidate = value as Partial<Action> | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.attempt === "function" && typeof candidate.name === "string";
}

function compile(route: Route, index: number): CompiledRoute {
  const label = `route #${index + 1}${route.name === undefined ? "" : ` ("${route.name}")`}`;
  if (route.name !== undefined && (typeof route.name !== "string" || route.name.trim() === "")) {
    throw new TypeError(`${label}: name must be a non-empty string.`);
  }
  const on: readonly unknown[] = typeof route.on === "string" ? [route.on] : Array.isArray(route.on) ? route.on : [];
  if (on.length === 0) throw new TypeError(`${label}: on must be an event name, "*", or a non-empty list of them.`);
  for (const pattern of on) {
    if (!isEventPattern(pattern)) {
      throw new TypeError(`${label}: unknown event ${JSON.stringify(pattern)}; use one of ${EVENT_NAMES.join(", ")} or "*".`);
    }
  }
  if (!Array.isArray(route.actions) || route.actions.length === 0 || !route.actions.every(isAction)) {
    throw new TypeError(`${label}: actions must be a non-empty list of actions (forward(), slack(), chain(), custom()).`);
  }
  for (const action of route.actions) {
    if (action.name.startsWith(ENV_ACTION_PREFIX)) {
      throw new TypeError(`${label}: action names starting with "${ENV_ACTION_PREFIX}" are reserved for the environment's defaults.`);
    }
  }
  if (route.metadata !== undefined && (typeof route.metadata !== "object" || route.metadata === null || Array.isArray(route.metadata))) {
    throw new TypeError(`${label}: metadata must be an object.`);
  }
  return {
    label,
    name: route.name,
    patterns: new Set(on as EventPattern[]),
    assistantIds: listOf(route.assistant_id, "assistant_id", label),
    graphIds: listOf(route.graph_id, "graph_id", label),
    metadata: route.metadata,
    acceptUnverified: route.acceptUnverified === true,
    pause: validatePauseOptions(
      {
        ...(route.decisions === undefined ? {} : { decisions: route.decisions }),
        ...(route.unanswered === undefined ? {} : { unanswered: route.unanswered }),
      },
      label,
    ),
    // The route's actions are typed for its own events; it only ever hands them those.
    actions: withRouteRetry(route.actions as readonly Action[], route.retry, label),
  };
}

/** The action a route's copy was made from (routes with `retry` hand out copies). */
const originals = new WeakMap<Action, Action>();
const originalOf = (action: Action): Action => originals.get(action) ?? action;

/** The route's actions with the route's retry options under their own. */
function withRouteRetry(actions: readonly Action[], retry: RetryOptions | undefined, label: string): readonly Action[] {
  if (retry === undefined) return actions;
  const checked = validateRetryOptions({ ...retry }, label);
  const shaping = ["schedule", "retries", "minDelayMs", "maxDelayMs", "factor"] as const;
  return actions.map((action) => {
    // An action that says how it retries (a chain's `retries: 0`, its own schedule) keeps it whole.
    const own = shaping.some((key) => action.retry[key] !== undefined);
    const base: RetryOptions = { ...checked };
    if (own) for (const key of shaping) delete base[key];
    const copy: Action = Object.freeze({ ...action, retry: Object.freeze({ ...base, ...action.retry }) });
    originals.set(copy, action);
    return copy;
  });
}

/** Two different actions with one name would share a record and a replay key: refuse at load. */
function assertUniqueNames(routes: readonly CompiledRoute[]): void {
  const seen = new Map<string, { action: Action; label: string }>();
  for (const route of routes) {
    for (const action of route.actions) {
      const previous = seen.get(action.name);
      if (previous !== undefined && originalOf(previous.action) !== originalOf(action)) {
        throw new TypeError(
          `Two different actions are named "${action.name}" (${previous.label} and ${route.label}): give each a unique name, or reuse one action object in both routes.`,
        );
      }
      seen.set(action.name, { action, label: route.label });
    }
  }
}

/**
 * Builds the router from the routes file's list. Checks the list when the file loads (unknown
 * events, duplicate action names, malformed filters) and throws a TypeError naming the route.
 */
export function defineRoutes(routes: readonly Route[], options: RouterOptions = {}): Router {
  if (!Array.isArray(routes)) throw new TypeError("defineRoutes expects a list of routes.");
  const compiled = routes.map((route, index) => compile(route, index));
  assertUniqueNames(compiled);
  const table = routeTable(compiled, { envDefaults: options.envDefaults !== false });
  return {
    routes,
    plan: table.plan,
    actionsFor: table.actionsFor,
    pauseOptionsFor: table.pauseOptionsFor,
    // The unanswered-pause reminder (lib/hitl/unanswered.ts): the delivery's run.paused actions once more.
    remind: async (delivery, runtime) => {
      const defined = new Map(table.actionsFor(delivery, runtime).map((action) => [action.name, action]));
      const selected = delivery.actions.flatMap((record) => {
        const action = defined.get(record.name);
        return action === undefined ? [] : [{ action, record }];
      });
      await runActions(delivery, runtime, selected, { replay: true });
    },
    runActions,
    dispatch: (delivery, runtime, options) => dispatchDelivery(table, delivery, runtime, options),
  };
}
