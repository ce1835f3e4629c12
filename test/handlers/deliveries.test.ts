// /api/deliveries through its real Vercel exports, driven with `new Request(...)`: listing, filters,
// pagination, one delivery in full, and replay of a forward whose receiver failed and was then fixed —
// against the memory store and a real Redis. Deliveries arrive through the real /api/webhook, or are
// claimed directly in the store where the test needs control of their times and action states.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as deliveries from "../../api/deliveries.js";
import * as triggerApi from "../../api/trigger.js";
import * as webhook from "../../api/webhook.js";
import type { DeliverySummary } from "../../lib/inspector/present.js";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "../../lib/inspector/query.js";
import type { ActionState, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { storeUnavailable } from "../../lib/shared/errors.js";
import type { HttpMethod } from "../../lib/http/methods.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import type { RunPayload } from "../../lib/model/run-payload.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { startRedis } from "../support/redis.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";
import { expectError } from "../support/errors.js";
import { fixture } from "../support/kit.js";
import { storesUnderTest } from "../support/stores.js";

type Json = Record<string, unknown>;
interface ListBody {
  deliveries: DeliverySummary[];
  next_cursor: string | null;
}
interface DetailBody {
  delivery: DeliveryRecord & { outcome: string; duration_ms: number | null };
}
interface ReplayBody extends DetailBody {
  replayed: { name: string; type: string; state: ActionState; last_error?: string; attempts: DeliveryRecord["actions"][number]["attempts"] }[];
}

const SECRET = newSecret();
/** The forward action FORWARD_URL defines. */
const FORWARD = "env:forward";

function call(method: HttpMethod, query = "", token: string | null = TEST_TRIGGER_TOKEN): Promise<Response> {
  return deliveries[method](
    new Request(`https://relay.test/api/deliveries${query}`, {
      method,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    }),
  );
}

async function ok<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return body;
}


const list = async (query = "") => ok<ListBody>(await call("GET", query));
const detail = async (id: string) => (await ok<DetailBody>(await call("GET", `?id=${id}`))).delivery;

/** Posts a callback to the real receiver, as LangGraph's JS server does. */
async function deliver(payload: Json): Promise<string> {
  const response = await webhook.POST(
    new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(payload),
    }),
  );
  const ack = (await response.json()) as Json;
  expect(response.status, JSON.stringify(ack)).toBe(200);
  return String(ack["delivery_id"]);
}

const basePayload = (): RunPayload => runPayloadSchema.parse(fixture("thread_runs_create"));

interface Shape {
  status?: string;
  assistant_id?: string;
  graph_id?: string;
  thread_id?: string;
  actions?: ActionState[];
  routing?: DeliveryRecord["routing"];
}

/** A recorded delivery with chosen fields, received recently (Redis prunes index entries older than its retention). */
function record(n: number, shape: Shape = {}, receivedAt = Date.now() - 600_000 + n * 1000): DeliveryRecord {
  const base = basePayload();
  const payload: RunPayload = {
    ...base,
    run_id: `run-${n}`,
    status: shape.status ?? "success",
    ...(shape.assistant_id === undefined ? {} : { assistant_id: shape.assistant_id }),
    ...(shape.thread_id === undefined ? {} : { thread_id: shape.thread_id }),
    metadata: { ...base.metadata, graph_id: shape.graph_id ?? "agent" },
    ...(shape.status === "error" ? { error: `boom ${n}` } : {}),
  };
  const delivery = newDeliveryRecord(redactPayload(payload), { receivedAt: new Date(receivedAt), auth: "static" });
  delivery.routing = shape.routing ?? "done";
  delivery.actions = (shape.actions ?? []).map((state, i) => ({
    name: `action-${i}`,
    type: "custom",
    state,
    attempts: state === "pending" ? [] : [{ number: 1, started_at: delivery.received_at, ended_at: delivery.received_at, duration_ms: 3, ok: state === "succeeded" }],
    updated_at: delivery.received_at,
  }));
  return delivery;
}

async function claimAll(store: DeliveryStore, records: DeliveryRecord[]): Promise<void> {
  for (const item of records) expect(await store.claim(item)).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
}

