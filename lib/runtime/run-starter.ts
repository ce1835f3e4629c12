// The shape of "start a LangGraph run that calls this deployment back", as the runtime carries it.
// The implementation is lib/trigger's `startRun`; it lives above lib/runtime in the import rules, so
// the runtime names only its type here and the chain action (lib/routing) loads the real one lazily.
// Tests put their own starter on the runtime (`createRuntime({ startRun })`).
import type { Runtime } from "./runtime.js";

/** What the chain action (or any code) passes to start a background run. */
export interface StartRunRequest {
  assistant_id: string;
  /** Omitted or null: stateless. "new": a new thread. Otherwise that thread's id. */
  thread_id?: string | null;
  input?: unknown;
  metadata?: Record<string, unknown>;
  /** The named route that handles the run's callback. */
  route?: string;
  config?: Record<string, unknown>;
  /** A LangGraph Command, e.g. `{resume: …}` to answer an interrupt (lib/hitl). */
  command?: { resume?: unknown };
  /** What LangGraph does when the thread is busy; `reject` answers 409 instead of queueing. */
  multitask_strategy?: "reject" | "interrupt" | "rollback" | "enqueue";
  /**
   * Start at most once per key (lib/trigger/start-once.ts): the key goes into the run's metadata
   * (`relay_chain_key`), and a run found with it is returned instead of starting another. The chain
   * action passes its delivery and action, so an attempt again after a timeout or a replay finds the
   * run the first attempt started.
   */
  dedupe_key?: string;
}

export interface StartedRun {
  run_id: string;
  /** The run's thread; for a stateless run, the temporary thread LangGraph made for it. */
  thread_id: string | null;
  /** As LangGraph resolved it (a graph name becomes its default assistant's UUID). */
  assistant_id: string;
  status: string;
}

export interface RunStartContext {
  runtime: Runtime;
  /** The attempt's abort signal: reaches the SDK calls, so a timed-out start is cancelled, not abandoned. */
  signal?: AbortSignal | undefined;
}

/** Starts a run with this deployment's webhook; throws RelayError (lib/trigger's `startRun`). */
export type RunStarter = (request: StartRunRequest, context: RunStartContext) => Promise<StartedRun>;
