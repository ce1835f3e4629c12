// Durable delivery through the sweep, on the memory store and a real redis-server: retries that
// outlive the function that received the callback, a 24-hour schedule on the injected clock, dead
// letters, concurrent sweeps that never run one attempt twice, a Redis restart between sweeps, and
// concurrent replays that take the same leases.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import type { Router } from "../../lib/routing/index.js";
import { chain, custom, defineRoutes, forward } from "../../lib/routing/index.js";
import { replayDelivery } from "../../lib/inspector/replay.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { deliveryFrom, logsOf, newSecret, TestReceiver, testRuntime, type LoggedRuntime } from "../support/routing.js";

const hasRedis = redisAvailable();
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (hasRedis) redis = await startRedis({ persistence: "aof" });
});
afterAll(async () => {
  await redis?.stop();
});

const redisStore = (now?: () => number): RedisDeliveryStore =>
  new RedisDeliveryStore({
    url: redis?.url ?? "redis://127.0.0.1:1",
    prefix: `sweep-test-${randomBytes(4).toString("hex")}:`,
    ...(now === undefined ? {} : { now }),
  });

const stores: { name: string; enabled: boolean; make: (now?: () => number) => DeliveryStore }[] = [
  // Kept for 3 days (the default is 24 h, shorter than the default schedule: see the README).
  { name: "memory store", enabled: true, make: (now) => new MemoryDeliveryStore({ maxAgeSeconds: 3 * 86_400, ...(now === undefined ? {} : { now }) }) },
  { name: "Redis store", enabled: hasRedis, make: redisStore },
];

/** Records a delivery the way the receiver does (claim with its routing lease, then dispatch within `budgetMs`). */
async function receive(runtime: LoggedRuntime, router: Router, budgetMs: number, runId = `run-${randomBytes(6).toString("hex")}`): Promise<DeliveryRecord> {
  const delivery = deliveryFrom("thread_runs_create", { run_id: runId });
  delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date(runtime.now()).toISOString() };
  delivery.actions = router.plan(delivery, runtime);
  const { lease } = await runtime.store.claim(delivery);
  await router.dispatch(delivery, runtime, { deadline: runtime.now() + budgetMs, lease });
  return delivery;
}

