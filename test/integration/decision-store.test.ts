// The decision store's contract (lib/stores/decision-store.ts), for memory and for a real redis-server:
// of many concurrent answers to one pause exactly one claim wins — across two clients, as two
// function instances would hold — the outcome replaces the claim without extending its life, a
// released claim can be taken again, and a marker is set once.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecisionRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { type DecisionStore, MemoryDecisionStore, RedisDecisionStore } from "../../lib/stores/decision-store.js";
import { type RedisServer, redisAvailable, startRedis } from "../support/redis.js";

const decision = (by: string): DecisionRecord => ({ channel: "slack", decision: "approve", by, at: new Date(0).toISOString() });
const freshId = () => deliveryIdFor(randomUUID(), "success");

function contract(kind: string, make: () => DecisionStore): void {
  describe(`${kind} decision store`, () => {
    it("lets exactly one of 50 concurrent claims win, and lists the winner's decision", async () => {
      const stores = [make(), make()];
      const id = freshId();
      const results = await Promise.all(Array.from({ length: 50 }, (_, index) => stores[index % 2]!.claim(id, decision(`user-${index}`), 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await stores[1]!.list(id)).toEqual([decision(`user-${winner}`)]);
    });

    it("settles the outcome on the claim, releases a claim for another answer, and marks once", async () => {
      const store = make();
      const id = freshId();
      expect(await store.list(id)).toEqual([]);
      expect(await store.claim(id, decision("ann"), 60)).toBe(true);
      await store.settle(id, { ...decision("ann"), run_id: "run-2" });
      expect(await store.list(id)).toEqual([{ ...decision("ann"), run_id: "run-2" }]);
      await store.release(id);
      expect(await store.claim(id, decision("bob"), 60)).toBe(true);
      expect(await store.mark(`remind:${id}`, 60)).toBe(true);
      expect(await store.mark(`remind:${id}`, 60)).toBe(false);
    });

    it("takes over a claim only while it is exactly the one seen (compare and set), once", async () => {
      const [a, b] = [make(), make()];
      const id = freshId();
      await a.claim(id, decision("ann"), 60);
      expect(await b.reclaim(id, decision("someone else"), decision("bob"))).toBe(false);
      const takeovers = await Promise.all([a.reclaim(id, decision("ann"), decision("bob")), b.reclaim(id, decision("ann"), decision("carl"))]);
      expect(takeovers.filter(Boolean)).toHaveLength(1);
      expect((await a.list(id))[0]?.by).toBe(takeovers[0] ? "bob" : "carl");
      expect(await a.reclaim(freshId(), decision("ann"), decision("bob"))).toBe(false);
    });
  });
}

contract("memory", (() => {
  const shared = new MemoryDecisionStore();
  return () => shared;
})());

describe("memory decision store bounds", () => {
  it("forgets a claim once its time is over", async () => {
    let now = 0;
    const store = new MemoryDecisionStore({ now: () => now });
    const id = freshId();
    expect(await store.claim(id, decision("ann"), 10)).toBe(true);
    now = 10_001;
    expect(await store.list(id)).toEqual([]);
    expect(await store.claim(id, decision("bob"), 10)).toBe(true);
  });
});

const hasRedis = redisAvailable();
describe.runIf(hasRedis)("Redis", () => {
  let redis: RedisServer;
  const stores: RedisDecisionStore[] = [];
  const prefix = `test:${process.pid}:hitl:`;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis.stop();
  });
  const make = () => {
    const store = new RedisDecisionStore({ url: redis.url, prefix });
    stores.push(store);
    return store;
  };

  contract("redis", make);

  it("keeps the claim's expiry when the outcome is settled", async () => {
    const store = make();
    const id = freshId();
    await store.claim(id, decision("ann"), 120);
    await store.settle(id, { ...decision("ann"), run_id: "r" });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const ttl = await raw.ttl(`${prefix}decision:${id}`);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    } finally {
      await raw.close();
    }
  });
});
