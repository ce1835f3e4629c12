// Server-sent events: relays an async source of events as a `text/event-stream` response, each event as
// `event:`/`data:` (and `id:` when it has one). Events are pulled from the source only as the caller
// reads, so nothing is buffered; a comment line keeps a quiet stream alive; the stream ends with a
// last event of the caller's choosing when the source fails or the time limit is reached. If the
// caller leaves, the source is aborted.
import { within } from "../shared/timeout.js";

/**
 * A comment line this often while the source is quiet, so that proxies and clients do not take a
 * long silent step for a dead connection (the LangGraph SDK drops LangGraph's own heartbeats).
 */
export const SSE_KEEPALIVE_MS = 15_000;

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseSource {
  /** An event already received, sent first. */
  first: SseEvent | undefined;
  /** The events after the first. */
  rest: AsyncIterator<SseEvent>;
  /** Stops the source (the caller left, the source failed or time ran out). */
  abort(): void;
}

export interface SseOptions {
  /** Headers added to the response (e.g. ids the body cannot carry before the first event). */
  headers?: Record<string, string>;
  /** How long the response may stream before it ends with `timedOut`. */
  timeoutMs: number;
  /** The last event when `timeoutMs` has run out. */
  timedOut: SseEvent;
  /** The last event when the source fails mid-stream (and the place to log why). */
  brokeOff(error: unknown): SseEvent;
}

const encoder = new TextEncoder();

/** One SSE field value: no line breaks, which would end the field early. */
const field = (value: string): string => value.replace(/[\r\n]+/g, " ");

export function encodeSse(part: SseEvent): Uint8Array {
  const id = part.id === undefined ? "" : `id: ${field(part.id)}\n`;
  return encoder.encode(`${id}event: ${field(part.event)}\ndata: ${JSON.stringify(part.data ?? null)}\n\n`);
}

export function sseResponse(source: SseSource, options: SseOptions): Response {
  let first = source.first;
  let pending: Promise<IteratorResult<SseEvent>> | undefined;
  const deadline = Date.now() + options.timeoutMs;
  const finish = () => {
    source.abort();
    // The aborted read rejects; nobody is waiting for it any more.
    pending?.catch(() => undefined);
    void source.rest.return?.().catch(() => undefined);
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (first !== undefined) {
          controller.enqueue(encodeSse(first));
          first = undefined;
          return;
        }
        pending ??= source.rest.next();
        let result: { value: IteratorResult<SseEvent> } | undefined;
        try {
          result = await within(pending, Math.min(SSE_KEEPALIVE_MS, deadline - Date.now()));
        } catch (error) {
          // The source went away mid-stream: say so, then end cleanly.
          pending = undefined;
          controller.enqueue(encodeSse(options.brokeOff(error)));
          finish();
          controller.close();
          return;
        }
        if (result === undefined) {
          if (Date.now() < deadline) {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            return;
          }
          controller.enqueue(encodeSse(options.timedOut));
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
    // Pull only when the caller reads: nothing is fetched from the source ahead of the caller.
    { highWaterMark: 0 },
  );

  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // Tells nginx-style proxies not to buffer the stream.
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}
