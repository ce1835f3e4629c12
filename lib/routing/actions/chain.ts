// The chain action: when a run ends, start another LangGraph run through the trigger's core
// (lib/trigger/runs.ts's `startRun`, or the runtime's own `startRun` in tests), so its callback
// comes back to this deployment and can chain again.
// Pipelines of agents are built from routes; loops are stopped by a depth carried in the runs'
// metadata. Every start is keyed: LangGraph has no idempotency
// key, so the chain puts its own in the new run's metadata (`relay_chain_key`, derived from the
// delivery and the action) and the start looks for a run holding it first (lib/trigger/start-once.ts).
// An attempt again after a timeout (the run may have been created after all) or a replay — two at
// once included — then finds the run the first one started instead of starting another. The attempt's
// abort signal reaches the SDK call, so a timed-out start is cancelled, not left running. So a start on
// a thread follows the retry schedule like any action; a stateless one is not retried by default,
// since a stateless run that already ended cannot be found (its thread is deleted with it).
import type { Action, AttemptResult } from "../action.js";
import { defineAction } from "../action.js";
import type { ActionContext } from "../context.js";
import { internalsOf } from "../context.js";
import { FinalError } from "../errors.js";
import type { RunEvent } from "../../model/events.js";
import { hasPublicUrl } from "../../config/public-url.js";
import type { RetryOptions } from "../retry-policy.js";
import type { RunStarter, StartRunRequest } from "../../runtime/runtime.js";
import { sha256Hex } from "../../shared/digest.js";

/** Metadata key holding how many chain steps led to a run (absent: 0, a run nobody chained). */
export const CHAIN_DEPTH_METADATA_KEY = "relay_chain_depth";
/** Metadata key holding the run whose end started this one. */
export const CHAIN_PARENT_METADATA_KEY = "relay_chain_parent_run_id";
/** How many runs a chain may start one after another, unless the action says otherwise. */
export const DEFAULT_CHAIN_MAX_DEPTH = 5;

export interface ChainOptions<E extends RunEvent> {
  /** Unique across the routes file. @default "chain" */
  name?: string;
  /** The assistant (or graph id) to run next. */
  assistant_id: string;
  /** The next run's input, derived from the finished run's event (`event.values`, `event.error`, …). */
  input?: (event: E) => unknown;
  /**
   * Where the next run goes: `"new"` a new thread (its callback then carries values), `"same"` the
   * finished run's thread, `"none"` a stateless run. @default "new"
   */
  thread?: "new" | "same" | "none";
  /** Extra metadata for the next run (the chain's own keys are added). */
  metadata?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** The named route that handles the next run's callback. */
  route?: string;
  /** Runs a chain may start in a row; beyond it the action fails and nothing starts. @default 5 */
  maxDepth?: number;
  /** @default RETRY_SCHEDULE for `thread: "new"` and `"same"`; `{ retries: 0 }` for `"none"` (see above) */
  retry?: RetryOptions;
}

/** The chain depth of a finished run: 0 when absent; an unreadable value counts as too deep. */
export function chainDepthOf(metadata: Readonly<Record<string, unknown>>): number {
  const raw = metadata[CHAIN_DEPTH_METADATA_KEY];
  if (raw === undefined || raw === null) return 0;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : Number.POSITIVE_INFINITY;
}

/**
 * The key of the run a chain action starts for a delivery: the same for every attempt and replay of
 * that action on that delivery, and for nothing else.
 */
export function chainKeyFor(deliveryId: string, actionName: string): string {
  return `chain_${sha256Hex(`${deliveryId}\u0000${actionName}`).slice(0, 32)}`;
}

/** lib/trigger's `startRun`, loaded on first use: it pulls in the LangGraph SDK, which the receiver never needs. */
const startRunLazily: RunStarter = async (request, context) => {
  const { startRun } = await import("../../trigger/runs.js");
  return startRun(request, context);
};

/** Starts another run when the event arrives. */
export function chain<E extends RunEvent = RunEvent>(options: ChainOptions<E>): Action<E> {
  const name = options.name ?? "chain";
  const maxDepth = options.maxDepth ?? DEFAULT_CHAIN_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new TypeError(`chain action "${name}": maxDepth must be a non-negative integer, got ${String(maxDepth)}.`);
  }
  if (typeof options.assistant_id !== "string" || options.assistant_id.trim() === "") {
    throw new TypeError(`chain action "${name}": assistant_id is required.`);
  }
  return defineAction<E>({
    type: "chain",
    name,
    retry: { ...((options.thread ?? "new") === "none" ? { retries: 0 } : {}), ...options.retry },
    attempt: async (event: E, context: ActionContext): Promise<AttemptResult> => {
      const depth = chainDepthOf(event.metadata);
      if (depth + 1 > maxDepth) {
        throw new FinalError(
          `chain depth limit reached: run ${event.run_id} is at ${CHAIN_DEPTH_METADATA_KEY}=${Number.isFinite(depth) ? depth : "invalid"} and the limit is ${maxDepth}; no run was started.`,
        );
      }
      const { runtime } = internalsOf(context);
      // The chained run calls back where every run does: the configured public URL, never an address
      // taken from a request (a callback's Host header is the sender's to choose).
      if (!hasPublicUrl(runtime.config)) {
        throw new FinalError("not_configured: set PUBLIC_URL so that a chained run can call this deployment back; no run was started.");
      }
      const request: StartRunRequest = {
        assistant_id: options.assistant_id,
        dedupe_key: chainKeyFor(context.delivery_id, context.action),
        metadata: {
          ...options.metadata,
          [CHAIN_DEPTH_METADATA_KEY]: depth + 1,
          [CHAIN_PARENT_METADATA_KEY]: event.run_id,
        },
      };
      const thread = options.thread ?? "new";
      if (thread === "new") request.thread_id = "new";
      else if (thread === "same") request.thread_id = event.thread_id;
      if (options.input !== undefined) request.input = await options.input(event);
      if (options.config !== undefined) request.config = options.config;
      if (options.route !== undefined) request.route = options.route;
      const startRun = runtime.startRun ?? startRunLazily;
      const started = await startRun(request, { runtime, signal: context.signal });
      return { result: { run_id: started.run_id, thread_id: started.thread_id, assistant_id: started.assistant_id } };
    },
  });
}
