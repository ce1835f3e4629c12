// Nothing lost under load: thousands of distinct callbacks over real HTTP to the real /api/webhook
// (api/webhook.ts, routes.ts and the FORWARD_URL default with its default retry policy), forwarded to a
// loopback target that verifies every Standard Webhooks signature and fails a fifth of the requests
// at random. The books must balance exactly: callbacks answered = recorded = forwards settled, and
// every attempt the relay recorded is a request the target saw. Then the same callbacks sent several
// times at once: one is recorded, the rest are duplicates, and the target sees each webhook-id
// succeed at most once. Last, the two router behaviours these runs exposed, one test each (attempts in
// flight bounded per action; progress saved again after a store blinked). Loopback only; every loop
// bounded in count and time.
import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveryIdFor, type DeliveryRecord } from "../../lib/model/delivery.js";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import { ATTEMPTS_IN_FLIGHT } from "../../lib/routing/slots.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { durableOf } from "../support/stores.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { deliveryFrom, fixture, newSecret, TestReceiver, testRuntime, type Json } from "../support/routing.js";
import { postCallback } from "../support/post-callback.js";
import { settled } from "../support/kit.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const CALLBACKS = 5_000;
const CONNECTIONS = 50;
const FAILURE_RATE = 0.2;
/** Runs whose forward the target always refuses, so that the `failed` branch is exercised every time. */
const DOOMED_EVERY = 250;
/**
 * The env default forward under RETRY_SCHEDULE: 1 attempt + 3 retries, all within the receiving
 * function (a longer schedule leaves the later retries to the sweep: test/integration/sweep.test.ts).
 */
const RETRY_SCHEDULE = "500ms,1s,2s";
const MAX_ATTEMPTS = 4;
/** Upper bound on the load phase and on the routing that follows it. */
const LOAD_BUDGET_MS = 60_000;
const SETTLE_BUDGET_MS = 45_000;
const ENV_FORWARD = "env:forward";

const hasRedis = redisAvailable();

/** Small seeded PRNG (mulberry32): a failing run can be reproduced from the seed in its message. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Callback {
  runId: string;
  status: string;
  body: string;
}

interface Answer {
  callback: Callback;
  status: number;
  body: Json;
}

const BASES = [fixture("thread_runs_create"), fixture("error_graph_create")];

function callbacks(prefix: string, count: number): Callback[] {
  return Array.from({ length: count }, (_, i) => {
    const base = BASES[i % BASES.length] as Json;
    const runId = `${prefix}-${i}${i % DOOMED_EVERY === 0 ? "-doomed" : ""}`;
    return { runId, status: String(base["status"]), body: JSON.stringify({ ...base, run_id: runId }) };
  });
}


/** Sends every callback with `CONNECTIONS` requests in flight; throws past the time budget. */
async function sendAll(baseUrl: string, list: readonly Callback[]): Promise<Answer[]> {
  const deadline = Date.now() + LOAD_BUDGET_MS;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(baseUrl);
  const answers: Answer[] = new Array<Answer>(list.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const callback = list[index];
      if (callback === undefined) return;
      if (Date.now() > deadline) throw new Error(`load phase exceeded ${LOAD_BUDGET_MS} ms at callback ${index}`);
      const answer = await postCallback(agent, url, callback.body);
      answers[index] = { callback, ...answer };
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
  return answers;
}

/** The forward target: verifies signatures, refuses doomed runs, fails FAILURE_RATE of the rest. */
async function startTarget(secret: string, seed: number): Promise<TestReceiver> {
  const random = seededRandom(seed);
  const target = await new TestReceiver(secret).listen();
  target.respond = (request) => {
    const runId = String(((request.body as Json | undefined)?.["run"] as Json | undefined)?.["run_id"]);
    if (runId.endsWith("-doomed")) return { status: 500, body: "doomed" };
    return random() < FAILURE_RATE ? { status: 500, body: "random failure" } : { status: 200, body: "ok" };
  };
  return target;
}

interface TargetBook {
  /** Requests per webhook-id. */
  requests: Map<string, number>;
  /** 2xx answers per webhook-id. */
  successes: Map<string, number>;
  unverified: number;
}

/** What the target saw, per webhook-id, reconstructed from the status it answered each request with. */
function bookOf(target: TestReceiver, answered: Map<number, number>): TargetBook {
  const book: TargetBook = { requests: new Map(), successes: new Map(), unverified: 0 };
  for (const request of target.requests) {
    const id = String(request.headers["webhook-id"]);
    book.requests.set(id, (book.requests.get(id) ?? 0) + 1);
    if (request.verified !== true) book.unverified += 1;
    if (answered.get(request.n) === 200) book.successes.set(id, (book.successes.get(id) ?? 0) + 1);
  }
  return book;
}

/** Wraps the target's `respond` to remember the status of each request it answered. */
function recordAnswers(target: TestReceiver): Map<number, number> {
  const answered = new Map<number, number>();
  const respond = target.respond;
  target.respond = (request) => {
    const answer = respond(request);
    if (answer !== "hang") answered.set(request.n, answer.status);
    return answer;
  };
  return answered;
}

async function allRecords(api: ApiServer): Promise<DeliveryRecord[]> {
  const out: DeliveryRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const listed = await api.runtime.store.list({ limit: 1_000, cursor });
    out.push(...listed.deliveries);
    if (listed.nextCursor === undefined) return out;
    cursor = listed.nextCursor;
  }
  throw new Error("listing did not end");
}

