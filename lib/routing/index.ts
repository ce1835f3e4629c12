// The public API of the routes file (routes.ts imports this module and nothing else): defineRoutes,
// the four actions, the errors that steer retries, and the types a route is written with. The engine
// behind it — matching, dispatch, the runner, the receiver's seam — is not exported here.
export { defineRoutes } from "./define.js";
export type { Route, RouteFilter, RouteOn, RouteOnMany, Router, RouterOptions } from "./define.js";

export { forward } from "./actions/forward.js";
export type { ForwardOptions } from "./actions/forward.js";
export { slack } from "./actions/slack.js";
export type { SlackOptions } from "./actions/slack.js";
export { chain, CHAIN_DEPTH_METADATA_KEY, DEFAULT_CHAIN_MAX_DEPTH } from "./actions/chain.js";
export type { ChainOptions } from "./actions/chain.js";
export { custom } from "./actions/custom.js";
export type { CustomHandler, CustomOptions } from "./actions/custom.js";

export { ActionError, FinalError } from "./errors.js";
export type { ActionErrorOptions } from "./errors.js";
export type { Action, ActionType, AttemptResult } from "./action.js";
export type { ActionContext } from "./context.js";
export type { RetryOptions } from "./retry-policy.js";

export { EVENT_NAMES } from "../model/events.js";
export type * from "../model/events.js";
