// The LangGraph server going away in the middle of a run, through the real /api/trigger over real
// HTTP against the official server (dev/langgraph-server.ts). While it is gone: triggers in flight
// and new ones answer 502 `upstream_error` (a stream already under way ends with an `error` event),
// within a bound, and the process keeps serving — /api/webhook still records callbacks. Once a server
// is back on the same URL, the same process (same cached SDK client) starts runs again and their
// callbacks arrive. Loopback only; every wait bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { fixture, type Json, trigger, type TriggerOptions } from "../support/kit.js";
import { TEST_STATIC_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

/** Start-up takes seconds alone, far longer when several test files start servers at once. */
const START_TIMEOUT_MS = 180_000;
/** The SDK retries a failed call twice with backoff: a 502 must still come well inside this. */
const FAIL_FAST_MS = 20_000;
const WEBHOOK_WAIT_MS = 30_000;
const HELLO = { messages: [{ role: "user", content: "Hello!" }] };
/** Long enough for the kill to land in the middle of the run. */
const SLOW = { configurable: { delay_ms: 5_000 } };

let langgraph: LangGraphServer | undefined;
let api: ApiServer;

beforeAll(async () => {
  langgraph = await startLangGraphServer();
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url });
}, START_TIMEOUT_MS);

afterAll(async () => {
  // LangGraph first: a webhook it cannot deliver kills one of its queue workers.
  await langgraph?.stop();
  await api?.close();
}, START_TIMEOUT_MS);

/** Every trigger is bounded: a hang is a failure, not a stuck test. */
const bounded = (): TriggerOptions => ({ signal: AbortSignal.timeout(60_000) });

/** The answer's status and pinned error code, and how long it took. */
async function timed(request: Promise<Response>): Promise<{ status: number; body: Json; ms: number }> {
  const started = performance.now();
  const response = await request;
  const body = (await response.json()) as Json;
  return { status: response.status, body, ms: performance.now() - started };
}

/** Reads an SSE body to its end (bounded by the request's signal): the event names in order. */
async function sseEvents(response: Response): Promise<{ event: string; data: unknown }[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => /(^|\n)event: /.test(block))
    .map((block) => {
      const event = /(?:^|\n)event: (.*)/.exec(block)?.[1] ?? "";
      const data = /(?:^|\n)data: (.*)/.exec(block)?.[1];
      return { event, data: data === undefined ? undefined : (JSON.parse(data) as unknown) };
    });
}

async function deliveryOf(runId: string): Promise<void> {
  const id = deliveryIdFor(runId, "success");
  const deadline = Date.now() + WEBHOOK_WAIT_MS;
  while ((await api.runtime.store.get(id)) === undefined) {
    if (Date.now() > deadline) throw new Error(`no callback for run ${runId} within ${WEBHOOK_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectUpstreamError(answer: { status: number; body: Json; ms: number }, what: string): void {
  expect(answer.status, what).toBe(502);
  expect(Object.keys(answer.body), what).toEqual(["error"]);
  expect((answer.body["error"] as Json)["code"], what).toBe("upstream_error");
  expect(answer.ms, `${what}: answered within ${FAIL_FAST_MS} ms`).toBeLessThan(FAIL_FAST_MS);
}

describe("LangGraph killed mid-run", () => {
  it("answers 502 while it is gone and keeps serving; once it is back on the same URL, triggers work again", async () => {
    const server = langgraph;
    if (server === undefined) throw new Error("no LangGraph server");
    const port = server.port;

    // Healthy.
    const before = await timed(trigger(api, { mode: "wait", assistant_id: "agent", input: HELLO }, bounded()));
    expect(before.status).toBe(200);

    // Runs in flight: waits that will not see their end, and a stream that has started.
    const waits = Array.from({ length: 3 }, () => timed(trigger(api, { mode: "wait", assistant_id: "agent", input: HELLO, config: SLOW }, bounded())));
    const stream = await trigger(api, { mode: "stream", assistant_id: "agent", input: HELLO, config: SLOW }, bounded());
    expect(stream.status).toBe(200);
    const streamed = sseEvents(stream);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await server.stop();
    langgraph = undefined;

    const inFlight = await Promise.all(waits);
    for (const [i, wait] of inFlight.entries()) expectUpstreamError(wait, `wait #${i + 1} in flight`);
    const events = await streamed;
    expect(events[0]?.event).toBe("metadata");
    expect(events.at(-1)).toMatchObject({ event: "error", data: { error: "upstream_error" } });

    // While it is gone: every mode answers 502, and the process keeps serving its other functions.
    const whileDown: number[] = [];
    for (const mode of ["create", "wait", "stream"] as const) {
      const answer = await timed(trigger(api, { mode, assistant_id: "agent", input: HELLO }, bounded()));
      expectUpstreamError(answer, `${mode} while down`);
      whileDown.push(Math.round(answer.ms));
    }
    const callback = { ...fixture("thread_runs_create"), run_id: `while-down-${Date.now()}` };
    const received = await fetch(`${api.url}/api/webhook?token=${TEST_STATIC_TOKEN}`, {
      method: "POST",
      body: JSON.stringify(callback),
      signal: AbortSignal.timeout(10_000),
    });
    expect(received.status).toBe(200);
    expect(((await received.json()) as Json)["duplicate"]).toBe(false);

    // Back on the same URL: the same process starts runs again, and their callbacks arrive.
    langgraph = await startLangGraphServer({ port });
    const after = await timed(trigger(api, { mode: "wait", assistant_id: "agent", input: HELLO }, bounded()));
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body["values"])).toContain("Hello!");
    const created = await timed(trigger(api, { mode: "create", assistant_id: "agent", thread_id: "new", input: HELLO }, bounded()));
    expect(created.status).toBe(202);
    await deliveryOf(String(created.body["run_id"]));
    const streamAgain = await trigger(api, { mode: "stream", assistant_id: "agent", input: HELLO }, bounded());
    expect(streamAgain.status).toBe(200);
    expect((await sseEvents(streamAgain)).map((e) => e.event)).not.toContain("error");
    console.info(
      `[faults] langgraph killed: in-flight waits 502 after ${inFlight.map((w) => Math.round(w.ms)).join("/")} ms, ` +
        `create/wait/stream while down 502 in ${whileDown.join("/")} ms; the first wait after its return took ${Math.round(after.ms)} ms`,
    );
  }, START_TIMEOUT_MS);
});