/** Accepted (2xx) requests per webhook-id. */
function acceptedById(receiver: TestReceiver, accepted: Set<number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receiver.requests) {
    if (!accepted.has(request.n)) continue;
    const id = String(request.headers["webhook-id"]);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe.each(stores)("the sweep with the $name", ({ enabled, make }) => {
  let store: DeliveryStore;
  let receiver: TestReceiver;
  const secret = newSecret();

  beforeEach(async (context) => {
    if (!enabled) context.skip();
    receiver = await new TestReceiver(secret).listen();
  });
  afterEach(async () => {
    await receiver?.close();
    await store?.close();
  });

  it("delivers once the target is back, long after the function that received the callback ended; each webhook-id accepted once", async () => {
    store = make();
    const runtime = testRuntime({ RETRY_SCHEDULE: "100ms,100ms,200ms,200ms,400ms,400ms,800ms,800ms,1s,1s" }, { store });
    const router = defineRoutes([{ on: "*", actions: [forward({ name: "out", url: `${receiver.url}/in`, secret })] }], { envDefaults: false });
    let down = true;
    const accepted = new Set<number>();
    receiver.respond = (request) => {
      if (down) return { status: 503, body: "down" };
      accepted.add(request.n);
      return { status: 200 };
    };
    // Ten callbacks, each received by a "function" that has 400 ms to live: one attempt, then gone.
    const deliveries: DeliveryRecord[] = [];
    for (let i = 0; i < 10; i++) deliveries.push(await receive(runtime, router, 400));
    for (const delivery of deliveries) {
      const stored = await store.get(delivery.id);
      expect(stored?.actions[0]).toMatchObject({ state: "pending", next_attempt_at: expect.any(String) });
    }
    // The target stays down for longer than any of those functions lived; sweeps keep coming.
    const backAt = Date.now() + 1_200;
    const until = Date.now() + 15_000;
    let delivered = 0;
    while (Date.now() < until && delivered < deliveries.length) {
      if (Date.now() >= backAt) down = false;
      await runSweep(runtime, router, { deadline: Date.now() + 500, steps: [] });
      const records = await Promise.all(deliveries.map((delivery) => store.get(delivery.id)));
      delivered = records.filter((record) => record?.actions[0]?.state === "succeeded").length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delivered).toBe(deliveries.length);
    const counts = acceptedById(receiver, accepted);
    expect([...counts.keys()].sort()).toEqual(deliveries.map((delivery) => forwardMessageId(delivery.id, "out")).sort());
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    // Every attempt of one action carried its one webhook-id, and nothing is left due.
    for (const delivery of deliveries) {
      const ids = new Set(receiver.requests.filter((request) => request.headers["webhook-id"] === forwardMessageId(delivery.id, "out")).map((r) => r.n));
      const stored = await store.get(delivery.id);
      expect(stored?.actions[0]?.attempts.length).toBe(ids.size);
      expect(stored?.actions[0]?.next_attempt_at).toBeUndefined();
    }
    expect(await store.dueCount()).toBe(0);
  });

  it("follows a 24-hour schedule on the injected clock: delivered when the target is back after 20 hours; dead once the schedule is spent", async () => {
    let now = Date.now();
    store = make(() => now);
    const runtime = testRuntime({}, { store, now: () => now, sleep: async (ms) => void (now += ms) });
    const router = defineRoutes([{ on: "*", actions: [custom({ name: "flaky", handler: () => attempt() })] }], { envDefaults: false });
    const start = now;
    let backAfterMs = 20 * 3_600_000;
    const attempt = () => {
      if (now - start < backAfterMs) throw new Error("target down");
    };
    const first = await receive(runtime, router, 52_000);
    /** Moves the clock to each next attempt and sweeps, until nothing is pending. */
    const sweepThrough = async (id: string): Promise<DeliveryRecord | undefined> => {
      for (let steps = 0; steps < 30; steps++) {
        const record = await store.get(id);
        const next = record?.actions[0]?.next_attempt_at;
        if (record?.actions[0]?.state !== "pending" || next === undefined) return record;
        now = Math.max(now, Date.parse(next)) + 1;
        await runSweep(runtime, router, { deadline: now + 40_000, steps: [] });
      }
      return store.get(id);
    };
    const delivered = await sweepThrough(first.id);
    expect(delivered?.actions[0]?.state).toBe("succeeded");
    const times = delivered?.actions[0]?.attempts.map((attempt) => Date.parse(attempt.started_at) - start) ?? [];
    expect(times.at(-1)).toBeGreaterThanOrEqual(20 * 3_600_000);
    expect(times.at(-2)).toBeLessThan(20 * 3_600_000);

    // A target that never comes back: 1 attempt + 10 retries over about 26 hours, then a dead letter.
    backAfterMs = Number.POSITIVE_INFINITY;
    const second = await receive(runtime, router, 52_000);
    const dead = await sweepThrough(second.id);
    expect(dead?.actions[0]).toMatchObject({ state: "failed", last_error: "Error: target down", dead_at: expect.any(String) });
    expect(dead?.actions[0]?.attempts).toHaveLength(11);
    const span = Date.parse(dead?.actions[0]?.dead_at ?? "") - Date.parse(dead?.actions[0]?.attempts[0]?.started_at ?? "");
    expect(span).toBeGreaterThanOrEqual(24 * 3_600_000);
    const deadLines = logsOf(runtime, "action failed").filter((line) => line["delivery_id"] === second.id);
    expect(deadLines).toEqual([expect.objectContaining({ level: "error", dead: true, why: "retry schedule exhausted" })]);
    expect((await store.list({ limit: 10, filter: { action_state: "failed" } })).deliveries.map((record) => record.id)).toEqual([second.id]);
  });

  it("runs each of 2,000 due attempts exactly once across 4 concurrent sweeps", async () => {
    store = make();
    const runtime = testRuntime({}, { store });
    const runs = new Map<string, number>();
    const count = (name: string) =>
      custom({
        name,
        handler: async (event, context) => {
          const key = `${event.delivery_id}/${context.action}`;
          runs.set(key, (runs.get(key) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 1));
        },
      });
    const router = defineRoutes([{ on: "*", actions: [count("a"), count("b")] }], { envDefaults: false });
    // 1,000 deliveries of two actions each, planned and left due (their receiver ran out of time at once).
    for (let i = 0; i < 1_000; i++) {
      const delivery = deliveryFrom("thread_runs_create", { run_id: `bulk-${i}-${randomBytes(3).toString("hex")}` });
      delivery.actions = router.plan(delivery, runtime);
      const { lease } = await store.claim(delivery);
      delivery.routing = "done";
      const commit = await store.commitPlan(delivery, lease, runtime.now(), 60_000);
      for (const entry of commit?.actions ?? []) await store.release(entry.lease, runtime.now());
    }
    expect(await store.dueCount()).toBe(2_000);
    const results = await Promise.all(Array.from({ length: 4 }, () => runSweep(runtime, router, { deadline: Date.now() + 60_000, steps: [] })));
    expect(runs.size).toBe(2_000);
    expect([...runs.values()].every((value) => value === 1)).toBe(true);
    expect(results.reduce((sum, result) => sum + result.succeeded, 0)).toBe(2_000);
    expect(results.reduce((sum, result) => sum + result.attempted, 0)).toBe(2_000);
    // Work was shared: more than one sweep ran attempts.
    expect(results.filter((result) => result.attempted > 0).length).toBeGreaterThan(1);
    expect(await store.dueCount()).toBe(0);
  });

  it("two concurrent replays attempt each action once", async () => {
    store = make();
    const runtime = testRuntime({ RETRY_SCHEDULE: "0" }, { store });
    const runs: string[] = [];
    let fail = true;
    const router = defineRoutes(
      [
        {
          on: "*",
          actions: [
            custom({
              name: "slow",
              handler: async () => {
                runs.push("slow");
                await new Promise((resolve) => setTimeout(resolve, 200));
                if (fail) throw new Error("down");
              },
            }),
          ],
        },
      ],
      { envDefaults: false },
    );
    const delivery = await receive(runtime, router, 52_000);
    expect((await store.get(delivery.id))?.actions[0]?.state).toBe("failed");
    fail = false;
    runs.length = 0;
    const [a, b] = await Promise.all([replayDelivery(delivery.id, {}, runtime, router), replayDelivery(delivery.id, {}, runtime, router)]);
    expect(runs).toEqual(["slow"]);
    const stored = await store.get(delivery.id);
    expect(stored?.actions[0]?.state).toBe("succeeded");
    expect(stored?.actions[0]?.attempts.map((attempt) => [attempt.number, attempt.ok, attempt.replay ?? false])).toEqual([
      [1, false, false],
      [2, true, true],
    ]);
    expect([a, b].some((record) => record.actions[0]?.attempts.length === 2)).toBe(true);
  });

  it("two concurrent replays of a chain start one follow-up run", async () => {
    store = make();
    let starts = 0;
    let fail = true;
    const runtime = testRuntime(
      { RETRY_SCHEDULE: "0" },
      {
        store,
        startRun: async (request) => {
          starts += 1;
          await new Promise((resolve) => setTimeout(resolve, 200));
          if (fail) throw new Error("LangGraph unreachable");
          return { run_id: `next-${starts}`, thread_id: "thread-next", assistant_id: request.assistant_id, status: "pending" };
        },
      },
    );
    const router = defineRoutes([{ on: "*", actions: [chain({ name: "next", assistant_id: "writer" })] }], { envDefaults: false });
    const delivery = await receive(runtime, router, 52_000);
    expect((await store.get(delivery.id))?.actions[0]?.state).toBe("failed");
    fail = false;
    starts = 0;
    await Promise.all([replayDelivery(delivery.id, {}, runtime, router), replayDelivery(delivery.id, {}, runtime, router)]);
    expect(starts).toBe(1);
    expect((await store.get(delivery.id))?.actions[0]).toMatchObject({ state: "succeeded", attempts: [{ ok: false }, { ok: true, result: { run_id: "next-1" } }] });
  });
});

describe("a Redis restart between sweeps", () => {
  it("loses no due attempt: those scheduled before the restart run after it", async (context) => {
    if (!hasRedis || redis === undefined) return context.skip();
    const store = redisStore();
    const runtime = testRuntime({ RETRY_SCHEDULE: "50ms,50ms,50ms,50ms,50ms,50ms" }, { store });
    let down = true;
    const seen: string[] = [];
    const router = defineRoutes(
      [
        {
          on: "*",
          actions: [
            custom({
              name: "after-restart",
              handler: (event) => {
                seen.push(event.delivery_id);
                if (down) throw new Error("down");
              },
            }),
          ],
        },
      ],
      { envDefaults: false },
    );
    const deliveries: DeliveryRecord[] = [];
    for (let i = 0; i < 20; i++) deliveries.push(await receive(runtime, router, 30));
    expect(await store.dueCount()).toBe(20);
    await redis.kill();
    await redis.restart();
    down = false;
    const until = Date.now() + 15_000;
    let done = 0;
    while (Date.now() < until && done < deliveries.length) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await runSweep(runtime, router, { deadline: Date.now() + 2_000, steps: [] }).catch(() => undefined);
      const records = await Promise.all(deliveries.map((delivery) => store.get(delivery.id).catch(() => undefined)));
      done = records.filter((record) => record?.actions[0]?.state === "succeeded").length;
    }
    expect(done).toBe(deliveries.length);
    expect(await store.dueCount()).toBe(0);
    await store.close();
  });
});
