// The router: which actions a delivery runs, and running them. Routes come from two places — the
// routes file (routes.ts, built with `defineRoutes`) and the environment (FORWARD_URL forwards every
// event, SLACK_WEBHOOK_URL posts run.error, run.timeout and run.paused) — and apply side by side.
//
// Matching: a route handles a delivery when its `on` names the event (or is "*"), and its
// `assistant_id`, `graph_id` and `metadata` filters (all optional) match. Named routes are opt-in: a
// run started with `route: "x"` is handled by the routes named "x" only, and a named route handles
// nothing else; unnamed routes handle every run started without a route. The environment's routes
// handle every delivery, named or not.
//
// `plan` is pure and synchronous (the receiver calls it before answering LangGraph); `dispatch` runs
// after the answer: it reads the thread state when the run succeeded and some route listens for
// `run.paused`, then runs the actions concurrently, each with its own timeout, retries and record.
import type { Action, StartRunFunction } from "./action.js";
import { ENV_ACTION_PREFIX, scrub } from "./action.js";
import { forwardAction } from "./actions/forward.js";
import { slackAction } from "./actions/slack.js";
import { realSleep, runAction } from "./runner.js";
import type { Config } from "../config/env.js";
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import type { EventFor, EventName, EventPattern, RunEvent } from "../model/events.js";
import { EVENT_NAMES, eventOf, isEventPattern, PAUSED_EVENT } from "../model/events.js";
import { describeError } from "../shared/log.js";
import type { ThreadStateLoader } from "../langgraph/thread-state.js";
import { loadThreadState, PAUSE_CHECK_TIMEOUT_MS, pauseOf } from "../langgraph/thread-state.js";
import { BUDGET_MARGIN_MS, DISPATCH_BUDGET_MS } from "./retry-policy.js";
import type { DeliveryRouter, DispatchOptions } from "./delivery-router.js";
import type { Runtime } from "../runtime/runtime.js";

export { chain, CHAIN_DEPTH_METADATA_KEY, DEFAULT_CHAIN_MAX_DEPTH } from "./actions/chain.js";
export type { ChainOptions } from "./actions/chain.js";
export { custom } from "./actions/custom.js";
export type { CustomHandler } from "./actions/custom.js";
export { forward } from "./actions/forward.js";
export type { ForwardOptions } from "./actions/forward.js";
export { slack } from "./actions/slack.js";
export type { SlackOptions } from "./actions/slack.js";
export { ActionError, FinalError } from "./action.js";
export type { Action, ActionContext } from "./action.js";
export { EVENT_NAMES } from "../model/events.js";
export type * from "../model/events.js";
export type { RetryOptions } from "./retry-policy.js";

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

/** The events the SLACK_WEBHOOK_URL default posts. run.interrupted is a cancellation someone asked for. */
export const SLACK_DEFAULT_EVENTS = ["run.error", "run.timeout", "run.paused"] as const satisfies readonly EventName[];

