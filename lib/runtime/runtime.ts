// What the handlers need at run time — configuration, the delivery store, a logger, and the seams
// that touch the world (clock, fetch, timers, randomness, LangGraph) — built once per process from
// the environment, or assembled by tests with their own parts. Everything a test replaces is here,
// so that the routes file's options (lib/routing) stay what a user would set.
import { waitUntil } from "@vercel/functions";
import type { Config, Env } from "../config/env.js";
import { loadConfig } from "../config/env.js";
import { loadRunRecord, loadThreadRuns, type RunRecord } from "../langgraph/run-record.js";
import { loadThreadState } from "../langgraph/thread-state.js";
import type { IdempotencyStore } from "../stores/idempotency-store.js";
import { type DecisionStore, MemoryDecisionStore, RedisDecisionStore } from "../stores/decision-store.js";
import { MemoryIdempotencyStore } from "../stores/memory-idempotency-store.js";
import { RedisIdempotencyStore } from "../stores/redis-idempotency-store.js";
import type { Logger } from "../shared/log.js";
import { describeError, jsonLogger } from "../shared/log.js";
import { redisAddress } from "../shared/errors.js";
import { MemoryDeliveryStore } from "../stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../stores/redis-delivery-store.js";
import type { DeliveryStore } from "../stores/delivery-store.js";
import { MemoryRunLedger } from "../stores/memory-run-ledger.js";
import { RedisRunLedger } from "../stores/redis-run-ledger.js";
import { redisNamespace } from "../stores/redis-namespace.js";
import type { RunLedger } from "../stores/run-ledger.js";
import type { RunStarter } from "./run-starter.js";

export type { RunStarter, RunStartContext, StartedRun, StartRunRequest } from "./run-starter.js";

