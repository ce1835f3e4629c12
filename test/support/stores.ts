// Delivery stores in tests: the stores a contract runs on (memory and a real Redis), and a store
// wrapped by a test that replaces some of its methods (the due-work, lease and per-action methods
// delegated to the store underneath, so the wrapper only names what it changes).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { redisAvailable, startRedis, type RedisServer } from "./redis.js";

export type DurableMethods = Pick<DeliveryStore, "commitPlan" | "commitAction" | "claimDue" | "acquire" | "release" | "extend" | "dueCount">;

export function durableOf(inner: DeliveryStore): DurableMethods {
  return {
    commitPlan: (record, lease, now, ms) => inner.commitPlan(record, lease, now, ms),
    commitAction: (id, record, lease, next, now) => inner.commitAction(id, record, lease, next, now),
    claimDue: (now, limit, ms) => inner.claimDue(now, limit, ms),
    acquire: (item, now, ms) => inner.acquire(item, now, ms),
    release: (lease, at) => inner.release(lease, at),
    extend: (lease, until) => inner.extend(lease, until),
    dueCount: () => inner.dueCount(),
  };
}

/** A delivery store a contract runs against: `make` gives a fresh one (its own Redis namespace). */
export interface StoreUnderTest {
  name: string;
  enabled: boolean;
  make: () => DeliveryStore;
}

/**
 * The delivery stores a test file runs its cases on: memory, and Redis on a redis-server started for
 * the file (beforeAll/afterAll registered here; disabled where redis-server is missing, which
 * test/support/redis.ts makes a failure under CI). Call at the top level of the test file.
 */
export function storesUnderTest(prefix: string): { stores: StoreUnderTest[]; hasRedis: boolean; redisUrl: () => string } {
  const hasRedis = redisAvailable();
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (hasRedis) redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const redisUrl = () => redis?.url ?? "redis://127.0.0.1:1";
  const stores: StoreUnderTest[] = [
    { name: "memory store", enabled: true, make: () => new MemoryDeliveryStore() },
    {
      name: "Redis store",
      enabled: hasRedis,
      make: () => new RedisDeliveryStore({ url: redisUrl(), prefix: `${prefix}-${randomBytes(4).toString("hex")}:` }),
    },
  ];
  return { stores, hasRedis, redisUrl };
}
