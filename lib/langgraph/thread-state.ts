// Telling a paused run from a finished one. A graph that stops in `interrupt()` (or at a static
// breakpoint) ends its run with status `success`; only the checkpoint the run wrote says it is waiting
// on a human: `next` names the nodes to resume and `tasks[].interrupts` holds what `interrupt()` was
// given. The check reads the run's own last checkpoint (the thread's history filtered by the run id),
// never the thread's current state: by the time a callback is routed another run may be executing on
// the thread (multitask `enqueue`, a quick next message), and its `next` is not this run's pause.
// Measured against @langchain/langgraph-api 1.5 (see dev/graphs/hitl.ts and
// test/integration/pause-check-langgraph.test.ts).
import type { Config } from "../config/env.js";
import type { PauseRecord, PendingInterrupt } from "../model/delivery.js";
import { asRecord } from "../shared/json.js";
import { langGraphClient } from "./client.js";

/** One read of the thread state; the SDK gets no retries of its own, the router bounds the whole check. */
export const PAUSE_CHECK_TIMEOUT_MS = 5_000;

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 404 || status === 422;
}

/**
 * With `runId`: the last checkpoint that run wrote (`POST /threads/{id}/history` filtered on the
 * checkpoints' `metadata.run_id`, newest first), or undefined when there is none or the thread is gone
 * (a stateless run's or a cron's thread deleted on completion is not an error). Without: the thread's
 * current state (`GET /threads/{id}/state`), undefined when the thread is gone. The runtime wraps it as
 * `readThreadState`, which tests replace to route without a server.
 */
export async function loadThreadState(threadId: string, config: Config, runId?: string): Promise<unknown> {
  const client = await langGraphClient(config, { timeoutMs: PAUSE_CHECK_TIMEOUT_MS, maxRetries: 0 });
  try {
    if (runId === undefined) return await client.threads.getState(threadId);
    const [latest] = await client.threads.getHistory(threadId, { limit: 1, metadata: { run_id: runId } });
    return latest;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function interruptsIn(list: unknown): PendingInterrupt[] {
  if (!Array.isArray(list)) return [];
  const out: PendingInterrupt[] = [];
  for (const item of list) {
    const entry = asRecord(item);
    if (entry === undefined) continue;
    const interrupt: PendingInterrupt = { value: entry["value"] };
    if (typeof entry["id"] === "string") interrupt.id = entry["id"];
    out.push(interrupt);
  }
  return out;
}

/** The pause a thread state shows, or undefined when the thread is not waiting on anyone. */
export function pauseOf(state: unknown): PauseRecord | undefined {
  const thread = asRecord(state);
  if (thread === undefined) return undefined;
  const next = Array.isArray(thread["next"]) ? thread["next"].filter((node): node is string => typeof node === "string") : [];
  const interrupts: PendingInterrupt[] = [];
  if (Array.isArray(thread["tasks"])) {
    for (const task of thread["tasks"]) interrupts.push(...interruptsIn(asRecord(task)?.["interrupts"]));
  }
  // Newer servers also list them at the top level; use those only when the tasks had none.
  if (interrupts.length === 0) interrupts.push(...interruptsIn(thread["interrupts"]));
  return next.length > 0 || interrupts.length > 0 ? { interrupts, next } : undefined;
}
