// POST /api/trigger and /api/crons over real HTTP, against a server posing as LangGraph Platform
// (test/support/fake-langgraph.ts): refusals (auth, every body field, JSON, size, method), the exact
// requests sent for create and cron, error mapping, an outage, and idempotency. Managing crons
// (/api/crons) is crons.test.ts.
// The runs themselves, against the official LangGraph server, are in trigger-langgraph.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as cronsApi from "../../api/crons.js";
import * as triggerApi from "../../api/trigger.js";
import { deliveryIdFor, ROUTE_METADATA_KEY } from "../../lib/model/delivery.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { verifyMintedToken } from "../../lib/security/webhook-tokens.js";
import { TRIGGER_MAX_BYTES } from "../../lib/handlers/trigger.js";
import { FakeLangGraph, type RecordedRequest } from "../support/fake-langgraph.js";
import { installTestRuntime, TEST_SECRET, TEST_TRIGGER_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";
import { expectError } from "../support/errors.js";
import { fixture, trigger } from "../support/kit.js";
import { type IdempotencyStore, IN_PROGRESS_LEASE_SECONDS } from "../../lib/stores/idempotency-store.js";
import { MemoryIdempotencyStore } from "../../lib/stores/memory-idempotency-store.js";

type Json = Record<string, unknown>;
const SECOND_TOKEN = "second-trigger-token-0123456789abcdef";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const langgraph = new FakeLangGraph();
let api: ApiServer;

beforeAll(async () => {
  await langgraph.start();
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url, TRIGGER_TOKEN: `${TEST_TRIGGER_TOKEN},${SECOND_TOKEN}` });
});
afterAll(async () => {
  await api.close();
  await langgraph.stop();
});
beforeEach(() => {
  langgraph.requests.length = 0;
});