/** Every page of a query, following next_cursor. */
async function allPages(query: string, limit: number): Promise<{ pages: ListBody[]; ids: string[] }> {
  const pages: ListBody[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const page: ListBody = await list(`?limit=${limit}${query}${suffix}`);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null && pages.length < 50);
  return { pages, ids: pages.flatMap((page) => page.deliveries.map((item) => item.id)) };
}

// ---------------------------------------------------------------------------------------------
// Store-independent: authentication, methods, query validation.

describe("/api/deliveries guards", () => {
  let runtime: TestRuntime;
  beforeEach(() => {
    runtime = installTestRuntime();
  });
  afterEach(async () => {
    await runtime.idle();
    setRuntime(undefined);
  });

  it("answers 401 without a token or with a wrong one, and 400 for a credential that is not Bearer", async () => {
    const missing = await call("GET", "", null);
    await expectError(missing, 401, "unauthorized", /Bearer <token>/);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectError(await call("GET", "", "not-the-token"), 401, "unauthorized", /Invalid bearer token/);
    await expectError(await call("POST", "?id=dlv_000000000000000000000000&replay=1", "nope"), 401, "unauthorized");
    const basic = await deliveries.GET(
      new Request("https://relay.test/api/deliveries", { headers: { authorization: "Basic dXNlcjpwYXNz" } }),
    );
    await expectError(basic, 400, "invalid_request", /Bearer/);
  });

  it("refuses every request while no token is configured (fail closed), naming the variables in the log only", async () => {
    const runtime = installTestRuntime({ TRIGGER_TOKEN: "" });
    const message = await expectError(await call("GET"), 401, "unauthorized");
    expect(message).not.toMatch(/TRIGGER_TOKEN|undefined/);
    await expectError(await call("GET", "", "undefined"), 401, "unauthorized");
    expect(runtime.logs.join("\n")).toMatch(/Neither TRIGGER_TOKEN nor INSPECTOR_TOKEN is set/);
  });

  it("lets a read-only INSPECTOR_TOKEN list and read deliveries, and nothing else", async () => {
    const readOnly = "inspector-read-only-token-0123456789";
    installTestRuntime({ INSPECTOR_TOKEN: readOnly });
    await ok(await call("GET", "", readOnly));
    const replay = await call("POST", "?id=dlv_000000000000000000000000&replay=1", readOnly);
    await expectError(replay, 403, "forbidden", /read-only/);
    const triggerResponse = await triggerApi.POST(
      new Request("https://relay.test/api/trigger", { method: "POST", headers: { authorization: `Bearer ${readOnly}` }, body: "{}" }),
    );
    await expectError(triggerResponse, 403, "forbidden");
    // The full token keeps every right.
    await ok(await call("GET"));
  });

  it("answers HEAD like GET, without a body", async () => {
    const allowed = await call("HEAD");
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toBe("");
    const refused = await call("HEAD", "", null);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe("");
  });

  it.each(["PUT", "PATCH", "DELETE", "OPTIONS"] as const)("answers %s with the pinned 405", async (method) => {
    const response = await call(method);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
    await expectError(response, 405, "method_not_allowed", new RegExp(`${method} is not allowed`));
  });

  it.each([
    ["limit=abc", /limit must be a whole number/],
    ["limit=0", /limit must be a whole number from 1/],
    ["limit=-1", /limit must be a whole number/],
    ["limit=1.5", /limit must be a whole number/],
    [`limit=${MAX_LIST_LIMIT + 1}`, new RegExp(`limit must be at most ${MAX_LIST_LIMIT}`)],
    ["action_state=broken", /action_state must be one of pending, succeeded, failed/],
    ["event=success", /event must be an event name/],
    ["cursor=bm9wZQ", /cursor is not a cursor this endpoint handed out/],
    ["cursor=", /cursor is not a cursor/],
    ["thread_id=", /thread_id must not be empty/],
    ["limit=5&limit=6", /"limit" is given more than once/],
    ["colour=red", /unknown parameter "colour"/],
    ["id=dlv_000000000000000000000000&limit=5", /unknown parameter "limit"/],
  ])("answers 400 for a bad query: %s", async (query, message) => {
    await expectError(await call("GET", `?${query}`), 400, "invalid_request", message);
  });

  it.each([
    ["id=dlv_000000000000000000000000", /replay must be "1"/],
    ["id=dlv_000000000000000000000000&replay=yes", /replay must be "1"/],
    ["id=dlv_000000000000000000000000&replay=1&action=", /action must not be empty/],
    // Without id it is a redrive, which must name action_state=failed; the message says both ways.
    ["replay=1", /action_state must be "failed".*replay one delivery with &id=/],
    ["id=dlv_000000000000000000000000&replay=1&force=1", /unknown parameter "force"/],
  ])("answers 400 for a bad replay query: %s", async (query, message) => {
    await expectError(await call("POST", `?${query}`), 400, "invalid_request", message);
  });

  it("answers 404 for an unknown id and for an id that is not ours, without echoing it", async () => {
    await expectError(await call("GET", "?id=dlv_000000000000000000000000"), 404, "not_found", /No delivery dlv_0{24} \(unknown, or expired\)/);
    const hostile = encodeURIComponent("<script>alert(1)</script>");
    const message = await expectError(await call("GET", `?id=${hostile}`), 404, "not_found", /^No delivery with that id\.$/);
    expect(message).not.toContain("script");
    await expectError(await call("GET", "?id="), 404, "not_found");
    await expectError(await call("POST", "?id=dlv_000000000000000000000000&replay=1"), 404, "not_found");
    await expectError(await call("POST", `?id=${hostile}&replay=1`), 404, "not_found", /^No delivery with that id\.$/);
  });

  it("answers 503 store_unavailable when the store cannot be read", async () => {
    const down: DeliveryStore = {
      kind: "redis",
      claim: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      save: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      get: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      list: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      claimRouting: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      close: () => Promise.resolve(),
      commitPlan: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      commitAction: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      claimDue: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      acquire: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      release: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      extend: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      dueCount: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
    };
    installTestRuntime({}, { store: down });
    await expectError(await call("GET"), 503, "store_unavailable");
    await expectError(await call("GET", "?id=dlv_000000000000000000000000"), 503, "store_unavailable");
    await expectError(await call("POST", "?id=dlv_000000000000000000000000&replay=1"), 503, "store_unavailable");
  });
});

