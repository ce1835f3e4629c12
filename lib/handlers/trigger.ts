// POST /api/trigger: token → Idempotency-Key → body → schema → start → answer. Starting runs is
// lib/trigger/; this file maps each mode to HTTP: 202 for a run, 201 for a cron, 200 with the values
// for `wait`, a server-sent-events stream for `stream`.
import { STREAM_TIMEOUT_MS } from "../config/limits.js";
import { readJson } from "../http/body.js";
import { readIdempotencyKey } from "../http/idempotency-key.js";
import { json } from "../http/response.js";
import { sseResponse } from "../http/sse.js";
import type { Runtime } from "../runtime/runtime.js";
import { requireTriggerToken } from "../security/api-auth.js";
import { createCron } from "../trigger/crons.js";
import { assertKeyApplies, once, type OnceAnswer } from "../trigger/idempotency.js";
import type { TriggerContext } from "../trigger/prepare.js";
import { parseTriggerBody } from "../trigger/request.js";
import { createRun, idHeaders, waitRun } from "../trigger/runs.js";
import { openRunStream, streamEndings } from "../trigger/stream.js";

/** A trigger body is a run's input and config, not a thread state: 1 MiB is plenty. */
export const TRIGGER_MAX_BYTES = 1024 * 1024;

/** The first answer, or the replay of it (so marked). */
const answered = ({ answer, replayed }: OnceAnswer): Response =>
  json(answer.status, answer.body, replayed ? { "idempotent-replayed": "true" } : {});

export async function handleTrigger(request: Request, runtime: Runtime): Promise<Response> {
  const started = performance.now();
  // Authenticate before reading the body, so that strangers cannot make us buffer it.
  const caller = requireTriggerToken(request, runtime.config);
  const key = readIdempotencyKey(request);
  const body = parseTriggerBody(await readJson(request, TRIGGER_MAX_BYTES));
  const context: TriggerContext = { runtime };
  const done = (response: Response, fields: Record<string, unknown> = {}): Response => {
    runtime.log.info("trigger", {
      mode: body.mode,
      status: response.status,
      run_id: response.headers.get("x-run-id") ?? undefined,
      thread_id: response.headers.get("x-thread-id") ?? undefined,
      ...fields,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
    return response;
  };
  assertKeyApplies(key, body.mode);

  switch (body.mode) {
    case "create":
      return done(
        answered(
          await once(runtime, caller.id, key, body, async () => {
            const run = await createRun(body, context);
            return { status: 202, body: run };
          }),
        ),
      );
    case "cron":
      return done(
        answered(await once(runtime, caller.id, key, body, async () => ({ status: 201, body: await createCron(body, context) }))),
      );
    case "wait": {
      // Not tied to request.signal: runtimes differ on when it fires (some on the end of the request
      // body, not on the caller leaving), and a spurious abort would fail a healthy wait. The wait is
      // bounded by WAIT_TIMEOUT_MS either way.
      const result = await waitRun(body, context);
      return done(json(200, result, idHeaders(result.run_id, result.thread_id)));
    }
    case "stream": {
      // If the caller leaves, the connection to LangGraph is closed; the run goes on.
      const stream = await openRunStream(body, context);
      const response = sseResponse(stream, {
        headers: idHeaders(stream.run_id, stream.thread_id),
        timeoutMs: STREAM_TIMEOUT_MS,
        ...streamEndings(stream, runtime.log),
      });
      return done(response, { streaming: true });
    }
  }
}
