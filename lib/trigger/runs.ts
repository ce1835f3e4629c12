// Starting runs, modes `create` and `wait`. `startRun` is `create` without HTTP: what the router's
// chain action calls. Every LangGraph call goes through the official SDK; every failure
// leaves here as a RelayError.
import type { Client } from "@langchain/langgraph-sdk";
import { WAIT_TIMEOUT_MS } from "../config/limits.js";
import { RelayError, withLogFields } from "../shared/errors.js";
import { asRecord } from "../shared/json.js";
import { scrub } from "../shared/scrub.js";
import { present, runPayload } from "./payload.js";
import { bindRun, failed, markEnded, prepare, type TriggerContext } from "./prepare.js";
import { parseTriggerBody, type TriggerRequest } from "./request.js";
import type { RunStartContext, StartedRun, StartRunRequest } from "../runtime/run-starter.js";
import { startRunOnce } from "./start-once.js";

// What the chain action (or any code) passes to start a background run, and what it gets back: typed
// in lib/runtime, whose `startRun` seam this function fills.
export type { StartedRun, StartRunRequest } from "../runtime/run-starter.js";

export interface WaitedRun {
  /** Null only if the deployment did not say (older servers send no Content-Location). */
  run_id: string | null;
  /** Null for a stateless run: its thread was temporary. */
  thread_id: string | null;
  values: unknown;
}

type WaitPayload = NonNullable<Parameters<Client["runs"]["wait"]>[2]>;

/** `x-run-id` / `x-thread-id`, for answers whose body cannot carry them (errors, streams). */
export function idHeaders(runId: string | null | undefined, threadId: string | null | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (runId !== null && runId !== undefined) headers["x-run-id"] = runId;
  if (threadId !== null && threadId !== undefined) headers["x-thread-id"] = threadId;
  return headers;
}

/** The ids a failed request's log line carries (RelayError.logFields), those that are known. */
export function logIds(runId: string | null | undefined, threadId: string | null | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (runId !== null && runId !== undefined) fields["run_id"] = runId;
  if (threadId !== null && threadId !== undefined) fields["thread_id"] = threadId;
  return fields;
}

/**
 * mode `create`: a background run. 202 material. `signal` cancels the SDK call (a chain action's
 * attempt timing out); the run may then exist all the same, so its token is not revoked.
 */
export async function createRun(body: TriggerRequest, context: TriggerContext, signal?: AbortSignal): Promise<StartedRun> {
  const prepared = await prepare(body, context, "run");
  try {
    const run = await prepared.client.runs.create(prepared.threadId, body.assistant_id, {
      ...runPayload(body),
      ...present({ streamMode: body.stream_mode, signal }),
      webhook: prepared.webhook,
    });
    // Before answering: the caller may act on the answer, and the callback may already be here.
    await bindRun(prepared, context, run.run_id, run.thread_id ?? prepared.threadId);
    return {
      run_id: run.run_id,
      thread_id: run.thread_id ?? prepared.threadId,
      assistant_id: run.assistant_id,
      status: run.status,
    };
  } catch (error) {
    throw failed(error, prepared, context, { outcomeUnknown: signal?.aborted === true });
  }
}

/**
 * Starts a background run with this deployment's webhook, without HTTP: the router's follow-up-run
 * action calls this. Validated like a `create` body; throws RelayError. With `dedupe_key`, at most
 * once per key (lib/trigger/start-once.ts); `signal` reaches every SDK call.
 */
export async function startRun(request: StartRunRequest, context: RunStartContext): Promise<StartedRun> {
  const create = ({ dedupe_key: _key, ...body }: StartRunRequest) =>
    createRun(parseTriggerBody({ ...body, mode: "create" }), context, context.signal);
  return request.dedupe_key === undefined ? create(request) : startRunOnce(request, request.dedupe_key, context, create);
}

