// What bounds the delivery stores (issue 11, "Bounded by bytes"): the memory store's byte budget, the
// stored payload's size cap through the real receiver, the Redis namespace per deployment environment
// (two stores on one real Redis), and filtered listings that read only the records of their page.
import { readFileSync } from "node:fs";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhook from "../../api/webhook.js";
import type { ActionState, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import type { RunPayload } from "../../lib/model/run-payload.js";
import { runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { redisNamespace } from "../../lib/stores/redis-namespace.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { installTestRuntime, TEST_STATIC_TOKEN } from "../support/runtime.js";

const basePayload: RunPayload = runPayloadSchema.parse(
  JSON.parse(readFileSync(new URL("../fixtures/thread_runs_create.json", import.meta.url), "utf8")),
);
// Times are offsets from now: records stay inside any retention window whatever the date.
const T0 = Date.now() - 3_600_000;

function delivery(n: number, overrides: Partial<RunPayload> = {}, receivedAt = T0 + n * 1000): DeliveryRecord {
  return newDeliveryRecord({ ...basePayload, run_id: `run-${n}`, ...overrides }, { receivedAt: new Date(receivedAt), auth: "static" });
}

function withAction(record: DeliveryRecord, state: ActionState): DeliveryRecord {
  record.actions = [{ name: "forward", type: "forward", state, attempts: [], updated_at: record.received_at }];
  return record;
}

describe("memory store byte budget", () => {
  it("evicts the oldest records while their JSON is over maxBytes", async () => {
    const store = new MemoryDeliveryStore({ maxBytes: 200 * 1024 });
    const big = (n: number) => delivery(n, { values: { text: "x".repeat(50 * 1024) } });
    for (let n = 0; n < 10; n++) await store.claim(big(n));
    expect(store.bytes).toBeLessThanOrEqual(200 * 1024);
    expect(store.size).toBe(3);
    expect(await store.get(big(6).id)).toBeUndefined();
    expect(await store.get(big(9).id)).toBeDefined();
  });

  it("keeps the newest record even when it alone is over the budget, so its repeat is still caught", async () => {
    const store = new MemoryDeliveryStore({ maxBytes: 1024, maxPayloadBytes: 1024 * 1024 });
    const record = delivery(1, { values: { text: "x".repeat(10 * 1024) } });
    await store.claim(record);
    expect(store.size).toBe(1);
    expect(await store.claim(structuredClone(record))).toEqual({ duplicate: true });
  });

  it("counts a save's new size", async () => {
    const store = new MemoryDeliveryStore();
    const record = delivery(1);
    await store.claim(record);
    const before = store.bytes;
    record.pause = { interrupts: [{ value: "y".repeat(10_000) }], next: ["human"] };
    await store.save(record);
    expect(store.bytes).toBeGreaterThan(before + 10_000);
  });

  it("takes MEMORY_STORE_MAX_MB and STORED_PAYLOAD_MAX_KB from the environment", async () => {
    const runtime = installTestRuntime({ MEMORY_STORE_MAX_MB: "0.5", STORED_PAYLOAD_MAX_KB: "8" });
    try {
      expect(runtime.config.memoryMaxBytes).toBe(512 * 1024);
      expect(runtime.config.storedPayloadMaxBytes).toBe(8 * 1024);
      const record = delivery(1, { values: { text: "x".repeat(20 * 1024) } });
      await runtime.store.claim(record);
      expect(record.payload_truncated?.max_bytes).toBe(8 * 1024);
    } finally {
      setRuntime(undefined);
    }
  });
});

describe("stored payload size cap through the receiver", () => {
  it("records a 1 MB callback cut to the cap, with what was cut, and answers as usual", async () => {
    const runtime = installTestRuntime({});
    try {
      const body = { ...basePayload, run_id: "big-run", values: { messages: ["m".repeat(1024 * 1024)] } };
      const response = await webhook.POST(
        new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, { method: "POST", body: JSON.stringify(body) }),
      );
      expect(response.status).toBe(200);
      const { delivery_id } = (await response.json()) as { delivery_id: string };
      await runtime.idle();
      const stored = await runtime.store.get(delivery_id);
      expect(stored?.payload_truncated).toMatchObject({ fields: ["values"], max_bytes: 256 * 1024 });
      expect(JSON.stringify(stored?.payload).length).toBeLessThan(256 * 1024);
      expect(stored?.payload).toMatchObject({ run_id: "big-run", thread_id: basePayload.thread_id });
    } finally {
      await runtime.idle();
      setRuntime(undefined);
    }
  });
});

describe("redis namespace of a deployment environment", () => {
  it("keeps the prefix of earlier versions in production and outside Vercel, and one per other environment", () => {
    expect(redisNamespace(undefined)).toBe("relay:");
    expect(redisNamespace("production")).toBe("relay:");
    expect(redisNamespace("preview")).toBe("relay:preview:");
    expect(redisNamespace("development")).toBe("relay:development:");
    expect(redisNamespace("Staging Env")).toBe("relay:staging-env:");
  });
});

const haveRedis = redisAvailable();

describe.runIf(haveRedis)("redis store: namespaces and indexes on a real Redis", () => {
  let redis: RedisServer;
  let raw: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startRedis();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close();
    await redis?.stop();
  });

  it("a preview store sharing production's Redis neither sees nor dedupes against production's records", async () => {
    const production = new RedisDeliveryStore({ url: redis.url, prefix: redisNamespace("production") });
    const preview = new RedisDeliveryStore({ url: redis.url, prefix: redisNamespace("preview") });
    try {
      const record = delivery(1);
      expect(await production.claim(structuredClone(record))).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
      // The same callback reaching preview is new there, and production's copy is unknown to it.
      expect(await preview.get(record.id)).toBeUndefined();
      expect((await preview.list({ limit: 10 })).deliveries).toEqual([]);
      expect((await preview.list({ limit: 10, filter: { run_id: "run-1" } })).deliveries).toEqual([]);
      expect(await preview.claim(structuredClone(record))).toMatchObject({ duplicate: false, lease: { item: expect.stringMatching(/^r\|dlv_/) } });
      expect(await production.claim(structuredClone(record))).toEqual({ duplicate: true });
      const onlyPreview = delivery(2);
      await preview.claim(onlyPreview);
      expect(await production.get(onlyPreview.id)).toBeUndefined();
      expect((await production.list({ limit: 10 })).deliveries.map((d) => d.id)).toEqual([record.id]);
      // Production keeps the keys of earlier versions, so the records they stored still read.
      expect(await raw.exists(`relay:d:${record.id}`)).toBe(1);
      expect(await raw.exists(`relay:preview:d:${onlyPreview.id}`)).toBe(1);
    } finally {
      await production.close();
      await preview.close();
    }
  });

  it("createRuntime puts a preview deployment's deliveries under relay:preview:", async () => {
    const runtime = installTestRuntime({ REDIS_URL: redis.url, VERCEL_ENV: "preview" });
    try {
      const record = delivery(3);
      await runtime.store.claim(record);
      expect(await raw.exists(`relay:preview:d:${record.id}`)).toBe(1);
      expect(runtime.ledger.kind).toBe("redis");
    } finally {
      await runtime.store.close();
      await runtime.ledger.close();
      setRuntime(undefined);
    }
  });

  it("moves a delivery between state sets in the save, and expires index sets with the retention", async () => {
    const store = new RedisDeliveryStore({ url: redis.url, prefix: "moves:", retentionSeconds: 3600 });
    try {
      const record = withAction(delivery(1, {}, Date.now()), "pending");
      await store.claim(record);
      expect(await raw.zScore("moves:x:state:pending", record.id)).toBe(Date.parse(record.received_at));
      expect(await raw.ttl("moves:x:state:pending")).toBeGreaterThan(3500);
      expect(await raw.ttl(`moves:x:thread:${record.thread_id}`)).toBeGreaterThan(3500);
      await store.save(withAction(record, "failed"));
      expect(await raw.zScore("moves:x:state:pending", record.id)).toBeNull();
      expect(await raw.zScore("moves:x:state:failed", record.id)).toBe(Date.parse(record.received_at));
      // A save of a record that has expired writes no index entry.
      const ghost = withAction(delivery(2, {}, Date.now()), "failed");
      await store.save(ghost);
      expect(await raw.zScore("moves:x:state:failed", ghost.id)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("still lists, with filters, records stored by the version without indexes", async () => {
    const prefix = "legacy:";
    // As the previous version stored them: the record, and its id in the main index; nothing else.
    const old = [withAction(delivery(10), "failed"), withAction(delivery(11), "succeeded"), withAction(delivery(12), "failed")];
    for (const record of old) {
      await raw.set(`${prefix}d:${record.id}`, JSON.stringify(record), { expiration: { type: "EX", value: 3600 } });
      await raw.zAdd(`${prefix}index`, { score: Date.parse(record.received_at), value: record.id });
    }
    const store = new RedisDeliveryStore({ url: redis.url, prefix });
    try {
      expect((await store.list({ limit: 10, filter: { action_state: "failed" } })).deliveries.map((d) => d.run_id)).toEqual([
        "run-12",
        "run-10",
      ]);
      // New deliveries are indexed; a filtered page spans the new ones and the old ones, in order.
      for (const n of [20, 21, 22]) await store.claim(withAction(delivery(n), n === 21 ? "succeeded" : "failed"));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 1, cursor, filter: { action_state: "failed" } });
        seen.push(...page.deliveries.map((d) => d.run_id));
        cursor = page.nextCursor;
      } while (cursor !== undefined && seen.length < 10);
      expect(seen).toEqual(["run-22", "run-20", "run-12", "run-10"]);
    } finally {
      await store.close();
    }
  });

  it("reads only the page's records for a filtered page, not every record", async () => {
    const prefix = "bytes:";
    const store = new RedisDeliveryStore({ url: redis.url, prefix });
    const count = 200;
    try {
      for (let n = 0; n < count; n++) {
        const record = delivery(1000 + n, { values: { text: "v".repeat(20_000) } });
        await store.claim(withAction(record, n % 50 === 0 ? "failed" : "succeeded"));
      }
      const outputBytes = async () => Number(/total_net_output_bytes:(\d+)/.exec(await raw.info("stats"))?.[1]);
      const before = await outputBytes();
      const page = await store.list({ limit: 50, filter: { action_state: "failed" } });
      const read = (await outputBytes()) - before;
      expect(page.deliveries).toHaveLength(count / 50);
      // Four records of ~20 kB, their ids, and one INFO reply: far from the 4 MB of all 200 records.
      expect(read).toBeLessThan(6 * 20_000);
      expect(read).toBeGreaterThan((count / 50) * 20_000);
    } finally {
      await store.close();
    }
  });
});