/** Checks one delivery's forward record against what the target saw for its webhook-id. */
function checkForward(record: DeliveryRecord, book: TargetBook, context: string): "succeeded" | "failed" {
  const forward = record.actions.find((action) => action.name === ENV_FORWARD);
  expect(record.actions.map((action) => action.name), context).toEqual([ENV_FORWARD]);
  if (forward === undefined || forward.state === "pending") throw new Error(`${context}: forward not settled`);
  expect(record.routing, context).toBe("done");
  const id = forwardMessageId(record.id, ENV_FORWARD);
  const attempts = forward.attempts;
  expect(attempts.length, `${context}: attempts recorded == requests the target saw`).toBe(book.requests.get(id) ?? 0);
  expect(attempts.length, context).toBeGreaterThanOrEqual(1);
  expect(attempts.length, context).toBeLessThanOrEqual(MAX_ATTEMPTS);
  expect(attempts.map((attempt) => attempt.number), context).toEqual(attempts.map((_, i) => i + 1));
  // Every attempt but the last failed with the target's 500.
  for (const attempt of attempts.slice(0, -1)) expect([attempt.ok, attempt.http_status, attempt.error], context).toEqual([false, 500, expect.anything()]);
  const last = attempts.at(-1);
  if (forward.state === "succeeded") {
    expect([last?.ok, last?.http_status], context).toEqual([true, 200]);
    expect(book.successes.get(id), `${context}: the target answered 2xx exactly once`).toBe(1);
    expect(record.run_id.endsWith("-doomed"), context).toBe(false);
  } else {
    expect(forward.state, context).toBe("failed");
    expect([last?.ok, last?.http_status], context).toEqual([false, 500]);
    expect(attempts.length, `${context}: a failed forward used all its retries`).toBe(MAX_ATTEMPTS);
    expect(forward.last_error, context).toMatch(/answered 500/);
    expect(book.successes.get(id) ?? 0, context).toBe(0);
  }
  return forward.state;
}