/**
 * mode `wait`: runs and waits, through the SDK's single `runs.wait` call; its `onRunCreated` callback
 * (from the Content-Location header) gives the run id. A run that fails throws 502 `run_failed`: the
 * relay and LangGraph both did their job, but what the caller asked for — the run's values — does not
 * exist, and 502 (a bad answer from upstream) is the closest honest status; 2xx would let a script
 * treat a failure as a result. The ids travel in `x-run-id`/`x-thread-id` headers either way.
 */
export async function waitRun(body: TriggerRequest, context: TriggerContext, signal?: AbortSignal): Promise<WaitedRun> {
  const prepared = await prepare(body, context, "run");
  let runId: string | null = null;
  const timeout = AbortSignal.timeout(WAIT_TIMEOUT_MS);
  const payload: WaitPayload = {
    ...runPayload(body),
    webhook: prepared.webhook,
    // If we give up waiting (time limit, caller gone), the run finishes anyway and calls back.
    onDisconnect: "continue",
    raiseError: false,
    signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    onRunCreated: (created) => {
      runId = created.run_id;
      // The run may end (and call back) long before `wait` returns: the ledger learns its id now.
      context.runtime.background(bindRun(prepared, context, created.run_id, created.thread_id ?? prepared.threadId));
    },
  };
  try {
    const values: unknown =
      prepared.threadId === null
        ? await prepared.client.runs.wait(null, body.assistant_id, payload)
        : await prepared.client.runs.wait(prepared.threadId, body.assistant_id, payload);
    // The run has ended (successfully or not): bound first, so that the ledger holds both facts.
    if (runId !== null) await bindRun(prepared, context, runId, prepared.threadId);
    await markEnded(prepared, context);
    const ids = idHeaders(runId, prepared.threadId);
    const runError = asRecord(values)?.["__error__"];
    if (runError !== undefined) {
      const described = describeRunError(runError, prepared.secrets);
      const error = new RelayError(502, "run_failed", `The run failed: ${described}${prepared.threadId === null ? statelessHint(described) : ""}`, {
        headers: ids,
      });
      throw withLogFields(error, logIds(runId, prepared.threadId));
    }
    return { run_id: runId, thread_id: prepared.threadId, values };
  } catch (error) {
    // The request's log line names the run wherever its id is known (lib/http/methods.ts).
    if (error instanceof RelayError) throw withLogFields(error, logIds(runId, prepared.threadId));
    if (timeout.aborted) {
      const timedOut = new RelayError(
        504,
        "upstream_timeout",
        `The run did not finish within ${WAIT_TIMEOUT_MS / 1000} s; it goes on and its webhook will fire. Use mode create for long runs.`,
        { headers: idHeaders(runId, prepared.threadId) },
      );
      throw withLogFields(timedOut, logIds(runId, prepared.threadId));
    }
    throw withLogFields(failed(error, prepared, context), logIds(runId, prepared.threadId));
  }
}

/**
 * The message of a run's `__error__` ({error, message}); the JS server nests the same shape as a JSON
 * string inside `message`.
 */
/**
 * What a stateless run's "No checkpointer set" means (LangGraph's own text names no cause): the graph
 * pauses on a human (interrupt()) or keeps state, which needs a thread — the example graph `hitl` of
 * `npm run dev` is one.
 */
function statelessHint(described: string): string {
  return /no checkpointer/i.test(described)
    ? ' This graph needs a thread to keep its state (it pauses with interrupt(), like the example graph hitl): start it with "thread_id": "new".'
    : "";
}

function describeRunError(value: unknown, secrets: readonly string[]): string {
  let record = asRecord(value);
  for (let depth = 0; depth < 3 && record !== undefined; depth++) {
    const message = record["message"];
    if (typeof message === "string" && message.trim().startsWith("{")) {
      try {
        const inner = asRecord(JSON.parse(message));
        if (inner !== undefined) {
          record = inner;
          continue;
        }
      } catch {
        // Not JSON after all: use it as it is.
      }
    }
    break;
  }
  const name = typeof record?.["error"] === "string" ? record["error"] : undefined;
  const message = typeof record?.["message"] === "string" ? record["message"] : undefined;
  const text = [name, message].filter((part) => part !== undefined).join(": ") || "unknown error";
  return scrub(text, secrets);
}