function crons(method: string, query = "", token: string | null = TEST_TRIGGER_TOKEN): Promise<Response> {
  return fetch(`${api.url}/api/crons${query}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}


/** The token in the webhook URL a recorded request handed to LangGraph. */
function webhookOf(request: RecordedRequest | undefined): URL {
  const webhook = request?.body?.["webhook"];
  expect(typeof webhook).toBe("string");
  return new URL(String(webhook));
}

function last(methodAndPathPattern: RegExp): RecordedRequest | undefined {
  return langgraph.requests.filter((r) => methodAndPathPattern.test(`${r.method} ${r.path}`)).at(-1);
}

describe("POST /api/trigger refuses, before anything reaches LangGraph", () => {
  it("answers 401 without a token and with a wrong one", async () => {
    await expectError(await trigger(api, { assistant_id: "agent" }, { token: null }), 401, "unauthorized");
    const response = await trigger(api, { assistant_id: "agent" }, { token: "nope" });
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectError(response, 401, "unauthorized");
    expect(langgraph.requests).toHaveLength(0);
  });

  it("answers 400 for a malformed Authorization header", async () => {
    await expectError(
      await trigger(api, { assistant_id: "agent" }, { token: null, headers: { authorization: "Basic Zm9vOmJhcg==" } }),
      400,
      "invalid_request",
    );
  });

  it("answers 405 with the pinned error to other methods", async () => {
    const response = await fetch(`${api.url}/api/trigger`, { method: "GET" });
    expect(response.headers.get("allow")).toBe("POST");
    await expectError(response, 405, "method_not_allowed");
  });

  it("answers 400 invalid_json to a body that is not JSON", async () => {
    await expectError(await trigger(api, undefined, { raw: "{not json" }), 400, "invalid_json");
  });

  it("answers 413 to a body over 1 MiB", async () => {
    const big = JSON.stringify({ assistant_id: "agent", input: { text: "x".repeat(TRIGGER_MAX_BYTES) } });
    await expectError(await trigger(api, undefined, { raw: big }), 413, "payload_too_large");
    expect(langgraph.requests).toHaveLength(0);
  });

  it.each([[[]], ["agent"], [null], [42]])("answers 400 invalid_body to a body that is not an object (%j)", async (body) => {
    await expectError(await trigger(api, body), 400, "invalid_body");
  });

  it("answers 400 naming an unknown mode", async () => {
    await expectError(await trigger(api, { mode: "later", assistant_id: "agent" }), 400, "invalid_body", /mode/);
  });

  it("answers 400 to unknown fields — the caller cannot choose the webhook", async () => {
    await expectError(await trigger(api, { assistant_id: "agent", webhook: "https://elsewhere.test/" }), 400, "invalid_body", /webhook/);
    await expectError(await trigger(api, { assistant_id: "agent", threadId: "new" }), 400, "invalid_body", /threadId/);
  });

  const invalid: [field: string, body: Json][] = [
    ["assistant_id", {}],
    ["assistant_id", { assistant_id: 42 }],
    ["assistant_id", { assistant_id: "  " }],
    ["thread_id", { assistant_id: "agent", thread_id: "thread-1" }],
    ["thread_id", { assistant_id: "agent", thread_id: 7 }],
    ["input", { assistant_id: "agent", input: "Hello!" }],
    ["input", { assistant_id: "agent", input: [1, 2] }],
    ["command", { assistant_id: "agent", command: "resume" }],
    ["command", { assistant_id: "agent", command: { resume: "yes", bogus: 1 } }],
    ["config", { assistant_id: "agent", config: "fast" }],
    ["config", { assistant_id: "agent", config: { recursion_limit: -1 } }],
    ["metadata", { assistant_id: "agent", metadata: ["a"] }],
    ["stream_mode", { mode: "stream", assistant_id: "agent", stream_mode: "everything" }],
    ["stream_mode", { mode: "stream", assistant_id: "agent", stream_mode: [] }],
    ["multitask_strategy", { assistant_id: "agent", thread_id: "new", multitask_strategy: "never" }],
    ["after_seconds", { assistant_id: "agent", after_seconds: -1 }],
    ["after_seconds", { assistant_id: "agent", after_seconds: "10" }],
    ["if_not_exists", { assistant_id: "agent", thread_id: randomUUID(), if_not_exists: "maybe" }],
    ["on_completion", { assistant_id: "agent", on_completion: "complete" }],
    ["schedule", { mode: "cron", assistant_id: "agent", schedule: 5 }],
    ["timezone", { mode: "cron", assistant_id: "agent", schedule: "0 9 * * *", timezone: "Mars/Olympus_Mons" }],
    // Schedules are checked here, not left to LangGraph (the local server has no crons to check them).
    ["schedule", { mode: "cron", assistant_id: "agent", schedule: "every day" }],
    ["schedule", { mode: "cron", assistant_id: "agent", schedule: "61 * * * *" }],
    ["schedule", { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1 2030 x" }],
    ["schedule", { mode: "cron", assistant_id: "agent", schedule: "@fortnightly" }],
    ["end_time", { mode: "cron", assistant_id: "agent", schedule: "0 9 * * *", end_time: "next week" }],
    ["end_time", { assistant_id: "agent", end_time: "2030-01-01T00:00:00Z" }],
    ["route", { assistant_id: "agent", route: "" }],
    ["route", { assistant_id: "agent", route: 3 }],
    // Combinations LangGraph would ignore, or the SDK would not send.
    ["schedule", { mode: "cron", assistant_id: "agent" }],
    ["schedule", { assistant_id: "agent", schedule: "* * * * *" }],
    ["timezone", { mode: "wait", assistant_id: "agent", timezone: "UTC" }],
    ["command", { mode: "cron", assistant_id: "agent", schedule: "* * * * *", command: { resume: 1 } }],
    ["after_seconds", { mode: "cron", assistant_id: "agent", schedule: "* * * * *", after_seconds: 5 }],
    ["stream_mode", { mode: "wait", assistant_id: "agent", stream_mode: "values" }],
    ["on_completion", { assistant_id: "agent", thread_id: "new", on_completion: "keep" }],
    ["multitask_strategy", { assistant_id: "agent", multitask_strategy: "enqueue" }],
    ["if_not_exists", { assistant_id: "agent", thread_id: "new", if_not_exists: "create" }],
  ];
  it.each(invalid)("answers 400 naming %s for %j", async (field, body) => {
    const message = await expectError(await trigger(api, body), 400, "invalid_body");
    expect(message).toContain(field);
    expect(langgraph.requests).toHaveLength(0);
  });

  it("refuses an Idempotency-Key on wait and stream, and a malformed one", async () => {
    await expectError(await trigger(api, { mode: "wait", assistant_id: "agent" }, { headers: { "idempotency-key": "k1" } }), 400, "invalid_request", /create and cron/);
    await expectError(await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": "x".repeat(256) } }), 400, "invalid_request", /Idempotency-Key/);
    expect(langgraph.requests).toHaveLength(0);
  });
});

describe("mode create sends one SDK request with this deployment's webhook", () => {
  it("starts a stateless background run: POST /runs, a run token bound to no thread, the route in metadata", async () => {
    const response = await trigger(api, { assistant_id: "agent", input: { input: "x" }, metadata: { team: "ops" }, route: "billing" });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Json;
    expect(Object.keys(body).sort()).toEqual(["assistant_id", "run_id", "status", "thread_id"]);
    expect(body["status"]).toBe("pending");
    expect(langgraph.count("POST /runs")).toBe(1);
    const sent = last(/^POST \/runs$/);
    expect(sent?.body?.["metadata"]).toEqual({ team: "ops", [ROUTE_METADATA_KEY]: "billing" });
    expect(sent?.body?.["input"]).toEqual({ input: "x" });
    const webhook = webhookOf(sent);
    expect(`${webhook.origin}${webhook.pathname}`).toBe(`${api.url}/api/webhook`);
    const token = webhook.searchParams.get("token") ?? "";
    const scope = verifyMintedToken(token, [TEST_SECRET]);
    expect(scope.kind).toBe("run");
    expect(scope.threadId).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('creates the thread first for thread_id "new" and binds the token to it', async () => {
    const response = await trigger(api, { assistant_id: "agent", thread_id: "new" });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Json;
    expect(langgraph.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /threads", `POST /threads/${String(body["thread_id"])}/runs`]);
    const scope = verifyMintedToken(webhookOf(last(/\/runs$/)).searchParams.get("token") ?? "", [TEST_SECRET]);
    expect(scope.threadId).toBe(body["thread_id"]);
  });

  it("runs on a given thread, lower-casing its id so the token matches what LangGraph reports", async () => {
    const threadId = randomUUID();
    const response = await trigger(api, { assistant_id: "agent", thread_id: threadId.toUpperCase(), multitask_strategy: "enqueue" });
    expect(response.status).toBe(202);
    const sent = last(/\/runs$/);
    expect(sent?.path).toBe(`/threads/${threadId}/runs`);
    expect(sent?.body?.["multitask_strategy"]).toBe("enqueue");
    expect(verifyMintedToken(webhookOf(sent).searchParams.get("token") ?? "", [TEST_SECRET]).threadId).toBe(threadId);
  });

  it("never lets a token outlive the records that deduplicate its run (the memory store keeps 24 h)", async () => {
    await trigger(api, { assistant_id: "agent", after_seconds: 3600 });
    const scope = verifyMintedToken(webhookOf(last(/\/runs$/)).searchParams.get("token") ?? "", [TEST_SECRET]);
    const lives = (scope.expiresAt ?? 0) - Date.now() / 1000;
    expect(lives).toBeGreaterThan(24 * 3600 - 60);
    expect(lives).toBeLessThanOrEqual(24 * 3600);
    expect(last(/\/runs$/)?.body?.["after_seconds"]).toBe(3600);
    const before = langgraph.requests.length;
    await expectError(await trigger(api, { assistant_id: "agent", after_seconds: 86_400 }), 400, "invalid_body", /after its delivery records expire/);
    expect(langgraph.requests.length).toBe(before);
  });

  it("passes a LangGraph 404 on as 404 langgraph_rejected with LangGraph's message", async () => {
    await expectError(await trigger(api, { assistant_id: "missing" }), 404, "langgraph_rejected", /Assistant "missing" not found/);
  });

  it("passes a LangGraph 422 on with its validation details", async () => {
    langgraph.failNext(/^POST \/runs$/, 422, { detail: [{ loc: ["body", "input"], msg: "bad input" }] });
    await expectError(await trigger(api, { assistant_id: "agent" }), 422, "langgraph_rejected", /body\.input: bad input/);
  });

  it("answers 502 upstream_error when LangGraph fails, with its status and message", async () => {
    langgraph.failNext(/^POST \/runs$/, 500, { detail: "database is on fire" });
    await expectError(await trigger(api, { assistant_id: "agent" }), 502, "upstream_error", /HTTP 500.*database is on fire/);
  });

  it("answers 502 (not 401) when LangGraph refuses the relay's API key", async () => {
    langgraph.failNext(/^POST \/runs$/, 403, { detail: "Forbidden" });
    await expectError(await trigger(api, { assistant_id: "agent" }), 502, "upstream_error", /LANGSMITH_API_KEY/);
  });

  it("never echoes the webhook token in an upstream message", async () => {
    langgraph.failNext(/^POST \/runs$/, 422, { detail: "bad webhook" });
    const response = await trigger(api, { assistant_id: "agent" });
    const token = webhookOf(last(/\/runs$/)).searchParams.get("token") ?? "";
    langgraph.failNext(/^POST \/runs$/, 422, { detail: `bad webhook ${api.url}/api/webhook?token=${token}` });
    const second = await expectError(await trigger(api, { assistant_id: "agent" }), 422, "langgraph_rejected");
    expect(second).toContain("/api/webhook?[redacted]");
    expect(second).not.toMatch(/v1\.[A-Za-z0-9_-]+\./);
    await response.body?.cancel();
  });

  it('deletes the thread it created for "new" when the run cannot start', async () => {
    const response = await trigger(api, { assistant_id: "missing", thread_id: "new" });
    expect(response.status).toBe(404);
    await api.runtime.idle();
    const created = langgraph.requests.find((r) => r.path === "/threads");
    expect(created).toBeDefined();
    expect(langgraph.requests.some((r) => r.method === "DELETE" && r.path.startsWith("/threads/"))).toBe(true);
  });
});

describe("LangGraph down", () => {
  it("answers 502 upstream_error, keeps serving, and works again once LangGraph is back", async () => {
    const port = langgraph.port;
    await langgraph.stop();
    try {
      await expectError(await trigger(api, { assistant_id: "agent" }), 502, "upstream_error", /unreachable/);
      await expectError(await crons("GET"), 502, "upstream_error", /unreachable/);
      // The process still answers what needs no LangGraph.
      await expectError(await trigger(api, { assistant_id: 1 }), 400, "invalid_body");
    } finally {
      await langgraph.start(port);
    }
    expect((await trigger(api, { assistant_id: "agent" })).status).toBe(202);
  });
});

describe("Idempotency-Key on create and cron", () => {
  const key = () => `key-${randomUUID()}`;

  it("replays the first answer to a retry and starts one run", async () => {
    const k = key();
    const first = await trigger(api, { assistant_id: "agent", input: { n: 1 } }, { headers: { "idempotency-key": k } });
    const firstBody = await first.json();
    const again = await trigger(api, { assistant_id: "agent", input: { n: 1 } }, { headers: { "idempotency-key": k } });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    expect(langgraph.count("POST /runs")).toBe(1);
  });

  it("starts one run for concurrent identical requests and answers the other 409", async () => {
    const k = key();
    langgraph.runDelayMs = 400;
    try {
      const [a, b] = await Promise.all([
        trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } }),
        trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([202, 409]);
      const conflict = a.status === 409 ? a : b;
      await expectError(conflict, 409, "conflict", /in progress/);
      await (a.status === 202 ? a : b).body?.cancel();
    } finally {
      langgraph.runDelayMs = 0;
    }
    expect(langgraph.count("POST /runs")).toBe(1);
  });

  it("releases the key when the start fails, so that a retry goes through", async () => {
    const k = key();
    langgraph.failNext(/^POST \/runs$/, 503, { detail: "try later" });
    expect((await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } })).status).toBe(502);
    const retry = await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps the key reserved for 24 hours when the answer could not be stored: a late retry starts no second run", async () => {
    const k = key();
    // The claim is made "a lease ago" by the store's clock: the relay then takes the request for dead.
    let clock = Date.now() - IN_PROGRESS_LEASE_SECONDS * 1000 - 1;
    const memory = new MemoryIdempotencyStore({ now: () => clock });
    // A store whose answers cannot be written: the run starts, its answer is lost, the claim stays.
    const brokenAnswers: IdempotencyStore = {
      kind: "memory",
      claim: (storeKey, fingerprint) => memory.claim(storeKey, fingerprint),
      complete: () => Promise.reject(new Error("store down")),
      release: (storeKey) => memory.release(storeKey),
      close: () => memory.close(),
    };
    const previous = api.runtime.idempotency;
    api.runtime.idempotency = brokenAnswers;
    try {
      expect((await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } })).status).toBe(202);
      await expectError(
        await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } }),
        409,
        "conflict",
        /did not record its answer.*reserved for 24 hours/,
      );
      clock += 20 * 3600_000;
      expect((await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } })).status).toBe(409);
      expect(langgraph.count("POST /runs")).toBe(1);
    } finally {
      api.runtime.idempotency = previous;
    }
  });

  it("refuses the same key with a different body", async () => {
    const k = key();
    expect((await trigger(api, { assistant_id: "agent", input: { n: 1 } }, { headers: { "idempotency-key": k } })).status).toBe(202);
    await expectError(await trigger(api, { assistant_id: "agent", input: { n: 2 } }, { headers: { "idempotency-key": k } }), 400, "invalid_request", /different request/);
    expect(langgraph.count("POST /runs")).toBe(1);
  });

  it("keeps callers apart: the same key from another token is another request", async () => {
    const k = key();
    expect((await trigger(api, { assistant_id: "agent" }, { headers: { "idempotency-key": k } })).status).toBe(202);
    const other = await trigger(api, { assistant_id: "agent" }, { token: SECOND_TOKEN, headers: { "idempotency-key": k } });
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(langgraph.count("POST /runs")).toBe(2);
  });

  it("replays a cron's 201", async () => {
    const k = key();
    const body = { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1" };
    const first = await trigger(api, body, { headers: { "idempotency-key": k } });
    expect(first.status).toBe(201);
    const again = await trigger(api, body, { headers: { "idempotency-key": k } });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(langgraph.count("POST /runs/crons")).toBe(1);
  });
});

describe("mode cron", () => {
  it("creates a stateless cron with POST /runs/crons and a cron-scoped token that /api/webhook accepts", async () => {
    const response = await trigger(api, {
      mode: "cron",
      assistant_id: "agent",
      schedule: "0 9 * * 1",
      timezone: "Europe/Paris",
      input: { messages: [{ role: "user", content: "Hello!" }] },
      on_completion: "keep",
      route: "weekly",
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Json;
    expect(body).toEqual({ cron_id: expect.stringMatching(UUID), schedule: "0 9 * * 1", next_run_date: "2030-01-07T09:00:00+00:00" });

    const sent = last(/^POST \/runs\/crons$/);
    expect(sent?.body).toMatchObject({
      assistant_id: "agent",
      schedule: "0 9 * * 1",
      timezone: "Europe/Paris",
      on_run_completed: "keep",
      input: { messages: [{ role: "user", content: "Hello!" }] },
      metadata: { [ROUTE_METADATA_KEY]: "weekly" },
    });
    const webhook = webhookOf(sent);
    const scope = verifyMintedToken(webhook.searchParams.get("token") ?? "", [TEST_SECRET], Date.now() + 10 * 365 * 86_400_000);
    expect(scope).toMatchObject({ kind: "cron" });
    expect(scope.threadId).toBeUndefined();

    // Each run of a stateless cron has its own new thread: the callback of any of them is accepted.
    const callback = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: randomUUID() };
    const hook = await fetch(webhook, { method: "POST", body: JSON.stringify(callback) });
    expect(hook.status).toBe(200);
    const ack = (await hook.json()) as Json;
    expect(ack["delivery_id"]).toBe(deliveryIdFor(String(callback["run_id"]), "success"));
    expect((await api.runtime.store.get(String(ack["delivery_id"])))?.auth).toBe("minted");
  });

  it("creates a thread cron with POST /threads/{id}/runs/crons, bound to that thread", async () => {
    const threadId = randomUUID();
    const response = await trigger(api, { mode: "cron", assistant_id: "agent", thread_id: threadId, schedule: "*/5 * * * *", multitask_strategy: "enqueue" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ thread_id: threadId, schedule: "*/5 * * * *" });
    const sent = last(/\/runs\/crons$/);
    expect(sent?.path).toBe(`/threads/${threadId}/runs/crons`);
    expect(sent?.body?.["multitask_strategy"]).toBe("enqueue");
    const webhook = webhookOf(sent);
    expect(verifyMintedToken(webhook.searchParams.get("token") ?? "", [TEST_SECRET]).threadId).toBe(threadId);

    const own = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: threadId };
    expect((await fetch(webhook, { method: "POST", body: JSON.stringify(own) })).status).toBe(200);
    const other = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: randomUUID() };
    await expectError(await fetch(webhook, { method: "POST", body: JSON.stringify(other) }), 401, "unauthorized", /another thread/);
  });

  it('creates the thread first for thread_id "new"', async () => {
    const response = await trigger(api, { mode: "cron", assistant_id: "agent", thread_id: "new", schedule: "0 0 * * *" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Json;
    expect(body["thread_id"]).toMatch(UUID);
    const sent = langgraph.requests.filter((r) => r.path !== "/info").map((r) => `${r.method} ${r.path}`);
    expect(sent).toEqual(["POST /threads", `POST /threads/${String(body["thread_id"])}/runs/crons`]);
  });

  it("passes LangGraph's refusal of a schedule on as 422", async () => {
    langgraph.failNext(/\/runs\/crons$/, 422, { detail: "Invalid cron schedule" });
    await expectError(await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1" }), 422, "langgraph_rejected", /Invalid cron schedule/);
  });

  it("sends end_time, and refuses a bad schedule before anything reaches LangGraph", async () => {
    const response = await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "@daily", end_time: "2030-06-30T18:00:00+02:00" });
    expect(response.status).toBe(201);
    expect(last(/^POST \/runs\/crons$/)?.body).toMatchObject({ schedule: "@daily", end_time: "2030-06-30T18:00:00+02:00" });
    langgraph.requests.length = 0;
    const message = await expectError(await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 25 * * *" }), 400, "invalid_body");
    expect(message).toMatch(/schedule: is not a cron expression: the hour must be 0-23/);
    expect(langgraph.requests).toHaveLength(0);
  });
});

describe("without configuration", () => {
  // Driven through the exports directly, with a runtime of their own for the duration of the test.
  function withRuntime(env: Record<string, string>, test: () => Promise<void>): () => Promise<void> {
    return async () => {
      installTestRuntime({ LANGGRAPH_API_URL: langgraph.url, PUBLIC_URL: api.url, ...env });
      try {
        await test();
      } finally {
        setRuntime(api.runtime);
      }
    };
  }

  it(
    "refuses while TRIGGER_TOKEN is unset, with a 401 that names nothing (the log says why)",
    withRuntime({ TRIGGER_TOKEN: "" }, async () => {
      const responses = [
        await triggerApi.POST(new Request("https://relay.test/api/trigger", { method: "POST", headers: { authorization: "Bearer undefined" }, body: "{}" })),
        await cronsApi.GET(new Request("https://relay.test/api/crons", { headers: { authorization: "Bearer " } })),
      ];
      for (const response of responses) {
        const message = await expectError(response, 401, "unauthorized");
        expect(message).not.toMatch(/TRIGGER_TOKEN/);
      }
    }),
  );

  it(
    "refuses with 500 naming WEBHOOK_SECRET when no token can be minted, before calling LangGraph",
    withRuntime({ WEBHOOK_SECRET: "" }, async () => {
      const request = new Request("https://relay.test/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` },
        body: JSON.stringify({ assistant_id: "agent", thread_id: "new" }),
      });
      await expectError(await triggerApi.POST(request), 500, "not_configured", /WEBHOOK_SECRET/);
      expect(langgraph.requests).toHaveLength(0);
    }),
  );

  it(
    "never takes the callback address from the request: a forged Host with no PUBLIC_URL starts nothing",
    withRuntime({ PUBLIC_URL: "" }, async () => {
      const request = new Request("https://attacker.example/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, host: "attacker.example", "x-forwarded-host": "attacker.example" },
        body: JSON.stringify({ assistant_id: "agent" }),
      });
      await expectError(await triggerApi.POST(request), 500, "not_configured", /PUBLIC_URL/);
      expect(langgraph.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    }),
  );

  it(
    "hands LangGraph the configured public URL whatever Host the request names",
    withRuntime({ PUBLIC_URL: "https://relay.example.com" }, async () => {
      const request = new Request("https://attacker.example/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, host: "attacker.example" },
        body: JSON.stringify({ assistant_id: "agent" }),
      });
      expect((await triggerApi.POST(request)).status).toBe(202);
      expect(webhookOf(last(/^POST \/runs$/)).origin).toBe("https://relay.example.com");
    }),
  );

  it(
    "refuses with 500 naming LANGGRAPH_API_URL when it is unset",
    withRuntime({ LANGGRAPH_API_URL: "" }, async () => {
      const request = new Request("https://relay.test/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` },
        body: JSON.stringify({ assistant_id: "agent" }),
      });
      await expectError(await triggerApi.POST(request), 500, "not_configured", /LANGGRAPH_API_URL/);
    }),
  );
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