describe("nothing lost under load", () => {
  const secret = newSecret();
  const seed = Number(process.env["LOAD_SEED"] ?? Date.now() % 2 ** 31);
  let target: TestReceiver;
  let answered: Map<number, number>;
  let api: ApiServer;

  beforeAll(async () => {
    target = await startTarget(secret, seed);
    answered = recordAnswers(target);
    api = await serveApi({ FORWARD_URL: `${target.url}/hooks`, FORWARD_SECRET: secret, RETRY_SCHEDULE });
  });
  afterAll(async () => {
    await api?.close();
    await target?.close();
  });

  it(`answers ${CALLBACKS} distinct callbacks at ${CONNECTIONS} connections with 200, records each once, and every forward settles with the books balanced`, async () => {
    const context = `seed ${seed} (rerun with LOAD_SEED=${seed})`;
    const list = callbacks(`load-${seed}`, CALLBACKS);
    const started = performance.now();
    const answers = await sendAll(api.url, list);
    const loadMs = performance.now() - started;
    await settled(api, SETTLE_BUDGET_MS);
    const settleMs = performance.now() - started;

    // Every callback answered 200, as a first delivery, with the id derived from its run and status.
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses), context).toEqual({ 200: CALLBACKS });
    for (const { callback, body } of answers) {
      expect(body, context).toEqual({ ok: true, delivery_id: deliveryIdFor(callback.runId, callback.status), duplicate: false });
    }

    // Recorded exactly once: as many records as callbacks, one per expected id.
    const records = await allRecords(api);
    const expected = new Set(list.map((callback) => deliveryIdFor(callback.runId, callback.status)));
    expect(records.length, context).toBe(CALLBACKS);
    expect(new Set(records.map((record) => record.id)), context).toEqual(expected);

    // Every forward settled, and the relay's record matches what the target saw, delivery by delivery.
    const book = bookOf(target, answered);
    expect(book.unverified, `${context}: every forwarded request carried a valid signature`).toBe(0);
    let succeeded = 0;
    let failed = 0;
    let attempts = 0;
    for (const record of records) {
      const state = checkForward(record, book, `${context}, ${record.run_id}`);
      if (state === "succeeded") succeeded += 1;
      else failed += 1;
      attempts += record.actions[0]?.attempts.length ?? 0;
    }
    const targetSuccesses = [...book.successes.values()].reduce((sum, n) => sum + n, 0);
    expect(succeeded, `${context}: target-verified successes == forwards recorded succeeded`).toBe(targetSuccesses);
    expect(succeeded + failed, context).toBe(CALLBACKS);
    expect(attempts, `${context}: attempts recorded == requests the target saw`).toBe(target.requests.length);
    expect(failed, context).toBeGreaterThanOrEqual(CALLBACKS / DOOMED_EVERY);

    console.info(
      `[load] ${CALLBACKS} callbacks in ${Math.round(loadMs)} ms (${Math.round(CALLBACKS / (loadMs / 1000))}/s), ` +
        `routing settled at ${Math.round(settleMs)} ms; forwards: ${succeeded} succeeded, ${failed} failed, ` +
        `${attempts} attempts = ${target.requests.length} target requests; ${context}`,
    );
  }, LOAD_BUDGET_MS + SETTLE_BUDGET_MS + 10_000);
});

const COPIES = 5;
const DUPLICATED = 400;

describe.each([
  { store: "memory" as const },
  ...(hasRedis ? [{ store: "redis" as const }] : []),
])("concurrent duplicate callbacks ($store store)", ({ store }) => {
  const secret = newSecret();
  const seed = Number(process.env["LOAD_SEED"] ?? Date.now() % 2 ** 31);
  let target: TestReceiver;
  let answered: Map<number, number>;
  let api: ApiServer;
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    target = await startTarget(secret, seed);
    answered = recordAnswers(target);
    if (store === "redis") redis = await startRedis();
    api = await serveApi({
      FORWARD_URL: `${target.url}/hooks`,
      FORWARD_SECRET: secret,
      RETRY_SCHEDULE,
      ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
    });
  });
  afterAll(async () => {
    await api?.close();
    await api?.runtime.store.close();
    await redis?.stop();
    await target?.close();
  });

  it(`records ${DUPLICATED} callbacks sent ${COPIES}× each at once exactly once, and the target sees each webhook-id succeed at most once`, async () => {
    const context = `${store} store, seed ${seed}`;
    const distinct = callbacks(`dup-${store}-${seed}`, DUPLICATED);
    // Copies side by side in the queue: the workers send them within the same moment.
    const list = distinct.flatMap((callback) => Array.from({ length: COPIES }, () => callback));
    const answers = await sendAll(api.url, list);
    await settled(api, SETTLE_BUDGET_MS);

    const firsts = new Map<string, number>();
    for (const { callback, status, body } of answers) {
      expect(status, context).toBe(200);
      const id = deliveryIdFor(callback.runId, callback.status);
      expect(body["delivery_id"], context).toBe(id);
      if (body["duplicate"] === false) firsts.set(id, (firsts.get(id) ?? 0) + 1);
      else expect(body["duplicate"], context).toBe(true);
    }
    expect(firsts.size, `${context}: every callback was recorded`).toBe(DUPLICATED);
    expect([...firsts.values()].every((n) => n === 1), `${context}: exactly one copy of each was first`).toBe(true);

    const records = await allRecords(api);
    expect(records.length, context).toBe(DUPLICATED);
    const book = bookOf(target, answered);
    expect(book.unverified, context).toBe(0);
    let succeeded = 0;
    for (const record of records) {
      if (checkForward(record, book, `${context}, ${record.run_id}`) === "succeeded") succeeded += 1;
    }
    expect([...book.successes.values()].every((n) => n === 1), `${context}: no webhook-id succeeded twice downstream`).toBe(true);
    expect(book.successes.size, context).toBe(succeeded);
    expect(book.requests.size, `${context}: one webhook-id per recorded delivery`).toBe(DUPLICATED);
  }, LOAD_BUDGET_MS + SETTLE_BUDGET_MS + 10_000);
});