export interface RouterOptions {
  /** Add the routes that FORWARD_URL and SLACK_WEBHOOK_URL define. @default true */
  envDefaults?: boolean;
  /** Time for one delivery's routing, checks and retries included. @default DISPATCH_BUDGET_MS */
  budgetMs?: number;
  /** Seams for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  loadThreadState?: ThreadStateLoader;
  startRun?: StartRunFunction;
}

/** An action chosen for a delivery, with its record on that delivery. */
export interface SelectedAction {
  action: Action;
  record: ActionRecord;
}

export interface RunActionsOptions {
  replay: boolean;
  origin?: string | undefined;
  /** @default now + the router's budget */
  deadline?: number;
}

export interface Router extends DeliveryRouter {
  readonly routes: readonly Route[];
  /** The actions the delivery's current event selects, in route order, each once. */
  actionsFor(delivery: DeliveryRecord, runtime: Runtime): Action[];
  /** Runs the given actions of a delivery concurrently, saving the record as they progress. */
  runActions(delivery: DeliveryRecord, runtime: Runtime, selected: SelectedAction[], options: RunActionsOptions): Promise<void>;
}

interface CompiledRoute {
  label: string;
  name: string | undefined;
  patterns: ReadonlySet<EventPattern>;
  assistantIds: readonly string[] | undefined;
  graphIds: readonly string[] | undefined;
  metadata: Readonly<Record<string, unknown>> | undefined;
  actions: readonly Action[];
}

// ---------------------------------------------------------------------------------------------
// Definition

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

function compile(route: Route, index: number, allowEnvNames: boolean): CompiledRoute {
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
    if (!allowEnvNames && action.name.startsWith(ENV_ACTION_PREFIX)) {
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
    // The route's actions are typed for its own events; it only ever hands them those.
    actions: route.actions as readonly Action[],
  };
}

/** Two different actions with one name would share a record and a replay key: refuse at load. */
function assertUniqueNames(routes: readonly CompiledRoute[]): void {
  const seen = new Map<string, { action: Action; label: string }>();
  for (const route of routes) {
    for (const action of route.actions) {
      const previous = seen.get(action.name);
      if (previous !== undefined && previous.action !== action) {
        throw new TypeError(
          `Two different actions are named "${action.name}" (${previous.label} and ${route.label}): give each a unique name, or reuse one action object in both routes.`,
        );
      }
      seen.set(action.name, { action, label: route.label });
    }
  }
}

/** The routes the environment defines, built once per configuration. */
const envRouteCache = new WeakMap<Config, readonly CompiledRoute[]>();

export function envRoutes(config: Config): readonly CompiledRoute[] {
  let cached = envRouteCache.get(config);
  if (cached !== undefined) return cached;
  const routes: Route[] = [];
  if (config.forwardUrl !== undefined) {
    routes.push({
      on: "*",
      actions: [
        forwardAction(
          { name: `${ENV_ACTION_PREFIX}forward`, url: config.forwardUrl, secret: config.forwardSecret },
          {
            missingUrl: "not_configured: FORWARD_URL is not set; nothing was forwarded.",
            missingSecret:
              "not_configured: FORWARD_URL is set but FORWARD_SECRET is not; nothing was forwarded (deliveries are never sent unsigned). Set FORWARD_SECRET (whsec_…) and replay.",
          },
          true,
        ),
      ],
    });
  }
  if (config.slackWebhookUrl !== undefined) {
    routes.push({
      on: SLACK_DEFAULT_EVENTS,
      actions: [
        slackAction(
          { name: `${ENV_ACTION_PREFIX}slack`, url: config.slackWebhookUrl },
          "not_configured: SLACK_WEBHOOK_URL is not set; nothing was posted.",
          true,
        ),
      ],
    });
  }
  cached = routes.map((route, index) => ({ ...compile(route, index, true), label: `environment route #${index + 1}` }));
  envRouteCache.set(config, cached);
  return cached;
}

// ---------------------------------------------------------------------------------------------
// Matching

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]));
}

/** Every filter of the route except the event. */
function filtersMatch(route: CompiledRoute, delivery: DeliveryRecord): boolean {
  if (route.assistantIds !== undefined) {
    const ids = route.assistantIds;
    if (!ids.includes(delivery.assistant_id) && !(delivery.graph_id !== undefined && ids.includes(delivery.graph_id))) return false;
  }
  if (route.graphIds !== undefined && (delivery.graph_id === undefined || !route.graphIds.includes(delivery.graph_id))) {
    return false;
  }
  if (route.metadata !== undefined) {
    const metadata = delivery.payload.metadata ?? {};
    for (const [key, expected] of Object.entries(route.metadata)) {
      if (!Object.hasOwn(metadata, key) || !jsonEqual(metadata[key], expected)) return false;
    }
  }
  return true;
}

function patternMatches(route: CompiledRoute, event: string): boolean {
  return route.patterns.has("*") || route.patterns.has(event as EventPattern);
}

function pendingRecord(action: Action, now: number): ActionRecord {
  return { name: action.name, type: action.type, state: "pending", attempts: [], updated_at: new Date(now).toISOString() };
}

// ---------------------------------------------------------------------------------------------
// Saving: actions run concurrently and each reports progress; saves of one delivery run one at a
// time and coalesce, so the store always ends with the latest state and never with an older one. A
// save that fails is tried again with backoff, within the delivery's time: a store that blinked
// while actions ran would otherwise keep the record as `pending` although its actions had run.

/** Further tries of a failed save (bounded in count as well as time, whatever the clock). */
const SAVE_RETRIES = 10;
const SAVE_RETRY_MIN_MS = 100;
const SAVE_RETRY_MAX_MS = 2_000;
/** Saves may go on this long past the actions' deadline: the budget's margin keeps room for them. */
const SAVE_GRACE_MS = BUDGET_MARGIN_MS / 2;

