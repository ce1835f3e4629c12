// mode `stream`: a run whose parts are relayed to the caller as they come (the HTTP side, server-sent
// events, is lib/http/sse.ts). The run outlives the stream: `on_disconnect: continue` keeps it going
// when the caller or the relay leaves, and its webhook still fires.
import { STREAM_TIMEOUT_MS } from "../config/limits.js";
import type { Logger } from "../shared/log.js";
import { describeError } from "../shared/log.js";
import { withLogFields } from "../shared/errors.js";
import { present, runPayload } from "./payload.js";
import { bindRun, failed, markEnded, prepare, type TriggerContext } from "./prepare.js";
import type { TriggerRequest } from "./request.js";

export interface StreamPart {
  id?: string;
  event: string;
  data: unknown;
}

export interface RunStream {
  run_id: string | undefined;
  thread_id: string | undefined;
  /** The first part, already received (so that a refused run is an HTTP error, not a stream). */
  first: StreamPart | undefined;
  /** The parts after the first. */
  rest: AsyncIterator<StreamPart>;
  /** Closes the connection to LangGraph; the run goes on. */
  abort(): void;
}

/**
 * Opens the SDK stream and waits for its first part, so that a refused run (unknown assistant, busy
 * thread, LangGraph down) is an HTTP error rather than a 200 stream that fails.
 */
export async function openRunStream(body: TriggerRequest, context: TriggerContext): Promise<RunStream> {
  const prepared = await prepare(body, context, "run");
  const controller = new AbortController();
  let runId: string | undefined;
  let threadId = prepared.threadId ?? undefined;
  const payload = {
    ...runPayload(body),
    ...present({ streamMode: body.stream_mode }),
    webhook: prepared.webhook,
    onDisconnect: "continue" as const,
    signal: controller.signal,
    onRunCreated: (created: { run_id: string; thread_id?: string }) => {
      runId = created.run_id;
      threadId ??= created.thread_id;
      context.runtime.background(bindRun(prepared, context, created.run_id, threadId ?? null));
    },
  };
  const parts: AsyncIterator<StreamPart> =
    prepared.threadId === null
      ? prepared.client.runs.stream(null, body.assistant_id, payload)
      : prepared.client.runs.stream(prepared.threadId, body.assistant_id, payload);
  try {
    const first = await parts.next();
    // The stream ending in full means the run has: the ledger learns it (see markEnded).
    const rest: AsyncIterator<StreamPart> = {
      next: async () => {
        const part = await parts.next();
        if (part.done === true) await markEnded(prepared, context);
        return part;
      },
      return: async (value?: unknown) => (await parts.return?.(value)) ?? { done: true, value: undefined },
    };
    if (first.done === true) await markEnded(prepared, context);
    return {
      run_id: runId,
      thread_id: threadId,
      first: first.done === true ? undefined : first.value,
      rest,
      abort: () => controller.abort(),
    };
  } catch (error) {
    controller.abort();
    // The request's log line names the run when it was created before the stream failed.
    throw withLogFields(failed(error, prepared, context), { run_id: runId, thread_id: threadId });
  }
}

/**
 * The last part the caller gets when the relay stops before the run does: LangGraph broke off (the
 * SDK has already retried), or the relay's time limit came first. Either way the run may go on.
 */
export function streamEndings(stream: RunStream, log: Logger): { brokeOff(error: unknown): StreamPart; timedOut: StreamPart } {
  return {
    brokeOff(error) {
      log.warn("stream from LangGraph failed", { run_id: stream.run_id, error: describeError(error) });
      return { event: "error", data: { error: "upstream_error", message: "The stream from LangGraph broke off; the run may go on." } };
    },
    timedOut: {
      event: "error",
      data: {
        error: "relay_timeout",
        message: `The relay stops streaming after ${STREAM_TIMEOUT_MS / 1000} s; the run goes on and its webhook will fire.`,
      },
    },
  };
}
