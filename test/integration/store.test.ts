// One contract, two stores: the in-memory store and Redis (a real redis-server on a free port).
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhook from "../../api/webhook.js";
import type { ActionRecord, ActionState, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { RelayError } from "../../lib/shared/errors.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import type { RunPayload } from "../../lib/model/run-payload.js";
import { runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import type { DeliveryFilter, DeliveryStore } from "../../lib/stores/delivery-store.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { installTestRuntime, TEST_STATIC_TOKEN } from "../support/runtime.js";
import { fixture } from "../support/kit.js";

const basePayload: RunPayload = runPayloadSchema.parse(fixture("thread_runs_create"));

// Time is an offset from the clock the stores are given, never a fixed date: a fixed date falls out of
// the retention window once enough days pass (a fixture dated 2026-11-01 did, on 2026-12-01).
const YEAR_MS = 365 * 86_400_000;
let clockOffsetMs = 0;
const clock = (): number => Date.now() + clockOffsetMs;
let T0 = clock() - 3_600_000;

function delivery(n: number, overrides: Partial<RunPayload> = {}, receivedAt = T0 + n * 1000): DeliveryRecord {
  return newDeliveryRecord(
    { ...basePayload, run_id: `run-${n}`, ...overrides },
    { receivedAt: new Date(receivedAt), auth: "static" },
  );
}

function storeContract(name: string, makeStore: () => Promise<DeliveryStore>, offsetMs = 0) {
  describe(`${name} store contract${offsetMs === 0 ? "" : ` with the clock ${offsetMs / YEAR_MS} year(s) ahead`}`, () => {
    let store: DeliveryStore;
    beforeAll(async () => {
      clockOffsetMs = offsetMs;
      T0 = clock() - 3_600_000;
      store = await makeStore();
    });
    afterAll(() => {
      clockOffsetMs = 0;
      T0 = clock() - 3_600_000;
    });
    afterAll(async () => {
      await store.close();
    });

    it("claims a new delivery once and reads it back", async () => {
      const record = delivery(1);
      expect(await store.claim(record)).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
      expect(await store.claim(record)).toEqual({ duplicate: true });
      expect(await store.get(record.id)).toEqual(record);
    });

    it("does not overwrite the first record on a duplicate claim", async () => {
      const first = delivery(2);
      await store.claim(first);
      await store.claim({ ...first, event: "run.changed" });
      expect((await store.get(first.id))?.event).toBe("run.success");
    });

    it("saves updates to an existing record, and ignores a save of an unknown one", async () => {
      const record = delivery(3);
      await store.claim(record);
      record.routing = "done";
      record.actions = [{ name: "forward", type: "forward", state: "succeeded", attempts: [], updated_at: new Date(T0).toISOString() }];
      await store.save(record);
      expect(await store.get(record.id)).toEqual(record);
      const ghost = delivery(4);
      await store.save(ghost);
      expect(await store.get(ghost.id)).toBeUndefined();
    });

    it("answers undefined for an unknown id", async () => {
      expect(await store.get("dlv_000000000000000000000000")).toBeUndefined();
    });

    it("records exactly one of 200 concurrent claims of the same delivery", async () => {
      const record = delivery(5);
      const results = await Promise.all(Array.from({ length: 200 }, () => store.claim(structuredClone(record))));
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    });

    it("lists newest first, page by page, each record exactly once, with filters", async () => {
      const isolated = await makeStore();
      try {
        // 25 deliveries, three sharing one timestamp to exercise ties.
        const records = Array.from({ length: 25 }, (_, n) =>
          delivery(100 + n, { status: n % 3 === 0 ? "error" : "success" }, T0 + Math.min(n, 22) * 1000),
        );
        for (const record of records) await isolated.claim(record);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await isolated.list({ limit: 10, cursor });
          seen.push(...page.deliveries.map((d) => d.id));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== undefined && pages < 10);
        expect(pages).toBe(3);
        expect(seen).toHaveLength(25);
        expect(new Set(seen).size).toBe(25);
        const times = await Promise.all(seen.map(async (id) => Date.parse((await isolated.get(id))!.received_at)));
        expect(times).toEqual([...times].sort((a, b) => b - a));

        const errors = await isolated.list({ limit: 100, filter: { event: "run.error" } });
        expect(errors.deliveries.map((d) => d.id).sort()).toEqual(
          records.filter((r) => r.event === "run.error").map((r) => r.id).sort(),
        );
        expect(errors.nextCursor).toBeUndefined();
      } finally {
        await isolated.close();
      }
    });

    it("filters by event, action state, assistant or graph, thread and run, and by several at once", async () => {
      const isolated = await makeStore();
      try {
        const records = Array.from({ length: 12 }, (_, n) =>
          delivery(200 + n, {
            status: n % 4 === 0 ? "error" : "success",
            thread_id: `thread-${n % 3}`,
            assistant_id: n % 2 === 0 ? "asst-even" : "asst-odd",
            metadata: { graph_id: n % 2 === 0 ? "graph-even" : "graph-odd" },
          }),
        );
        for (const record of records) {
          record.actions = [action("forward", "pending")];
          await isolated.claim(record);
        }
        // Routing settles: a third fail; the record given to save is the one claimed, as the router does.
        for (const [n, record] of records.entries()) {
          record.actions = [action("forward", n % 3 === 0 ? "failed" : "succeeded")];
          record.routing = "done";
          await isolated.save(record);
        }
        const ids = (keep: (record: DeliveryRecord, n: number) => boolean) =>
          records.filter(keep).map((record) => record.id).sort();
        const listed = async (filter: DeliveryFilter) =>
          (await isolated.list({ limit: 100, filter })).deliveries.map((record) => record.id).sort();

        expect(await listed({ event: "run.error" })).toEqual(ids((r) => r.event === "run.error"));
        expect(await listed({ action_state: "failed" })).toEqual(ids((_, n) => n % 3 === 0));
        expect(await listed({ action_state: "succeeded" })).toEqual(ids((_, n) => n % 3 !== 0));
        // Moved out of `pending` by the save: no delivery is listed there any more.
        expect(await listed({ action_state: "pending" })).toEqual([]);
        expect(await listed({ assistant_id: "asst-even" })).toEqual(ids((_, n) => n % 2 === 0));
        expect(await listed({ assistant_id: "graph-odd" })).toEqual(ids((_, n) => n % 2 === 1));
        expect(await listed({ thread_id: "thread-1" })).toEqual(ids((_, n) => n % 3 === 1));
        expect(await listed({ run_id: "run-205" })).toEqual(ids((_, n) => n === 5));
        expect(await listed({ action_state: "failed", thread_id: "thread-0", assistant_id: "asst-even" })).toEqual(
          ids((_, n) => n % 3 === 0 && n % 2 === 0),
        );
        expect(await listed({ event: "run.error", run_id: "run-201" })).toEqual([]);
        expect(await listed({ thread_id: "no-such-thread" })).toEqual([]);

        // An event that changes on save (a paused run) moves between event sets.
        const paused = records[1] as DeliveryRecord;
        paused.event = "run.paused";
        await isolated.save(paused);
        expect(await listed({ event: "run.paused" })).toEqual([paused.id]);
        expect(await listed({ event: "run.success" })).not.toContain(paused.id);

        // Filtered pages keep to the newest-first order, each match exactly once.
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await isolated.list({ limit: 2, cursor, filter: { action_state: "succeeded" } });
          expect(page.deliveries.length).toBeLessThanOrEqual(2);
          seen.push(...page.deliveries.map((record) => record.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined && seen.length < 100);
        expect(seen).toEqual(
          records
            .filter((_, n) => n % 3 !== 0)
            .sort((a, b) => Date.parse(b.received_at) - Date.parse(a.received_at))
            .map((record) => record.id),
        );
      } finally {
        await isolated.close();
      }
    });

    it("does not index a repeat: a forged copy with another thread or pending actions is not listed", async () => {
      const isolated = await makeStore();
      try {
        const record = delivery(300);
        record.actions = [action("forward", "succeeded")];
        await isolated.claim(record);
        const forged = { ...delivery(300, { thread_id: "victim-thread" }), actions: [action("forward", "pending")] };
        expect(await isolated.claim(forged)).toEqual({ duplicate: true });
        expect((await isolated.list({ limit: 10, filter: { thread_id: "victim-thread" } })).deliveries).toEqual([]);
        expect((await isolated.list({ limit: 10, filter: { action_state: "pending" } })).deliveries).toEqual([]);
      } finally {
        await isolated.close();
      }
    });

    it("cuts a payload over the size cap, marks what was cut, and keeps the run's fields", async () => {
      const record = delivery(400, { values: { big: "v".repeat(400 * 1024) }, kwargs: { input: { small: true } } });
      const originalBytes = Buffer.byteLength(JSON.stringify(record.payload), "utf8");
      expect(await store.claim(record)).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
      // Cut in the record given, so that what is routed is what is stored.
      expect(record.payload_truncated).toMatchObject({ fields: ["values"], max_bytes: 256 * 1024 });
      const stored = await store.get(record.id);
      expect(stored?.payload.values).toBeUndefined();
      expect(stored?.payload.kwargs?.["input"]).toEqual({ small: true });
      expect(stored?.payload_truncated?.original_bytes).toBe(originalBytes);
      expect(stored?.payload["relay_truncated"]).toEqual(stored?.payload_truncated);
      expect(stored).toMatchObject({ run_id: "run-400", thread_id: basePayload.thread_id, status: "success" });
      expect(stored?.payload).toMatchObject({ run_id: "run-400", thread_id: basePayload.thread_id, status: "success" });
    });
  });
}

function action(name: string, state: ActionState): ActionRecord {
  return { name, type: "forward", state, attempts: [], updated_at: new Date(clock()).toISOString() };
}

storeContract("memory", async () => new MemoryDeliveryStore({ now: clock }));
storeContract("memory", async () => new MemoryDeliveryStore({ now: clock }), YEAR_MS);

describe("memory store bounds", () => {
  it("keeps at most maxDeliveries, evicting the oldest", async () => {
    const store = new MemoryDeliveryStore({ maxDeliveries: 100 });
    for (let n = 0; n < 250; n++) await store.claim(delivery(n));
    expect(store.size).toBe(100);
    expect(await store.get(delivery(149).id)).toBeUndefined();
    expect(await store.get(delivery(150).id)).toBeDefined();
  });

  it("forgets records older than maxAgeSeconds", async () => {
    let now = T0;
    const store = new MemoryDeliveryStore({ maxAgeSeconds: 60, now: () => now });
    await store.claim(delivery(1));
    now += 30_000;
    await store.claim(delivery(2));
    now += 40_000;
    expect(await store.get(delivery(1).id)).toBeDefined();
    await store.list({ limit: 10 });
    expect(store.size).toBe(1);
    expect(await store.get(delivery(2).id)).toBeDefined();
  });
});

const haveRedis = redisAvailable();

describe.runIf(haveRedis)("redis store", () => {
  let redis: RedisServer;
  let prefixCounter = 0;
  const makeStore = async () =>
    new RedisDeliveryStore({ url: redis.url, prefix: `test${++prefixCounter}:`, operationTimeoutMs: 1000, now: clock });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  storeContract("redis", makeStore);
  storeContract("redis", makeStore, YEAR_MS);

  it("stores records with the retention as their TTL, and the index in a sorted set", async () => {
    const store = new RedisDeliveryStore({ url: redis.url, prefix: "ttl:", retentionSeconds: 3600 });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const record = delivery(1, {}, Date.now());
      await store.claim(record);
      const ttl = await raw.ttl(`ttl:d:${record.id}`);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
      // Saving action states keeps the TTL.
      await store.save({ ...record, routing: "done" });
      expect(await raw.ttl(`ttl:d:${record.id}`)).toBeGreaterThan(3500);
      expect(await raw.zScore("ttl:index", record.id)).toBe(Date.parse(record.received_at));
      // Index entries older than the retention are pruned as new deliveries arrive.
      const old = delivery(2, {}, Date.now() - 7200_000);
      await store.claim(old);
      expect(await raw.zScore("ttl:index", old.id)).toBeNull();
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it("fails fast with 503 while Redis is down and recovers without a restart", async () => {
    const own = await startRedis();
    const store = new RedisDeliveryStore({ url: own.url, operationTimeoutMs: 1000 });
    try {
      expect(await store.claim(delivery(1))).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
      await own.kill();
      const started = Date.now();
      const failure = await store.claim(delivery(2)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RelayError);
      expect((failure as RelayError).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
      await own.restart();
      await expect.poll(() => store.claim(delivery(3)).then((r) => r.duplicate, () => "unavailable"), { timeout: 10_000 }).toBe(false);
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it("fails fast when Redis is down at the first call (cold start), then connects once it is up", async () => {
    const own = await startRedis();
    await own.kill();
    const store = new RedisDeliveryStore({ url: own.url, operationTimeoutMs: 3000 });
    try {
      const started = Date.now();
      const failure = await store.claim(delivery(1)).catch((error: unknown) => error);
      expect((failure as RelayError).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1000);
      await own.restart();
      expect(await store.claim(delivery(1))).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it("answers 503 from /api/webhook when Redis is down, then 200 once it is back", async () => {
    const own = await startRedis();
    const runtime = installTestRuntime({ REDIS_URL: own.url });
    const post = (runId: string) =>
      webhook.POST(
        new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
          method: "POST",
          body: JSON.stringify({ ...basePayload, run_id: runId }),
        }),
      );
    try {
      expect((await post("before")).status).toBe(200);
      await own.kill();
      const down = await post("during");
      expect(down.status).toBe(503);
      expect(((await down.json()) as { error: { code: string } }).error.code).toBe("store_unavailable");
      await own.restart();
      // LangGraph retries the refused callback; once Redis is back it is recorded.
      await expect.poll(async () => (await post("during")).status, { timeout: 10_000, interval: 200 }).toBe(200);
      const page = await runtime.store.list({ limit: 10 });
      expect(page.deliveries.map((d) => d.run_id).sort()).toEqual(["during"]);
    } finally {
      await runtime.idle();
      await runtime.store.close();
      setRuntime(undefined);
      await own.stop();
    }
  });
});
