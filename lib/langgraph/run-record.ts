// LangGraph's own record of a run, as the relay's confirmation of a callback needs it: the status the
// run ended with and the webhook it was given (lib/verification/confirm.ts) — and the whole run, which
// reconciliation (lib/reconcile) records when the run's callback never came. `missing` when LangGraph
// has no such run — or no longer has its thread, as for a stateless run by the time it calls back.
import type { Config } from "../config/env.js";
import { asRecord } from "../shared/json.js";
import { langGraphClient } from "./client.js";

export type RunRecord =
  | {
      status: string;
      webhook: string | undefined;
      /** The run as LangGraph answered it (ids, metadata, kwargs, times): absent where a test gave none. */
      run?: Record<string, unknown>;
    }
  | "missing";

/** One look is bounded: confirmation runs inside the webhook function's routing budget. */
const LOOKUP = { timeoutMs: 4_000, maxRetries: 1 };

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 404 || status === 422;
}

/** Reads `GET /threads/{thread}/runs/{run}`; throws when LangGraph could not be asked. */
export async function loadRunRecord(threadId: string, runId: string, config: Config): Promise<RunRecord> {
  const client = await langGraphClient(config, LOOKUP);
  try {
    const run = asRecord(await client.runs.get(threadId, runId));
    const webhook = asRecord(run?.["kwargs"])?.["webhook"];
    return {
      status: String(run?.["status"] ?? ""),
      webhook: typeof webhook === "string" ? webhook : undefined,
      ...(run === undefined ? {} : { run }),
    };
  } catch (error) {
    if (isNotFound(error)) return "missing";
    throw error;
  }
}

/** How many of a thread's newest runs are read to find the run a token was given to. */
const THREAD_RUNS = 20;

/**
 * The newest runs of a thread (`GET /threads/{thread}/runs`), as LangGraph answers them, or `missing`
 * when the thread is gone: reconciliation looks there for the run a start never learned the id of.
 */
export async function loadThreadRuns(threadId: string, config: Config): Promise<Record<string, unknown>[] | "missing"> {
  const client = await langGraphClient(config, LOOKUP);
  try {
    const runs: unknown[] = await client.runs.list(threadId, { limit: THREAD_RUNS });
    return runs.map((run) => asRecord(run)).filter((run): run is Record<string, unknown> => run !== undefined);
  } catch (error) {
    if (isNotFound(error)) return "missing";
    throw error;
  }
}
