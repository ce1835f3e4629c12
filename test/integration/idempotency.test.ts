// The idempotency stores (memory and Redis) behind /api/trigger's Idempotency-Key: one claim wins,
// answers replay, failed starts release, entries expire, and Redis being down is a 503.
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayError } from "../../lib/shared/errors.js";
import type { IdempotencyStore } from "../../lib/stores/idempotency-store.js";
import { IDEMPOTENCY_TTL_SECONDS, IN_PROGRESS_LEASE_SECONDS } from "../../lib/stores/idempotency-store.js";
import { MemoryIdempotencyStore } from "../../lib/stores/memory-idempotency-store.js";
import { RedisIdempotencyStore } from "../../lib/stores/redis-idempotency-store.js";
import { type RedisServer, redisAvailable, startRedis } from "../support/redis.js";

const answer = { status: 202, body: { run_id: "r1", thread_id: null, assistant_id: "a", status: "pending" } };
let counter = 0;
const freshKey = () => `caller:${process.pid}:${Date.now()}:${counter++}`;

function contract(name: string, make: () => IdempotencyStore) {
  describe(`${name} idempotency store`, () => {
    it("lets exactly one of many concurrent claims win", async () => {
      const store = make();
      const key = freshKey();
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.claim(key, "f")));
      expect(outcomes.filter((o) => o.state === "claimed")).toHaveLength(1);
      expect(outcomes.filter((o) => o.state === "in_progress")).toHaveLength(19);
    });

    it("replays the stored answer with the request's fingerprint", async () => {
      const store = make();
      const key = freshKey();
      expect(await store.claim(key, "f1")).toEqual({ state: "claimed" });
      await store.complete(key, "f1", answer);
      expect(await store.claim(key, "f2")).toEqual({ state: "done", fingerprint: "f1", answer });
    });

    it("frees a released key for the next claim", async () => {
      const store = make();
      const key = freshKey();
      await store.claim(key, "f");
      await store.release(key);
      expect(await store.claim(key, "f")).toEqual({ state: "claimed" });
    });
  });
}

contract("memory", () => new MemoryIdempotencyStore());

describe("MemoryIdempotencyStore bounds", () => {
  it("keeps a claim that never got its answer for the whole window, and an answer for 24 hours", async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ now: () => now });
    await store.claim("a", "f");
    now += IN_PROGRESS_LEASE_SECONDS * 1000;
    // Past the lease the request is presumed dead, but it may have started a run: still reserved.
    expect(await store.claim("a", "f")).toEqual({ state: "in_progress", fingerprint: "f", started_at: 0 });
    now += IDEMPOTENCY_TTL_SECONDS * 1000;
    expect(await store.claim("a", "f")).toEqual({ state: "claimed" });
    await store.complete("a", "f", answer);
    now += IDEMPOTENCY_TTL_SECONDS * 1000 - 1;
    expect((await store.claim("a", "f")).state).toBe("done");
    now += 1;
    expect(await store.claim("a", "f")).toEqual({ state: "claimed" });
  });

  it("keeps at most maxEntries, evicting the oldest", async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    for (const key of ["a", "b", "c", "d"]) await store.claim(key, "f");
    expect(store.size).toBe(3);
    expect(await store.claim("a", "f")).toEqual({ state: "claimed" });
  });
});

const hasRedis = redisAvailable();
describe.runIf(hasRedis)("Redis", () => {
  let redis: RedisServer;
  const stores: RedisIdempotencyStore[] = [];
  const make = () => {
    const store = new RedisIdempotencyStore({ url: redis.url, prefix: `test:${process.pid}:` });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis.stop();
  });

  contract("redis", make);

  it("shares claims between instances (two clients, as two functions would)", async () => {
    const a = make();
    const b = make();
    const key = freshKey();
    expect(await a.claim(key, "f")).toEqual({ state: "claimed" });
    expect(await b.claim(key, "f")).toMatchObject({ state: "in_progress", fingerprint: "f" });
    await a.complete(key, "f", answer);
    expect(await b.claim(key, "f")).toEqual({ state: "done", fingerprint: "f", answer });
  });

  it("keeps a claim that never got its answer for the whole 24-hour window", async () => {
    const store = make();
    const key = freshKey();
    await store.claim(key, "f", Date.now());
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const ttl = await raw.ttl(`test:${process.pid}:${key}`);
      expect(ttl).toBeGreaterThan(IDEMPOTENCY_TTL_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECONDS);
    } finally {
      await raw.close();
    }
    expect(await store.claim(key, "f")).toMatchObject({ state: "in_progress", fingerprint: "f" });
  });

  it("answers 503 store_unavailable when Redis is down, then recovers", async () => {
    const store = make();
    const key = freshKey();
    await store.claim(key, "f");
    await redis.kill();
    try {
      const error = await store.claim(freshKey(), "f").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RelayError);
      expect((error as RelayError).status).toBe(503);
      expect((error as RelayError).message).toMatch(/idempotency store/);
    } finally {
      await redis.restart();
    }
    await expect.poll(async () => (await store.claim(freshKey(), "f").catch(() => undefined))?.state, { timeout: 10_000 }).toBe("claimed");
  });
});
