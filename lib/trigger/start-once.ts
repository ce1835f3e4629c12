// Starting a run at most once per key, for actions that may already have had their effect: a chain
// action whose start timed out (LangGraph may have created the run after all) and is attempted again,
// or two replays of it at once. LangGraph has no idempotency key for runs, so the key travels in the
// run's metadata (`relay_chain_key`) and is looked for before creating:
//
//   thread "new"     the thread's id is derived from the key (a UUID): every attempt lands on the
//                    same thread, whose runs are listed. Creating it (if_exists raise) is the race:
//                    the attempt that created it starts the run, one that got 409 waits for that run
//   a thread id      that thread's newest runs are listed
//   stateless        threads are searched by the key (a stateless run's temporary thread carries its
//                    metadata while it lives; it is deleted when the run ends, so a finished stateless
//                    run is not found — the durable sweep's leases are the first line there)
//
// A run found with the key is returned instead of starting another (and the ledger entry its earlier
// attempt made learns its id). On a thread, two creates at once meet LangGraph's own guard: the
// second is refused while the first runs (multitask `reject`, HTTP 409/422), and is answered with the
// first once it is found. Measured against @langchain/langgraph-api (test/integration/start-once-langgraph.test.ts).
import type { Client, Run } from "@langchain/langgraph-sdk";
import { langGraphClient } from "../langgraph/client.js";
import { upstreamError } from "../langgraph/upstream-errors.js";
import type { StartedRun, StartRunRequest } from "../runtime/run-starter.js";
import { looksMinted, mintedTokenId } from "../security/webhook-tokens.js";
import { sha256Hex } from "../shared/digest.js";
import { RelayError } from "../shared/errors.js";
import { asRecord } from "../shared/json.js";
import { describeError } from "../shared/log.js";
import type { TriggerContext } from "./prepare.js";

/** Metadata key holding the key of a run started at most once. */
export const RUN_KEY_METADATA_KEY = "relay_chain_key";
/** How many of a thread's newest runs are searched for the key: an attempt again comes soon after the first. */
const RUNS_SEARCHED = 50;
/** How long an attempt that lost the race for a key's thread waits for the winner's run to appear. */
const RACE_WAIT_MS = 3_000;
const RACE_POLL_MS = 200;

/** The thread of a keyed `thread: "new"` start: a UUID (version 5 layout) derived from the key. */
export function threadIdForKey(key: string): string {
  const hex = sha256Hex(`relay-run-key-thread\u0000${key}`);
  const variant = (8 | (Number.parseInt(hex[16] ?? "0", 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 404;
}

/** The run with this key on `threadId` (or, stateless, on a live temporary thread carrying it). */
export async function findKeyedRun(client: Client, key: string, threadId: string | null, signal?: AbortSignal): Promise<Run | undefined> {
  const options = signal === undefined ? {} : { signal };
  try {
    const threads =
      threadId !== null ? [threadId] : (await client.threads.search({ metadata: { [RUN_KEY_METADATA_KEY]: key }, limit: 5, ...options })).map((thread) => thread.thread_id);
    for (const thread of threads) {
      const runs = await client.runs.list(thread, { limit: RUNS_SEARCHED, ...options });
      const found = runs.find((run) => asRecord(run.metadata)?.[RUN_KEY_METADATA_KEY] === key);
      if (found !== undefined) return found;
    }
    return undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw upstreamError(error);
  }
}

/** Looks for the key's run a few times over RACE_WAIT_MS (less if the signal aborts first). */
async function waitForKeyedRun(
  client: Client,
  key: string,
  threadId: string,
  runtime: TriggerContext["runtime"],
  signal: AbortSignal | undefined,
): Promise<Run | undefined> {
  const deadline = runtime.now() + RACE_WAIT_MS;
  for (;;) {
    const found = await findKeyedRun(client, key, threadId, signal);
    if (found !== undefined || runtime.now() + RACE_POLL_MS > deadline || signal?.aborted === true) return found;
    await runtime.sleep(RACE_POLL_MS);
  }
}

/** Tells the ledger which run the earlier attempt's token is for: that attempt never heard LangGraph's answer. */
async function bindEarlierAttempt(run: Run, context: TriggerContext): Promise<void> {
  const webhook = asRecord(asRecord(run)?.["kwargs"])?.["webhook"];
  if (typeof webhook !== "string" || !URL.canParse(webhook)) return;
  const token = new URL(webhook).searchParams.get("token");
  if (token === null || !looksMinted(token)) return;
  try {
    await context.runtime.ledger.bindRun(mintedTokenId(token), run.run_id, run.thread_id);
  } catch (error) {
    context.runtime.log.warn("could not record the run found by its key in the ledger", { run_id: run.run_id, error: describeError(error) });
  }
}

function started(run: Run): StartedRun {
  return { run_id: run.run_id, thread_id: run.thread_id, assistant_id: run.assistant_id, status: run.status };
}

/**
 * Starts `request` unless a run with `key` exists already, which is then returned. `create` starts
 * the run (lib/trigger/runs.ts's path, given the resolved thread and the key in the metadata).
 */
export async function startRunOnce(
  request: StartRunRequest,
  key: string,
  context: TriggerContext & { signal?: AbortSignal | undefined },
  create: (request: StartRunRequest) => Promise<StartedRun>,
): Promise<StartedRun> {
  const { runtime, signal } = context;
  const client = await langGraphClient(runtime.config);
  const thread = request.thread_id === "new" ? threadIdForKey(key) : (request.thread_id ?? null);
  const found = await findKeyedRun(client, key, thread, signal);
  if (found !== undefined) {
    runtime.log.info("a run with this key was started already: not starting it again", { run_id: found.run_id, thread_id: found.thread_id, key });
    await bindEarlierAttempt(found, context);
    return started(found);
  }
  if (request.thread_id === "new" && thread !== null) {
    // Every attempt of this key lands on this thread, and the one that creates it starts the run.
    // An attempt that finds it made waits a little for that run rather than racing it.
    let created = true;
    try {
      await client.threads.create({ threadId: thread, ifExists: "raise", metadata: { [RUN_KEY_METADATA_KEY]: key }, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if ((error as { status?: unknown } | null)?.status !== 409) throw upstreamError(error);
      created = false;
    }
    if (!created) {
      const raced = await waitForKeyedRun(client, key, thread, runtime, signal);
      if (raced !== undefined) {
        runtime.log.info("a run with this key was started at the same time: not starting it again", { run_id: raced.run_id, key });
        return started(raced);
      }
      // None came: the attempt that made the thread stopped before starting the run. LangGraph's
      // busy-thread guard still stands between this start and one more of another attempt.
    }
  }
  const keyed: StartRunRequest = { ...request, thread_id: thread, metadata: { ...request.metadata, [RUN_KEY_METADATA_KEY]: key } };
  try {
    return await create(keyed);
  } catch (error) {
    // The thread is busy: with the run of this key, started by an attempt running at the same time?
    if (thread !== null && error instanceof RelayError && (error.status === 409 || error.status === 422)) {
      const raced = await findKeyedRun(client, key, thread, signal).catch(() => undefined);
      if (raced !== undefined) {
        runtime.log.info("a run with this key was started at the same time: not starting it again", { run_id: raced.run_id, key });
        return started(raced);
      }
    }
    throw error;
  }
}
