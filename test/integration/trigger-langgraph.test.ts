// /api/trigger end to end against the official LangGraph server (@langchain/langgraph-api, started by
// dev/langgraph-server.ts with the example graphs), through the real handlers over real HTTP: every
// mode, threaded ("new" and an existing thread) and stateless, with the callback of each run arriving
// at this project's own /api/webhook, verified and recorded with the right event.
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor, ROUTE_METADATA_KEY } from "../../lib/model/delivery.js";
import { RelayError } from "../../lib/shared/errors.js";
import { startRun } from "../../lib/trigger/runs.js";
import { trigger } from "../support/kit.js";
import { TEST_TRIGGER_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

/** Start-up takes seconds alone, far longer when several test files start servers at once. */
const START_TIMEOUT_MS = 180_000;
const WEBHOOK_WAIT_MS = 30_000;
const HELLO = { messages: [{ role: "user", content: "Hello!" }] };

type Json = Record<string, unknown>;
type ThreadChoice = "stateless" | "new" | "existing";
const THREADS: ThreadChoice[] = ["stateless", "new", "existing"];

let langgraph: LangGraphServer | undefined;
let api: ApiServer;
let client: Client;

beforeAll(async () => {
  langgraph = await startLangGraphServer();
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url });
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  // LangGraph first: a webhook it cannot deliver kills one of its queue workers.
  await langgraph?.stop();
  await api?.close();
}, START_TIMEOUT_MS);

async function threadFor(choice: ThreadChoice): Promise<string | undefined> {
  if (choice === "stateless") return undefined;
  if (choice === "new") return "new";
  return (await client.threads.create()).thread_id;
}