export interface Runtime {
  config: Config;
  store: DeliveryStore;
  /** Every run and cron the relay started, by its webhook token's id (lib/stores/run-ledger.ts). */
  ledger: RunLedger;
  /** Answers to /api/trigger callers by Idempotency-Key (lib/trigger/idempotency.ts). */
  idempotency: IdempotencyStore;
  /** Answers to paused runs, one per delivery (lib/stores/decision-store.ts, lib/hitl). */
  decisions: DecisionStore;
  log: Logger;
  /** The clock, in ms since the epoch: records, tokens, deadlines and Retry-After all read it. */
  now: () => number;
  fetch: typeof fetch;
  /** Waits between retries (actions, progress saves); tests record the delays instead of waiting. */
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter of retry backoffs. */
  random: () => number;
  /**
   * Reads from LangGraph, for the paused check and resuming: with `runId`, the last checkpoint that run
   * wrote (undefined when none, or the thread is gone); without, the thread's current state.
   */
  readThreadState: (threadId: string, runId?: string) => Promise<unknown>;
  /** Reads LangGraph's record of a run (status, webhook), to confirm its callback. */
  readRun: (threadId: string, runId: string) => Promise<RunRecord>;
  /** A thread's newest runs (`GET /threads/{id}/runs`), `missing` when it is gone: reconciliation of a start that never learned its run's id. */
  readThreadRuns: (threadId: string) => Promise<Record<string, unknown>[] | "missing">;
  /**
   * Starts the run a chain action asks for. Unset in production: lib/trigger's `startRun` is
   * loaded when a chain action first runs, so that the receiver never loads the LangGraph SDK.
   */
  startRun?: RunStarter;
  /** Runs work after the response: Vercel's waitUntil keeps the function alive until it settles. */
  background(task: Promise<unknown>): void;
  /** Resolves once every background task started so far has settled (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export interface RuntimeOptions {
  env?: Env;
  config?: Config;
  store?: DeliveryStore;
  ledger?: RunLedger;
  log?: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  readThreadState?: (threadId: string, runId?: string) => Promise<unknown>;
  readRun?: (threadId: string, runId: string) => Promise<RunRecord>;
  readThreadRuns?: (threadId: string) => Promise<Record<string, unknown>[] | "missing">;
  idempotency?: IdempotencyStore;
  decisions?: DecisionStore;
  startRun?: RunStarter;
}

/** Decisions on paused runs beside the deliveries: Redis when REDIS_URL is set (same namespace), else memory. */
export function createDecisionStore(config: Config, log: Logger, now: () => number = Date.now): DecisionStore {
  if (config.redisUrl === undefined) return new MemoryDecisionStore({ now });
  return new RedisDecisionStore({
    url: config.redisUrl,
    prefix: `${redisNamespace(config.vercelEnv)}hitl:`,
    onError: (error) => log.warn("redis connection error (decision store)", { error: describeError(error) }),
  });
}

/** Idempotency keys beside the deliveries: Redis when REDIS_URL is set (same namespace), else memory. */
export function createIdempotencyStore(config: Config, log: Logger, now: () => number = Date.now): IdempotencyStore {
  if (config.redisUrl === undefined) return new MemoryIdempotencyStore({ now });
  return new RedisIdempotencyStore({
    url: config.redisUrl,
    // Production keeps the previous version's `relay:idem:`; a preview's keys never meet production's.
    prefix: `${redisNamespace(config.vercelEnv)}idem:`,
    onError: (error) => log.warn("redis connection error (idempotency store)", { error: describeError(error) }),
  });
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createStore(config: Config, log: Logger, now: () => number = Date.now): DeliveryStore {
  if (config.redisUrl !== undefined) {
    return new RedisDeliveryStore({
      url: config.redisUrl,
      retentionSeconds: config.retentionSeconds,
      prefix: redisNamespace(config.vercelEnv),
      maxPayloadBytes: config.storedPayloadMaxBytes,
      now,
      // The address (never the credentials) and the variable: the line alone says what to fix.
      onError: (error) => log.warn("redis connection error", { error: describeError(error), redis: redisAddress(config.redisUrl ?? ""), variable: "REDIS_URL" }),
    });
  }
  if (config.onVercel) {
    log.warn(
      "REDIS_URL is not set: deliveries are kept in this function instance's memory only — not shared " +
        "with /api/deliveries, not durable, and duplicates reaching two instances are not caught.",
    );
  }
  return new MemoryDeliveryStore({
    maxDeliveries: config.memoryMaxDeliveries,
    maxBytes: config.memoryMaxBytes,
    maxPayloadBytes: config.storedPayloadMaxBytes,
    maxAgeSeconds: config.memoryMaxAgeSeconds,
    now,
  });
}

/** The run ledger: in Redis beside the deliveries (same namespace) when REDIS_URL is set, else in memory. */
export function createLedger(config: Config, log: Logger, now: () => number = Date.now): RunLedger {
  if (config.redisUrl === undefined) return new MemoryRunLedger({ now });
  return new RedisRunLedger({
    url: config.redisUrl,
    prefix: redisNamespace(config.vercelEnv),
    now,
    onError: (error) => log.warn("redis connection error (run ledger)", { error: describeError(error) }),
  });
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const log = options.log ?? jsonLogger();
  const now = options.now ?? Date.now;
  const config = options.config ?? loadConfig(options.env ?? process.env);
  const store = options.store ?? createStore(config, log, now);
  const ledger = options.ledger ?? createLedger(config, log, now);
  if (config.langgraphApiUrl === undefined && config.webhookTokens.length > 0) {
    // A receive-only relay cannot ask LangGraph whether a static-token callback is its own, so it routes
    // them as received (lib/verification/confirm.ts). Said once per runtime, so the operator knows what
    // the static token alone vouches for. The count only: a token never reaches the log.
    log.warn(
      "LANGGRAPH_API_URL is not set: static-token callbacks are routed unconfirmed — anyone holding a " +
        "WEBHOOK_TOKEN can send an event that will be routed. Set LANGGRAPH_API_URL to confirm each " +
        "callback against LangGraph's record of the run.",
      { static_tokens: config.webhookTokens.length },
    );
  }
  const pending = new Set<Promise<unknown>>();
  return {
    config,
    store,
    ledger,
    log,
    now,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    readThreadState: options.readThreadState ?? ((threadId, runId) => loadThreadState(threadId, config, runId)),
    readRun: options.readRun ?? ((threadId, runId) => loadRunRecord(threadId, runId, config)),
    readThreadRuns: options.readThreadRuns ?? ((threadId) => loadThreadRuns(threadId, config)),
    idempotency: options.idempotency ?? createIdempotencyStore(config, log, now),
    decisions: options.decisions ?? createDecisionStore(config, log, now),
    ...(options.startRun === undefined ? {} : { startRun: options.startRun }),
    background(task) {
      const tracked = task.catch((error: unknown) =>
        log.error("background task failed", { error: describeError(error) }),
      );
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
      waitUntil(tracked);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

let processRuntime: Runtime | undefined;

/** The runtime of this process, built from `process.env` on first use (not at import, so that a
 * configuration error becomes a clear 500 rather than a crashed function). */
export function getRuntime(): Runtime {
  processRuntime ??= createRuntime();
  return processRuntime;
}

/** Replaces the process runtime (the dev server and tests), returning the previous one. */
export function setRuntime(runtime: Runtime | undefined): Runtime | undefined {
  const previous = processRuntime;
  processRuntime = runtime;
  return previous;
}
