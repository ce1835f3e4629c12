// POST /api/trigger: token → body → schema → (idempotency) → start → answer. The run logic is in
// lib/trigger/trigger.ts; this file adapts it to HTTP: status codes, the Idempotency-Key protocol and the
// server-sent-events relay of `stream` mode.
import { sha256Hex } from "../shared/digest.js";
import { within } from "../shared/timeout.js";
import { requireTriggerToken } from "../security/api-auth.js";
import { badRequest, RelayError } from "../shared/errors.js";
import { json, readJson } from "../http/http.js";
import type { IdempotencyStore, StoredAnswer } from "../stores/idempotency-store.js";
import { MemoryIdempotencyStore } from "../stores/idempotency-store.js";
import type { Logger } from "../shared/log.js";
import { describeError } from "../shared/log.js";
import { RedisIdempotencyStore } from "../stores/redis-idempotency-store.js";
import type { Runtime } from "../runtime/runtime.js";
import type { RunStream, StreamPart, TriggerContext, TriggerRequest } from "../trigger/trigger.js";
import {
  createCron,
  createRun,
  idHeaders,
  openRunStream,
  parseTriggerBody,
  STREAM_TIMEOUT_MS,
  waitRun,
} from "../trigger/trigger.js";

/** A trigger body is a run's input and config, not a thread state: 1 MiB is plenty. */
export const TRIGGER_MAX_BYTES = 1024 * 1024;
/**
 * A comment line this often while a streamed run is quiet, so that proxies and clients do not take a
 * long silent step for a dead connection (the SDK drops LangGraph's own heartbeats).
 */
export const SSE_KEEPALIVE_MS = 15_000;
/** Same bounds as Stripe's: printable ASCII, at most 255 characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

const stores = new WeakMap<Runtime, IdempotencyStore>();

/** The idempotency store of a runtime: Redis when REDIS_URL is set, else memory. One per runtime. */
export function idempotencyStoreFor(runtime: Runtime): IdempotencyStore {
  let store = stores.get(runtime);
  if (store === undefined) {
    const { config, log, now } = runtime;
    store =
      config.redisUrl === undefined
        ? new MemoryIdempotencyStore({ now })
        : new RedisIdempotencyStore({
            url: config.redisUrl,
            onError: (error) => log.warn("redis connection error (idempotency store)", { error: describeError(error) }),
          });
    stores.set(runtime, store);
  }
  return store;
}

/** Replaces the idempotency store of a runtime (tests). */
export function setIdempotencyStore(runtime: Runtime, store: IdempotencyStore): void {
  stores.set(runtime, store);
}


function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers.get("idempotency-key");
  if (raw === null) return undefined;
  const key = raw.trim();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw badRequest("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.");
  }
  return key;
}

export async function handleTrigger(request: Request, runtime: Runtime): Promise<Response> {
  const started = performance.now();
  // Authenticate before reading the body, so that strangers cannot make us buffer it.
  const caller = requireTriggerToken(request, runtime.config);
  const key = idempotencyKeyOf(request);
  const body = parseTriggerBody(await readJson(request, TRIGGER_MAX_BYTES));
  const context: TriggerContext = { runtime, origin: new URL(request.url).origin };
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

  if (key !== undefined && body.mode !== "create" && body.mode !== "cron") {
    // Replaying a wait or a stream is not possible, and ignoring the key would let a retry start a
    // second run while the caller believes it cannot.
    throw badRequest("invalid_request", `Idempotency-Key applies to modes create and cron, not ${body.mode}.`);
  }

  switch (body.mode) {
    case "create":
      return done(
        await once(runtime, caller.id, key, body, async () => {
          const run = await createRun(body, context);
          return { status: 202, body: run };
        }),
      );
    case "cron":
      return done(
        await once(runtime, caller.id, key, body, async () => ({ status: 201, body: await createCron(body, context) })),
      );
    case "wait": {
      // Not tied to request.signal: runtimes differ on when it fires (some on the end of the request
      // body, not on the caller leaving), and a spurious abort would fail a healthy wait. The wait is
      // bounded by WAIT_TIMEOUT_MS either way.
      const result = await waitRun(body, context);
      return done(json(200, result, idHeaders(result.run_id, result.thread_id)));
    }
    case "stream": {
      const stream = await openRunStream(body, context);
      return done(sseResponse(stream, runtime.log), { streaming: true });
    }
  }
}

/**
 * Runs `start` at most once per (caller, Idempotency-Key) within 24 hours: claim, start, store the
 * answer; replay it to a retry; 409 while the first request is still going; release on failure.
 */
