// Unanswered pauses on a real redis-server: the pause's due item (`p|<delivery id>`, scheduled when
// the run.paused delivery is routed) lives in the Redis due-work index beside the actions' items,
// is taken by the sweep once its time is up — by one of two sweeps running at once — and is gone after.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineRoutes, slack } from "../../lib/routing/index.js";
import type { StartRunRequest } from "../../lib/runtime/runtime.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { deliveryFrom, TestReceiver, testRuntime } from "../support/routing.js";

const HITL_STATE = { next: ["ask"], tasks: [{ id: "t1", name: "ask", error: null, interrupts: [{ id: "i1", value: { question: "Approve?" } }] }] };
const HOUR = 3_600_000;

const hasRedis = redisAvailable();
let redis: RedisServer | undefined;
const receiver = new TestReceiver();
beforeAll(async () => {
  await receiver.listen();
  if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  await receiver.close();
});

describe.skipIf(!hasRedis)("unanswered pauses on Redis", () => {
  it("are due items in Redis: not due before their time, decided once by two sweeps at once, then gone", async () => {
    let clock = Date.now();
    const now = () => clock;
    const store = new RedisDeliveryStore({ url: redis?.url ?? "redis://127.0.0.1:1", prefix: `hitl-unanswered-${randomBytes(4).toString("hex")}:`, now });
    const started: StartRunRequest[] = [];
    const runtime = testRuntime(
      {},
      {
        store,
        now,
        readThreadState: async () => HITL_STATE,
        startRun: async (request) => {
          started.push(request);
          await new Promise((resolve) => setTimeout(resolve, 20));
          return { run_id: `resumed-${started.length}`, thread_id: request.thread_id ?? null, assistant_id: request.assistant_id, status: "pending" };
        },
      },
    );
    const router = defineRoutes([{ on: "run.paused", unanswered: { after: "1h", then: "approve" }, actions: [slack({ url: receiver.url })] }], { envDefaults: false });
    try {
      const delivery = deliveryFrom("hitl_interrupt");
      delivery.received_at = new Date(clock).toISOString();
      delivery.actions = router.plan(delivery, runtime);
      await store.claim(delivery);
      await router.dispatch(delivery, runtime);
      expect((await store.get(delivery.id))?.event).toBe("run.paused");
      expect(await store.dueCount()).toBe(1);

      clock += HOUR - 1000;
      expect(await runSweep(runtime, router, { deadline: clock + 10_000, steps: [] })).toMatchObject({ timed_out: 0 });
      expect(await store.dueCount()).toBe(1);

      clock += 2000;
      const both = await Promise.all([1, 2].map(() => runSweep(runtime, router, { deadline: clock + 10_000, steps: [] })));
      expect(both.map((counts) => counts["timed_out"]).sort()).toEqual([0, 1]);
      expect(started).toHaveLength(1);
      expect(await runtime.decisions.list(delivery.id)).toEqual([expect.objectContaining({ channel: "timeout", run_id: "resumed-1" })]);
      expect(await store.dueCount()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