// ---------------------------------------------------------------------------------------------
// The same behaviour on both stores.

const { stores, hasRedis } = storesUnderTest("deliveries-test");

describe.each(stores)("/api/deliveries with the $name", ({ enabled, make }) => {
  let receiver: TestReceiver;
  let runtime: TestRuntime;
  let store: DeliveryStore;

  beforeEach(async (context) => {
    if (!enabled) context.skip();
    receiver = await new TestReceiver(SECRET).listen();
    store = make();
    // A short retry schedule: three retries within the function, the way the default earlier backoff ran.
    runtime = installTestRuntime({ FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: SECRET, RETRY_SCHEDULE: "50ms,100ms,200ms" }, { store });
  });
  afterEach(async () => {
    await runtime?.idle();
    await store?.close();
    setRuntime(undefined);
    await receiver?.close();
  });

  it("answers an empty list when nothing was received", async () => {
    expect(await list()).toEqual({ deliveries: [], next_cursor: null });
  });

  it("lists newest first, each delivery as a summary without its payload", async () => {
    const now = Date.now();
    const older = record(1, { actions: ["succeeded"] }, now - 5000);
    const newer = record(2, { status: "error", actions: ["failed", "succeeded"] }, now - 1000);
    await claimAll(store, [older, newer]);
    const body = await list();
    expect(body.next_cursor).toBeNull();
    expect(body.deliveries.map((item) => item.id)).toEqual([newer.id, older.id]);
    const [first] = body.deliveries;
    expect(first).toEqual({
      id: newer.id,
      event: "run.error",
      status: "error",
      received_at: newer.received_at,
      run_id: "run-2",
      thread_id: newer.thread_id,
      assistant_id: newer.assistant_id,
      graph_id: "agent",
      route: null,
      routing: "done",
      outcome: "failed",
      verification: null,
      token_id: null,
      source: "webhook",
      duplicate_of: null,
      run_started_at: "2026-11-27T19:15:48.693Z",
      run_ended_at: "2026-11-27T19:15:48.852Z",
      duration_ms: 159,
      error: "boom 2",
      actions: [
        { name: "action-0", type: "custom", state: "failed", attempts: 1, next_attempt_at: null, dead_at: null },
        { name: "action-1", type: "custom", state: "succeeded", attempts: 1, next_attempt_at: null, dead_at: null },
      ],
    });
    expect(first).not.toHaveProperty("payload");
    expect(body.deliveries[1]).toMatchObject({ outcome: "succeeded", error: null });
  });

  it("says what each delivery's actions came to: succeeded, failed, pending, no route", async () => {
    const now = Date.now();
    const cases: [Shape, string][] = [
      [{ actions: ["succeeded", "succeeded"] }, "succeeded"],
      [{ actions: ["succeeded", "failed"] }, "failed"],
      [{ actions: ["pending", "failed"] }, "failed"],
      [{ actions: ["pending", "succeeded"] }, "pending"],
      [{ actions: [], routing: "pending" }, "pending"],
      [{ actions: [], routing: "no_route" }, "no_route"],
    ];
    await claimAll(store, cases.map(([shape], n) => record(n, shape, now - 10_000 + n)));
    const body = await list();
    expect(body.deliveries.map((item) => item.outcome).reverse()).toEqual(cases.map(([, outcome]) => outcome));
  });

  it("pages newest first with next_cursor, every delivery exactly once, ties included", async () => {
    const now = Date.now();
    // 25 deliveries; the last four share one received time, so the cursor must break ties by id.
    const records = Array.from({ length: 25 }, (_, n) => record(100 + n, {}, now - 60_000 + Math.min(n, 21) * 1000));
    await claimAll(store, records);
    const { pages, ids } = await allPages("", 10);
    expect(pages.map((page) => page.deliveries.length)).toEqual([10, 10, 5]);
    expect(pages.at(-1)?.next_cursor).toBeNull();
    expect(ids).toHaveLength(25);
    expect(new Set(ids)).toEqual(new Set(records.map((item) => item.id)));
    const times = pages.flatMap((page) => page.deliveries.map((item) => Date.parse(item.received_at)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // An exact fit ends with no cursor rather than an empty page.
    expect((await list("?limit=25")).next_cursor).toBeNull();
  });

  it(`answers ${DEFAULT_LIST_LIMIT} by default and at most ${MAX_LIST_LIMIT} per page`, async () => {
    const now = Date.now();
    await claimAll(store, Array.from({ length: DEFAULT_LIST_LIMIT + 5 }, (_, n) => record(n, {}, now - 120_000 + n * 10)));
    const first = await list();
    expect(first.deliveries).toHaveLength(DEFAULT_LIST_LIMIT);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect((await list(`?cursor=${encodeURIComponent(first.next_cursor ?? "")}`)).deliveries).toHaveLength(5);
    expect((await list(`?limit=${MAX_LIST_LIMIT}`)).deliveries).toHaveLength(DEFAULT_LIST_LIMIT + 5);
  });

  it("filters by event, action state, assistant or graph, thread and run — and pages within the filter", async () => {
    const now = Date.now();
    const threadA = "11111111-1111-4111-8111-111111111111";
    const shapes: Shape[] = [
      { status: "success", actions: ["succeeded"], thread_id: threadA },
      { status: "error", actions: ["failed"], graph_id: "error_graph" },
      { status: "error", actions: ["failed", "succeeded"], graph_id: "error_graph", thread_id: threadA },
      { status: "success", actions: ["pending"], assistant_id: "my-assistant", graph_id: "hitl" },
      { status: "timeout", actions: [] },
      { status: "success", actions: ["succeeded", "failed"], thread_id: threadA },
    ];
    const records = shapes.map((shape, n) => record(n, shape, now - 30_000 + n * 100));
    // Filler that matches none of the narrow filters, so that filtered pages must skip records.
    const filler = Array.from({ length: 12 }, (_, n) => record(50 + n, { actions: ["succeeded"] }, now - 20_000 + n * 100));
    await claimAll(store, [...records, ...filler]);
    const ids = async (query: string) => (await list(`?limit=100&${query}`)).deliveries.map((item) => item.id);
    const expected = (...indexes: number[]) => indexes.reverse().map((index) => records[index]?.id);

    expect(await ids("event=run.error")).toEqual(expected(1, 2));
    expect(await ids("event=run.timeout")).toEqual(expected(4));
    expect(await ids("event=run.paused")).toEqual([]);
    expect(await ids("action_state=failed")).toEqual(expected(1, 2, 5));
    expect(await ids("action_state=pending")).toEqual(expected(3));
    expect((await ids("action_state=succeeded")).length).toBe(3 + filler.length);
    expect(await ids("assistant_id=error_graph")).toEqual(expected(1, 2));
    expect(await ids("assistant_id=my-assistant")).toEqual(expected(3));
    expect(await ids("assistant_id=hitl")).toEqual(expected(3));
    expect(await ids(`thread_id=${threadA}`)).toEqual(expected(0, 2, 5));
    expect(await ids("run_id=run-4")).toEqual(expected(4));
    expect(await ids(`thread_id=${threadA}&action_state=failed`)).toEqual(expected(2, 5));
    expect(await ids("event=run.error&assistant_id=agent")).toEqual([]);

    // Filtered pages stay full, and the cursor continues within the filter.
    const paged = await allPages("&action_state=failed", 2);
    expect(paged.pages.map((page) => page.deliveries.length)).toEqual([2, 1]);
    expect(paged.ids).toEqual(expected(1, 2, 5));
  });

  it("answers one delivery in full: redacted payload, times, every action with every attempt", async () => {
    receiver.respond = () => ({ status: 200, body: "thanks" });
    const payload = fixture("error_graph_create");
    const id = await deliver(payload);
    await runtime.idle();
    const delivery = await detail(id);
    expect(delivery).toMatchObject({
      id,
      event: "run.error",
      status: "error",
      run_id: payload["run_id"],
      thread_id: payload["thread_id"],
      graph_id: "error_graph",
      routing: "done",
      outcome: "succeeded",
      auth: "static",
      duration_ms: expect.any(Number),
    });
    expect(delivery.payload["error"]).toEqual(payload["error"]);
    expect(delivery.payload.run_started_at).toBe(payload["run_started_at"]);
    // The webhook URL's token never reaches the inspector.
    const kwargs = delivery.payload.kwargs ?? {};
    expect(String(kwargs["webhook"])).not.toMatch(/token=/);
    expect(JSON.stringify(delivery)).not.toContain(String((payload["kwargs"] as Json)["webhook"]).split("token=")[1]?.split("&")[0]);
    expect(delivery.actions).toEqual([
      {
        name: FORWARD,
        type: "forward",
        state: "succeeded",
        updated_at: expect.any(String),
        attempts: [
          { number: 1, started_at: expect.any(String), ended_at: expect.any(String), duration_ms: expect.any(Number), ok: true, http_status: 200 },
        ],
      },
    ]);
    // What GET answers is what the store holds.
    expect(await store.get(id)).toEqual(Object.fromEntries(Object.entries(delivery).filter(([key]) => key !== "outcome" && key !== "duration_ms")));
  });

  it("replays a forward that failed once the receiver is fixed; the answer holds the delivery and the new attempts", async () => {
    receiver.respond = () => ({ status: 500, body: "receiver broken" });
    const id = await deliver({ ...fixture("thread_runs_create"), run_id: `run-${randomBytes(4).toString("hex")}` });
    await runtime.idle();
    const failed = await detail(id);
    expect(failed.outcome).toBe("failed");
    const dead = failed.actions.find((action) => action.name === FORWARD);
    expect(dead?.state).toBe("failed");
    expect(dead?.last_error).toMatch(/answered 500: receiver broken/);
    // Retried by the router along RETRY_SCHEDULE (three steps): 1 attempt + 3 retries, then dead.
    expect(dead?.attempts.map((attempt) => [attempt.number, attempt.ok, attempt.http_status])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, false, 500],
      [4, false, 500],
    ]);
    expect((await list("?action_state=failed")).deliveries.map((item) => item.id)).toEqual([id]);

    receiver.respond = () => ({ status: 200 });
    const body = await ok<ReplayBody>(await call("POST", `?id=${id}&replay=1`));
    expect(body.delivery.outcome).toBe("succeeded");
    expect(body.delivery.actions[0]).toMatchObject({ name: FORWARD, state: "succeeded" });
    expect(body.delivery.actions[0]?.last_error).toBeUndefined();
    expect(body.replayed).toEqual([
      {
        name: FORWARD,
        type: "forward",
        state: "succeeded",
        attempts: [expect.objectContaining({ number: 5, ok: true, http_status: 200, replay: true })],
      },
    ]);
    expect(receiver.requests).toHaveLength(5);
    expect(receiver.requests.every((request) => request.verified === true)).toBe(true);
    // The store holds the outcome: the list and the detail agree with the answer.
    expect(await list("?action_state=failed")).toEqual({ deliveries: [], next_cursor: null });
    expect((await list()).deliveries[0]).toMatchObject({ id, outcome: "succeeded", actions: [{ name: FORWARD, state: "succeeded", attempts: 5 }] });
    expect(await detail(id)).toEqual(body.delivery);

    // Nothing failed any more: a replay of the delivery runs nothing and says so.
    const idle = await ok<ReplayBody>(await call("POST", `?id=${id}&replay=1`));
    expect(idle.replayed).toEqual([]);
    expect(receiver.requests).toHaveLength(5);
  });

  it("replays one action by name, whatever its state, and answers 404 for an action the delivery lacks", async () => {
    receiver.respond = () => ({ status: 410, body: "gone" });
    const id = await deliver({ ...fixture("thread_runs_create"), run_id: `run-${randomBytes(4).toString("hex")}` });
    await runtime.idle();
    // A 4xx is final: one attempt, no retries.
    expect((await detail(id)).actions[0]).toMatchObject({ state: "failed", attempts: [{ number: 1, http_status: 410 }] });

    receiver.respond = () => ({ status: 202 });
    const fixed = await ok<ReplayBody>(await call("POST", `?id=${id}&replay=1&action=${encodeURIComponent(FORWARD)}`));
    expect(fixed.replayed.map((action) => [action.name, action.state, action.attempts.map((attempt) => attempt.number)])).toEqual([
      [FORWARD, "succeeded", [2]],
    ]);
    // Named, it runs again even though it succeeded (a receiver that lost the message asks for it again).
    const again = await ok<ReplayBody>(await call("POST", `?id=${id}&replay=1&action=${encodeURIComponent(FORWARD)}`));
    expect(again.replayed[0]?.attempts.map((attempt) => [attempt.number, attempt.ok, attempt.replay])).toEqual([[3, true, true]]);
    expect(receiver.requests).toHaveLength(3);

    await expectError(await call("POST", `?id=${id}&replay=1&action=nope`), 404, "not_found", /has no action named "nope"/);
  });

  it("lists what the receiver recorded, with the graph id as the assistant filter", async () => {
    const ids: string[] = [];
    for (const name of ["thread_runs_create", "stateless_runs_wait", "error_graph_create", "hitl_interrupt"]) {
      ids.push(await deliver(fixture(name)));
    }
    await runtime.idle();
    const body = await list();
    expect(new Set(body.deliveries.map((item) => item.id))).toEqual(new Set(ids));
    expect((await list("?assistant_id=error_graph")).deliveries.map((item) => item.event)).toEqual(["run.error"]);
    expect((await list("?event=run.error")).deliveries.map((item) => item.graph_id)).toEqual(["error_graph"]);
  });
});

describe.runIf(hasRedis)("/api/deliveries with Redis down", () => {
  it("answers 503 while Redis is down and lists again once it is back", async () => {
    const own = await startRedis();
    const runtime = installTestRuntime({}, { store: new RedisDeliveryStore({ url: own.url, operationTimeoutMs: 1000 }) });
    try {
      await claimAll(runtime.store, [record(1)]);
      await own.kill();
      await expectError(await call("GET"), 503, "store_unavailable", /Retry later/);
      await expectError(await call("GET", `?id=${record(1).id}`), 503, "store_unavailable");
      await own.restart();
      // The data went with the killed server (no persistence): an empty, healthy answer.
      await expect.poll(async () => (await call("GET")).status, { timeout: 10_000, interval: 200 }).toBe(200);
    } finally {
      await runtime.store.close();
      setRuntime(undefined);
      await own.stop();
    }
  });
});