async function once(
  runtime: Runtime,
  callerId: string,
  key: string | undefined,
  body: TriggerRequest,
  start: () => Promise<StoredAnswer>,
): Promise<Response> {
  if (key === undefined) {
    const answer = await start();
    return json(answer.status, answer.body);
  }
  const store = idempotencyStoreFor(runtime);
  // The caller is the hash of its token, the key is hashed too: neither is stored as given.
  const storeKey = `${callerId.slice(0, 32)}:${sha256Hex(key)}`;
  const fingerprint = sha256Hex(JSON.stringify(body));
  const outcome = await store.claim(storeKey, fingerprint);
  if (outcome.state !== "claimed") {
    if (outcome.fingerprint !== "" && outcome.fingerprint !== fingerprint) {
      throw badRequest(
        "invalid_request",
        "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
      );
    }
    if (outcome.state === "in_progress") {
      throw new RelayError(409, "conflict", "A request with this Idempotency-Key is in progress; retry once it has finished.");
    }
    return json(outcome.answer.status, outcome.answer.body, { "idempotent-replayed": "true" });
  }
  let answer: StoredAnswer;
  try {
    answer = await start();
  } catch (error) {
    await store.release(storeKey).catch((releaseError: unknown) =>
      runtime.log.error("could not release an idempotency key", { error: describeError(releaseError) }),
    );
    throw error;
  }
  try {
    await store.complete(storeKey, fingerprint, answer);
  } catch (error) {
    // The run has started: answer it. A retry within the claim's lease gets 409, not a second run.
    runtime.log.error("could not store the answer of an idempotency key", { error: describeError(error) });
  }
  return json(answer.status, answer.body);
}

// ---------------------------------------------------------------------------------------------
// Server-sent events: each upstream part as `event:`/`data:` (and `id:` when LangGraph gave one),
// pulled from the SDK's iterator only as the caller reads, so nothing is buffered. If the caller
// leaves, the upstream connection is closed; the run goes on (`on_disconnect: continue`).

const encoder = new TextEncoder();

/** One SSE field value: no line breaks, which would end the field early. */
const field = (value: string): string => value.replace(/[\r\n]+/g, " ");

export function encodeSse(part: StreamPart): Uint8Array {
  const id = part.id === undefined ? "" : `id: ${field(part.id)}\n`;
  return encoder.encode(`${id}event: ${field(part.event)}\ndata: ${JSON.stringify(part.data ?? null)}\n\n`);
}

function sseResponse(stream: RunStream, log: Logger): Response {
  let first = stream.first;
  let pending: Promise<IteratorResult<StreamPart>> | undefined;
  const deadline = Date.now() + STREAM_TIMEOUT_MS;
  const finish = () => {
    stream.abort();
    // The aborted read rejects; nobody is waiting for it any more.
    pending?.catch(() => undefined);
    void stream.rest.return?.().catch(() => undefined);
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first !== undefined) {
        controller.enqueue(encodeSse(first));
        first = undefined;
        return;
      }
      pending ??= stream.rest.next();
      let result: { value: IteratorResult<StreamPart> } | undefined;
      try {
        result = await within(pending, Math.min(SSE_KEEPALIVE_MS, deadline - Date.now()));
      } catch (error) {
        // LangGraph went away mid-stream (the SDK has already retried): say so, then end cleanly.
        pending = undefined;
        log.warn("stream from LangGraph failed", { run_id: stream.run_id, error: describeError(error) });
        controller.enqueue(
          encodeSse({ event: "error", data: { error: "upstream_error", message: "The stream from LangGraph broke off; the run may go on." } }),
        );
        finish();
        controller.close();
        return;
      }
      if (result === undefined) {
        if (Date.now() < deadline) {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
          return;
        }
        controller.enqueue(
          encodeSse({
            event: "error",
            data: {
              error: "relay_timeout",
              message: `The relay stops streaming after ${STREAM_TIMEOUT_MS / 1000} s; the run goes on and its webhook will fire.`,
            },
          }),
        );
        finish();
        controller.close();
        return;
      }
      pending = undefined;
      if (result.value.done === true) {
        controller.close();
        return;
      }
      controller.enqueue(encodeSse(result.value.value));
    },
    cancel() {
      finish();
    },
  },
  // Pull only when the caller reads: nothing is fetched from LangGraph ahead of the caller.
  { highWaterMark: 0 },
  );

  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // Tells nginx-style proxies not to buffer the stream.
      "x-accel-buffering": "no",
      ...idHeaders(stream.run_id, stream.thread_id),
    },
  });
}