/** Waits for the delivery of a run's callback with the given status to be recorded by /api/webhook. */
async function delivery(runId: string, status: string): Promise<DeliveryRecord> {
  const id = deliveryIdFor(runId, status);
  const deadline = Date.now() + WEBHOOK_WAIT_MS;
  for (;;) {
    const record = await api.runtime.store.get(id);
    if (record !== undefined) return record;
    if (Date.now() > deadline) throw new Error(`no ${status} callback for run ${runId} within ${WEBHOOK_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
  /** ms since the request was sent. */
  at: number;
}

/** Reads a text/event-stream body event by event, noting when each arrived. */
async function* sseEvents(response: Response, started: number): AsyncGenerator<SseEvent> {
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error("no body");
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      const event = fields.get("event");
      if (event === undefined) continue;
      const id = fields.get("id");
      yield { event, data: JSON.parse(fields.get("data") ?? "null"), at: Date.now() - started, ...(id === undefined ? {} : { id }) };
    }
  }
}

async function readAll(response: Response, started = Date.now()): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(response, started)) events.push(event);
  return events;
}

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Json)[key] : undefined;

function expectThread(choice: ThreadChoice, given: string | undefined, reported: unknown): void {
  if (choice === "existing") expect(reported).toBe(given);
  if (choice === "new") expect(reported).toMatch(/^[0-9a-f-]{36}$/);
}

function expectRecorded(record: DeliveryRecord, event: string, route?: string): void {
  expect(record.event).toBe(event);
  expect(record.auth).toBe("minted");
  if (route !== undefined) expect(record.route).toBe(route);
  // The token the trigger minted never reaches the record.
  expect(JSON.stringify(record)).not.toMatch(/token=|v1\.[A-Za-z0-9_-]{10,}\./);
}

describe("mode create", () => {
  it.each(THREADS)("%s: 202 with the run, and its callback reaches /api/webhook as run.success", async (choice) => {
    const thread = await threadFor(choice);
    const response = await trigger(api, { assistant_id: "agent", input: HELLO, route: "e2e", metadata: { case: choice }, ...(thread === undefined ? {} : { thread_id: thread }) });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Json;
    expect(Object.keys(body).sort()).toEqual(["assistant_id", "run_id", "status", "thread_id"]);
    expectThread(choice, thread, body["thread_id"]);
    const record = await delivery(String(body["run_id"]), "success");
    expectRecorded(record, "run.success", "e2e");
    expect(record.thread_id).toBe(body["thread_id"]);
    expect(record.payload.metadata).toMatchObject({ case: choice, [ROUTE_METADATA_KEY]: "e2e" });
    expect(field(record.payload.values, "output") ?? "echo: Hello!").toBe("echo: Hello!");
  });

  it("a failing graph's callback is recorded as run.error", async () => {
    const response = await trigger(api, { assistant_id: "error_graph", thread_id: "new", input: { input: "create-fails" } });
    expect(response.status).toBe(202);
    const { run_id } = (await response.json()) as { run_id: string };
    const record = await delivery(run_id, "error");
    expectRecorded(record, "run.error");
    expect(JSON.stringify(record.payload.error)).toContain("boom for input=create-fails");
  });

  it("an unknown assistant is LangGraph's 404, passed on", async () => {
    const response = await trigger(api, { assistant_id: "no-such-graph" });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("langgraph_rejected");
    expect(body.error.message).toContain("no-such-graph");
  });

  it("an Idempotency-Key retry returns the same run and starts nothing new", async () => {
    const thread = (await client.threads.create()).thread_id;
    const key = `e2e-${randomUUID()}`;
    const first = await trigger(api, { assistant_id: "agent", thread_id: thread, input: HELLO }, { headers: { "idempotency-key": key } });
    const again = await trigger(api, { assistant_id: "agent", thread_id: thread, input: HELLO }, { headers: { "idempotency-key": key } });
    const firstBody = (await first.json()) as Json;
    expect(await again.json()).toEqual(firstBody);
    await delivery(String(firstBody["run_id"]), "success");
    expect((await client.runs.list(thread)).map((run) => run.run_id)).toEqual([firstBody["run_id"]]);
  });
});

describe("mode wait", () => {
  it.each(THREADS)("%s: 200 with run_id, thread_id and the values; the callback is recorded", async (choice) => {
    const thread = await threadFor(choice);
    const response = await trigger(api, { mode: "wait", assistant_id: "agent", input: HELLO, ...(thread === undefined ? {} : { thread_id: thread }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(Object.keys(body).sort()).toEqual(["run_id", "thread_id", "values"]);
    expect(field(body["values"], "output")).toBe("echo: Hello!");
    expect(body["run_id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-run-id")).toBe(body["run_id"]);
    if (choice === "stateless") expect(body["thread_id"]).toBeNull();
    else expectThread(choice, thread, body["thread_id"]);
    const record = await delivery(String(body["run_id"]), "success");
    expectRecorded(record, "run.success");
    if (choice !== "stateless") expect(record.thread_id).toBe(body["thread_id"]);
  });

  it("a failing run answers 502 run_failed with the run's error, and its callback is run.error", async () => {
    const response = await trigger(api, { mode: "wait", assistant_id: "error_graph", input: { input: "wait-fails" } });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("run_failed");
    expect(body.error.message).toBe("The run failed: Error: boom for input=wait-fails");
    const runId = response.headers.get("x-run-id");
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expectRecorded(await delivery(String(runId), "error"), "run.error");
  });

  it("a run paused on interrupt() answers 200 with LangGraph's __interrupt__ values", async () => {
    const response = await trigger(api, { mode: "wait", assistant_id: "hitl", thread_id: "new", input: { input: "approve me" } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(field(body["values"], "__interrupt__")).toEqual([expect.objectContaining({ value: { question: "Approve?", input: "approve me" } })]);
    await delivery(String(body["run_id"]), "success");
  });
});

describe("mode stream", () => {
  it.each(THREADS)("%s: relays every part as server-sent events and the callback is recorded", async (choice) => {
    const thread = await threadFor(choice);
    const started = Date.now();
    const response = await trigger(api, { mode: "stream", assistant_id: "agent", input: HELLO, stream_mode: ["values", "updates"], ...(thread === undefined ? {} : { thread_id: thread }) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readAll(response, started);
    const [first] = events;
    expect(first?.event).toBe("metadata");
    const runId = field(first?.data, "run_id");
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-run-id")).toBe(runId);
    if (choice === "stateless") expect(response.headers.get("x-thread-id")).toBeNull();
    else expectThread(choice, thread, response.headers.get("x-thread-id"));
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(["metadata", "values", "updates"]));
    expect(field(events.filter((e) => e.event === "values").at(-1)?.data, "output")).toBe("echo: Hello!");
    expectRecorded(await delivery(String(runId), "success"), "run.success");
  });

  it("delivers the first event before the run ends", async () => {
    const delayMs = 1_500;
    const started = Date.now();
    const response = await trigger(api, { mode: "stream", assistant_id: "agent", input: HELLO, config: { configurable: { delay_ms: delayMs } } });
    const events = await readAll(response, started);
    const first = events[0];
    const lastValues = events.filter((e) => e.event === "values").at(-1);
    expect(first).toBeDefined();
    expect(lastValues).toBeDefined();
    // The relay flushes each part as it comes: the first arrived while the graph was still sleeping.
    expect((lastValues?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(delayMs - 300);
    expect(field(lastValues?.data, "output")).toBe("echo: Hello!");
  });

  it("keeps the run going when the caller disconnects mid-stream: the webhook still arrives", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const response = await trigger(
      api,
      { mode: "stream", assistant_id: "agent", thread_id: "new", input: HELLO, config: { configurable: { delay_ms: 2_000 } } },
      { signal: controller.signal },
    );
    const events = sseEvents(response, started);
    const first = await events.next();
    const runId = field(first.value?.data, "run_id");
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    controller.abort();
    await events.return(undefined).catch(() => undefined);
    const record = await delivery(String(runId), "success");
    expectRecorded(record, "run.success");
    expect(field(record.payload.values, "output")).toBe("echo: Hello!");
    // It ran to its end, long after the caller left.
    expect(Date.parse(record.received_at) - started).toBeGreaterThanOrEqual(1_500);
  });

  it("a failing graph streams LangGraph's error event, ends cleanly, and its callback is run.error", async () => {
    const response = await trigger(api, { mode: "stream", assistant_id: "error_graph", input: { input: "stream-fails" } });
    expect(response.status).toBe(200);
    const events = await readAll(response);
    const error = events.find((e) => e.event === "error");
    expect(field(error?.data, "message")).toBe("boom for input=stream-fails");
    const runId = field(events[0]?.data, "run_id");
    expectRecorded(await delivery(String(runId), "error"), "run.error");
  });

  it("an unknown assistant is an HTTP 404, not a stream", async () => {
    const response = await trigger(api, { mode: "stream", assistant_id: "no-such-graph" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("langgraph_rejected");
  });
});

describe("mode cron against the JS server (which has no crons: see crons.test.ts for the platform)", () => {
  // Its /info says `flags.crons: false`: the relay checks the request, then answers 501 naming the
  // alternative, instead of passing on the server's bare refusal.
  it("answers a valid cron 501 not_implemented, and a bad schedule 400", async () => {
    const response = await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1" });
    expect(response.status).toBe(501);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_implemented");
    expect(body.error.message).toMatch(/crons need a LangGraph Platform deployment/);
    const invalid = await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * * monday" });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toMatch(/day of week/);
  });
});

describe("startRun (what the router's chain action calls)", () => {
  it("starts a background run without HTTP, and its callback is recorded with the route", async () => {
    const run = await startRun(
      { assistant_id: "agent", thread_id: "new", input: HELLO, route: "chained", metadata: { parent_run_id: "r0" } },
      { runtime: api.runtime },
    );
    expect(run).toMatchObject({ status: "pending", run_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const record = await delivery(run.run_id, "success");
    expectRecorded(record, "run.success", "chained");
    expect(record.thread_id).toBe(run.thread_id);
    expect(record.payload.metadata).toMatchObject({ parent_run_id: "r0" });
  });

  it("refuses an invalid request with a 400 RelayError before calling LangGraph", async () => {
    const error = await startRun({ assistant_id: "agent", thread_id: "not-a-thread" }, { runtime: api.runtime }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).status).toBe(400);
    expect((error as RelayError).message).toContain("thread_id");
  });
});

describe("the logs of all the above", () => {
  it("hold no webhook token, no trigger token and no unhandled error", () => {
    const text = api.runtime.logs.join("\n");
    expect(text).toContain('"msg":"trigger"');
    expect(text).not.toMatch(/token=|v1\.[A-Za-z0-9_-]{10,}\./);
    expect(text).not.toContain(TEST_TRIGGER_TOKEN);
    expect(text).not.toContain("unhandled error");
  });
});