class Recorder {
  #running: Promise<void> | undefined;
  #dirty = false;
  #failures = 0;

  constructor(
    private readonly delivery: DeliveryRecord,
    private readonly runtime: Runtime,
    /** No save is retried past this time (runtime.now). */
    private readonly saveUntil: number,
  ) {}

  request(): void {
    this.#dirty = true;
    this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    const { log } = this.runtime;
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await this.runtime.store.save(this.delivery);
        this.#failures = 0;
      } catch (error) {
        this.#failures += 1;
        const delay = Math.min(SAVE_RETRY_MAX_MS, SAVE_RETRY_MIN_MS * 2 ** (this.#failures - 1));
        const fields = { delivery_id: this.delivery.id, tries: this.#failures, error: describeError(error) };
        if (this.#failures > SAVE_RETRIES || this.runtime.now() + delay > this.saveUntil) {
          log.error("could not save delivery progress; the record keeps its last saved state", fields);
          continue; // a newer change may be waiting: it gets one try
        }
        if (this.#failures === 1) log.warn("could not save delivery progress; retrying", fields);
        this.#dirty = true;
        await realSleep(delay);
      }
    }
    this.#running = undefined;
  }

  async flush(): Promise<void> {
    this.request();
    while (this.#running !== undefined) await this.#running;
  }
}

// ---------------------------------------------------------------------------------------------
// The router

const defaultStartRun: StartRunFunction = async (request, context) => {
  // The trigger's core pulls in the LangGraph SDK: loaded only when a chain action runs.
  const { startRun } = await import("../trigger/runs.js");
  return startRun(request, context);
};

/**
 * Builds the router from the routes file's list. Checks the list when the file loads (unknown
 * events, duplicate action names, malformed filters) and throws a TypeError naming the route.
 */
export function defineRoutes(routes: readonly Route[], options: RouterOptions = {}): Router {
  if (!Array.isArray(routes)) throw new TypeError("defineRoutes expects a list of routes.");
  const compiled = routes.map((route, index) => compile(route, index, false));
  assertUniqueNames(compiled);
  const names = new Set(compiled.map((route) => route.name).filter((name) => name !== undefined));
  const budgetMs = options.budgetMs ?? DISPATCH_BUDGET_MS;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const readState = options.loadThreadState ?? loadThreadState;
  const startRun = options.startRun ?? defaultStartRun;

  /** The routes that may handle this delivery at all (name rule), whatever the event. */
  const candidates = (delivery: DeliveryRecord, runtime: Runtime): CompiledRoute[] => {
    const user = compiled.filter((route) => route.name === delivery.route && filtersMatch(route, delivery));
    const env = options.envDefaults === false ? [] : envRoutes(runtime.config).filter((route) => filtersMatch(route, delivery));
    return [...user, ...env];
  };

  const actionsFor = (delivery: DeliveryRecord, runtime: Runtime): Action[] => {
    const chosen: Action[] = [];
    for (const route of candidates(delivery, runtime)) {
      if (!patternMatches(route, delivery.event)) continue;
      for (const action of route.actions) {
        if (!chosen.includes(action) && !chosen.some((other) => other.name === action.name)) chosen.push(action);
      }
    }
    return chosen;
  };

  const plan = (delivery: DeliveryRecord, runtime: Runtime): ActionRecord[] => {
    const planned = actionsFor(delivery, runtime).map((action) => pendingRecord(action, runtime.now()));
    // Nothing to run, and no thread check could change that: the outcome is known before the
    // delivery is recorded, which spares the store a second write after the ack.
    if (planned.length === 0 && !mayPause(delivery, runtime)) delivery.routing = "no_route";
    return planned;
  };

  /** True when the run may have paused on a human and a route would care (a thread check is due). */
  const mayPause = (delivery: DeliveryRecord, runtime: Runtime): boolean =>
    delivery.event === "run.success" && delivery.payload.kwargs?.["temporary"] !== true && listensForPause(delivery, runtime);

  /** True when a route that could handle this run listens for run.paused ("*" included). */
  const listensForPause = (delivery: DeliveryRecord, runtime: Runtime): boolean =>
    candidates(delivery, runtime).some((route) => route.patterns.has(PAUSED_EVENT) || route.patterns.has("*"));

  /** Reads the thread once more if the first read failed, within the check's own bound. */
  const checkPause = async (delivery: DeliveryRecord, runtime: Runtime, deadline: number) => {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 2 && runtime.now() + 100 < deadline; attempt++) {
      try {
        const bound = Math.min(PAUSE_CHECK_TIMEOUT_MS, deadline - runtime.now());
        let timer: NodeJS.Timeout | undefined;
        const state = await Promise.race([
          readState(delivery.thread_id, runtime),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${bound} ms`)), bound);
          }),
        ]).finally(() => clearTimeout(timer));
        return { pause: pauseOf(state) };
      } catch (error) {
        lastError = error;
      }
    }
    return { error: scrub(describeError(lastError ?? new Error("no time left for the check"))) };
  };

  const runActions: Router["runActions"] = async (delivery, runtime, selected, runOptions) => {
    const deadline = runOptions.deadline ?? runtime.now() + budgetMs;
    const recorder = new Recorder(delivery, runtime, deadline + SAVE_GRACE_MS);
    const event = eventOf(delivery);
    try {
      await Promise.all(
        selected.map(({ action, record }) =>
          runAction(action, record, event, {
            runtime,
            delivery_id: delivery.id,
            deadline,
            replay: runOptions.replay,
            origin: runOptions.origin,
            startRun,
            sleep,
            random,
            onProgress: () => recorder.request(),
          }),
        ),
      );
    } finally {
      await recorder.flush();
    }
  };

  const dispatch = async (delivery: DeliveryRecord, runtime: Runtime, dispatchOptions: DispatchOptions = {}): Promise<void> => {
    const began = runtime.now();
    const deadline = began + budgetMs;
    const { log } = runtime;

    if (mayPause(delivery, runtime)) {
      const checked = await checkPause(delivery, runtime, deadline);
      if (checked.error !== undefined) {
        // LangGraph said success; without the thread state we cannot say more. Recorded, not hidden.
        delivery.pause_check_error = checked.error;
        log.warn("could not read the thread state; routing as run.success", { delivery_id: delivery.id, error: checked.error });
      } else if (checked.pause !== undefined) {
        delivery.event = PAUSED_EVENT;
        delivery.pause = checked.pause;
        delivery.actions = plan(delivery, runtime);
      }
    }
    if (delivery.route !== undefined && !names.has(delivery.route)) {
      log.warn("no route has the run's route name", { delivery_id: delivery.id, route: delivery.route });
    }

    // Pair the planned records with their actions; a record planned by another version of the
    // routes file whose action is gone fails rather than disappearing.
    const byName = new Map(actionsFor(delivery, runtime).map((action) => [action.name, action]));
    const selected: SelectedAction[] = [];
    for (const action of byName.values()) {
      let record = delivery.actions.find((candidate) => candidate.name === action.name);
      if (record === undefined) {
        record = pendingRecord(action, runtime.now());
        delivery.actions.push(record);
      }
      selected.push({ action, record });
    }
    for (const record of delivery.actions) {
      if (!byName.has(record.name) && record.state === "pending") {
        record.state = "failed";
        record.last_error = "not run: the action is no longer defined in the routes";
        record.updated_at = new Date(runtime.now()).toISOString();
      }
    }

    if (selected.length === 0) {
      // Recorded as no_route already when the plan knew it (see `plan`); otherwise saved now.
      const recorded = delivery.routing === "no_route";
      delivery.routing = "no_route";
      if (!recorded) await new Recorder(delivery, runtime, deadline + SAVE_GRACE_MS).flush();
      log.info("no route matched", { delivery_id: delivery.id, event: delivery.event });
      return;
    }
    await runActions(delivery, runtime, selected, { replay: false, origin: dispatchOptions.origin, deadline });
    delivery.routing = "done";
    await new Recorder(delivery, runtime, deadline + SAVE_GRACE_MS).flush();
    log.info("routing done", {
      delivery_id: delivery.id,
      event: delivery.event,
      actions: selected.length,
      succeeded: selected.filter(({ record }) => record.state === "succeeded").length,
      failed: selected.filter(({ record }) => record.state === "failed").length,
      ms: runtime.now() - began,
    });
  };

  return {
    routes,
    plan,
    actionsFor,
    runActions,
    async dispatch(delivery, runtime, dispatchOptions) {
      try {
        await dispatch(delivery, runtime, dispatchOptions);
      } catch (error) {
        // dispatch never throws (the receiver has answered already): the failure is logged with its id.
        runtime.log.error("routing failed", { delivery_id: delivery.id, error: describeError(error) });
      }
    },
  };
}
