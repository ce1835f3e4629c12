// Which actions a delivery gets. Routes come from two places — the routes file (compiled by
// define.ts) and the environment (FORWARD_URL forwards every event, SLACK_WEBHOOK_URL posts
// run.error, run.timeout and run.paused) — and apply side by side.
//
// A route handles a delivery when its `on` names the event (or is "*") and its `assistant_id`,
// `graph_id` and `metadata` filters (all optional) match. Named routes are opt-in: a run started with
// `route: "x"` is handled by the routes named "x" only, and a named route handles nothing else;
// unnamed routes handle every run started without a route. The environment's routes handle every
// delivery, named or not. Everything here is pure and synchronous: the receiver plans before it answers.
import type { Config } from "../config/env.js";
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import type { EventName, EventPattern } from "../model/events.js";
import { PAUSED_EVENT } from "../model/events.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Action } from "./action.js";
import { ENV_ACTION_PREFIX } from "./action.js";
import { forwardAction } from "./actions/forward.js";
import { slackAction } from "./actions/slack.js";
import type { PauseOptions } from "../hitl/pause-options.js";

/** A route as matching reads it: filters as lists, the events as a set. */
export interface CompiledRoute {
  label: string;
  name: string | undefined;
  patterns: ReadonlySet<EventPattern>;
  assistantIds: readonly string[] | undefined;
  graphIds: readonly string[] | undefined;
  metadata: Readonly<Record<string, unknown>> | undefined;
  /** Handles unverified callbacks too (never true for the environment's routes). */
  acceptUnverified: boolean;
  /** Decision values and the unanswered-pause option (routes for run.paused); absent for the environment's. */
  pause?: PauseOptions;
  actions: readonly Action[];
}

/** The events the SLACK_WEBHOOK_URL default posts. run.interrupted is a cancellation someone asked for. */
export const SLACK_DEFAULT_EVENTS = ["run.error", "run.timeout", "run.paused"] as const satisfies readonly EventName[];

const envRouteCache = new WeakMap<Config, readonly CompiledRoute[]>();

/** The routes the environment defines, built once per configuration. They filter on nothing but the event. */
export function envRoutes(config: Config): readonly CompiledRoute[] {
  let cached = envRouteCache.get(config);
  if (cached !== undefined) return cached;
  const actions: [readonly EventPattern[], Action][] = [];
  if (config.forwardUrl !== undefined) {
    const forward = forwardAction(
      { name: `${ENV_ACTION_PREFIX}forward`, url: config.forwardUrl, secret: config.forwardSecret },
      {
        missingUrl: "not_configured: FORWARD_URL is not set; nothing was forwarded.",
        missingSecret:
          "not_configured: FORWARD_URL is set but FORWARD_SECRET is not; nothing was forwarded (deliveries are never sent unsigned). Set FORWARD_SECRET (whsec_…) and replay.",
      },
      true,
    );
    actions.push([["*"], forward]);
  }
  if (config.slackWebhookUrl !== undefined) {
    const slack = slackAction(
      { name: `${ENV_ACTION_PREFIX}slack`, url: config.slackWebhookUrl },
      "not_configured: SLACK_WEBHOOK_URL is not set; nothing was posted.",
      true,
    );
    actions.push([SLACK_DEFAULT_EVENTS, slack]);
  }
  cached = actions.map(([patterns, action], index) => ({
    label: `environment route #${index + 1}`,
    name: undefined,
    patterns: new Set(patterns),
    assistantIds: undefined,
    graphIds: undefined,
    metadata: undefined,
    acceptUnverified: false,
    actions: [action],
  }));
  envRouteCache.set(config, cached);
  return cached;
}

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

/** The record of an action chosen for a delivery, before its first attempt. */
export function pendingRecord(action: Action, now: number): ActionRecord {
  return { name: action.name, type: action.type, state: "pending", attempts: [], updated_at: new Date(now).toISOString() };
}

export interface RouteTable {
  /** The actions the delivery's current event selects, in route order, each once. */
  actionsFor(delivery: DeliveryRecord, runtime: Runtime): Action[];
  /** Those actions as `pending` records; marks the delivery `no_route` when nothing can run. */
  plan(delivery: DeliveryRecord, runtime: Runtime): ActionRecord[];
  /** True when the run may have paused on a human and a route would care (a thread check is due). */
  mayPause(delivery: DeliveryRecord, runtime: Runtime): boolean;
  /** True when a route of the routes file has this name. */
  hasName(name: string): boolean;
  /** The pause options of the run.paused routes that handle the delivery: the first that sets each wins. */
  pauseOptionsFor(delivery: DeliveryRecord, runtime: Runtime): PauseOptions;
}

/** Matching over the routes file's compiled routes, plus the environment's unless `envDefaults` is false. */
export function routeTable(routes: readonly CompiledRoute[], options: { envDefaults: boolean }): RouteTable {
  const names = new Set(routes.map((route) => route.name).filter((name) => name !== undefined));

  /** The routes that may handle this delivery at all (name rule, filters), whatever the event. */
  const candidates = (delivery: DeliveryRecord, runtime: Runtime): CompiledRoute[] => {
    // Records of older relays carry no verification: they were routed as received, and replay so.
    const state = delivery.verification?.state ?? "confirmed";
    if (state === "rejected" || state === "pending") return [];
    const unverified = state === "unverified";
    const user = routes.filter(
      (route) => route.name === delivery.route && (!unverified || route.acceptUnverified) && filtersMatch(route, delivery),
    );
    // The environment's routes forward with this deployment's signature: only what was confirmed.
    const env = options.envDefaults && !unverified ? envRoutes(runtime.config).filter((route) => filtersMatch(route, delivery)) : [];
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

  const mayPause = (delivery: DeliveryRecord, runtime: Runtime): boolean =>
    delivery.event === "run.success" &&
    delivery.payload.kwargs?.["temporary"] !== true &&
    // A route that could handle this run listens for run.paused ("*" included).
    candidates(delivery, runtime).some((route) => route.patterns.has(PAUSED_EVENT) || route.patterns.has("*"));

  const pauseOptionsFor = (delivery: DeliveryRecord, runtime: Runtime): PauseOptions => {
    const options: PauseOptions = {};
    for (const route of candidates(delivery, runtime)) {
      if (!patternMatches(route, PAUSED_EVENT)) continue;
      if (options.decisions === undefined && route.pause?.decisions !== undefined) options.decisions = route.pause.decisions;
      if (options.unanswered === undefined && route.pause?.unanswered !== undefined) options.unanswered = route.pause.unanswered;
    }
    return options;
  };

  return {
    actionsFor,
    mayPause,
    pauseOptionsFor,
    hasName: (name) => names.has(name),
    plan(delivery, runtime) {
      const planned = actionsFor(delivery, runtime).map((action) => pendingRecord(action, runtime.now()));
      // Nothing to run, and no thread check could change that: the outcome is known before the
      // delivery is recorded, which spares the store a second write after the ack.
      if (planned.length === 0 && !mayPause(delivery, runtime)) delivery.routing = "no_route";
      return planned;
    },
  };
}