describe("what the load runs exposed, one behaviour each", () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it(`runs at most ${ATTEMPTS_IN_FLIGHT} attempts of one action at once; the others wait without their timeout running, and other actions are not held up`, async () => {
    let inFlight = 0;
    let peak = 0;
    let otherRan = 0;
    // Each attempt takes 50 ms of a 250 ms timeout: 640 at once queue for ~500 ms, none may time out.
    const slow = custom({
      name: "slow",
      handler: async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await pause(50);
        inFlight -= 1;
      },
      retry: { timeoutMs: 250, retries: 0 },
    });
    const other = custom({
      name: "other",
      handler: () => {
        otherRan += 1;
      },
    });
    const router = defineRoutes([{ on: "*", actions: [slow, other] }], { envDefaults: false });
    const runtime = testRuntime();
    const deliveries = Array.from({ length: 10 * ATTEMPTS_IN_FLIGHT }, (_, i) => deliveryFrom("error_graph_create", { run_id: `burst-${i}` }));
    await Promise.all(
      deliveries.map(async (delivery) => {
        delivery.actions = router.plan(delivery, runtime);
        await runtime.store.claim(delivery);
        await router.dispatch(delivery, runtime);
      }),
    );
    expect(peak).toBe(ATTEMPTS_IN_FLIGHT);
    expect(otherRan).toBe(deliveries.length);
    for (const delivery of deliveries) {
      expect(delivery.actions.map((action) => [action.name, action.state, action.attempts.length])).toEqual([
        ["slow", "succeeded", 1],
        ["other", "succeeded", 1],
      ]);
    }
  });

  it("saves a delivery's progress again once a store that failed comes back, so its record does not stay pending", async () => {
    const inner = new MemoryDeliveryStore();
    let failSaves = 3;
    const blinking: DeliveryStore = {
      kind: "memory",
      claim: (record) => inner.claim(record),
      save: (record) => inner.save(record),
      get: (id) => inner.get(id),
      list: (options) => inner.list(options),
      claimRouting: (key, id) => inner.claimRouting(key, id),
      close: () => inner.close(),
      ...durableOf(inner),
      // Progress is committed per action: that is the write that fails here.
      commitAction: (...args) => (failSaves-- > 0 ? Promise.reject(new Error("store down")) : inner.commitAction(...args)),
    };
    const runtime = testRuntime({}, { store: blinking });
    const router = defineRoutes([{ on: "*", actions: [custom({ name: "noop", handler: () => undefined })] }], { envDefaults: false });
    const delivery = deliveryFrom("error_graph_create", { run_id: "blink" });
    delivery.actions = router.plan(delivery, runtime);
    await runtime.store.claim(delivery);
    await router.dispatch(delivery, runtime);
    expect(await inner.get(delivery.id)).toMatchObject({ routing: "done", actions: [{ name: "noop", state: "succeeded" }] });
    expect(runtime.entries.filter((line) => line["msg"] === "could not save delivery progress; retrying")).toHaveLength(1);
  });
});
