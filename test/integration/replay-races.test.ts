// Replays and redrives that race other holders of an action (ported from an outside review). Each
// reads the delivery before it takes the action's lease; whatever ran the action in between — another
// replay, the sweep — must neither be run again nor be erased from the record. Against the memory
// store and a real Redis.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayDelivery } from "../../lib/inspector/replay.js";
import { redriveDeadActions } from "../../lib/inspector/redrive.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import type { Router } from "../../lib/routing/index.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import type { Lease } from "../../lib/stores/due-work.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { deliveryFrom, testRuntime, type LoggedRuntime } from "../support/routing.js";

const hasRedis = redisAvailable();
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const stores: { name: string; enabled: boolean; make: () => DeliveryStore }[] = [
  { name: "memory store", enabled: true, make: () => new MemoryDeliveryStore() },
  {
    name: "Redis store",
    enabled: hasRedis,
    make: () => new RedisDeliveryStore({ url: redis?.url ?? "redis://127.0.0.1:1", prefix: `races-${randomBytes(4).toString("hex")}:` }),
  },
];

/** A promise and the function that settles it: a gate a test opens when it is ready. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

interface Setup {
  store: DeliveryStore;
  runtime: LoggedRuntime;
  router: Router;
  delivery: DeliveryRecord;
  /** Each attempt the action really ran: its number and whether it was a replay. */
  calls: string[];
  setFailing: (failing: boolean) => void;
  /** The claim's lease on routing the delivery. */
  lease: Lease | undefined;
}

/** One claimed delivery with one custom action, failing until told otherwise (RETRY_SCHEDULE=0: no retries). */
async function deadAction(store: DeliveryStore, retry?: { schedule: string; timeoutMs: number }): Promise<Setup> {
  const runtime = testRuntime({ RETRY_SCHEDULE: "0" }, { store });
  const calls: string[] = [];
  let failing = true;
  const router = defineRoutes(
    [
      {
        on: "*",
        actions: [
          custom({
            name: "start-follow-up",
            ...(retry === undefined ? {} : { retry }),
            handler: async (_event, context) => {
              calls.push(`attempt ${context.attempt} replay=${String(context.replay)}`);
              if (failing) throw new Error("down");
            },
          }),
        ],
      },
    ],
    { envDefaults: false },
  );
  const delivery = deliveryFrom("error_graph_create", { run_id: `run-${randomBytes(4).toString("hex")}` });
  delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date().toISOString() };
  delivery.actions = router.plan(delivery, runtime);
  const { lease } = await store.claim(delivery);
  return { store, runtime, router, delivery, calls, setFailing: (value) => (failing = value), lease };
}

async function attemptsOf(store: DeliveryStore, id: string): Promise<{ state: string | undefined; numbers: number[] }> {
  const action = (await store.get(id))?.actions[0];
  return { state: action?.state, numbers: action?.attempts.map((attempt) => attempt.number) ?? [] };
}

describe.each(stores)("replay and redrive races with the $name", ({ enabled, make }) => {
  it("two replays of one failed action, the second taking its lease after the first has finished: run once", async (context) => {
    if (!enabled) context.skip();
    const setup = await deadAction(make());
    const { store, runtime, router, delivery, calls, lease } = setup;
    await router.dispatch(delivery, runtime, { deadline: runtime.now() + 5_000, lease });
    await runtime.idle();
    expect(await attemptsOf(store, delivery.id)).toEqual({ state: "failed", numbers: [1] });
    setup.setFailing(false);
    // The second replay's lease request goes out later (a slower instance): the first has let go by then.
    const acquire = store.acquire.bind(store);
    let asked = 0;
    store.acquire = async (...args) => {
      if (asked++ === 1) await new Promise((resolve) => setTimeout(resolve, 150));
      return acquire(...args);
    };
    await Promise.all([replayDelivery(delivery.id, {}, runtime, router), replayDelivery(delivery.id, {}, runtime, router)]);
    expect(calls).toEqual(["attempt 1 replay=false", "attempt 2 replay=true"]);
    expect(await attemptsOf(store, delivery.id)).toEqual({ state: "succeeded", numbers: [1, 2] });
    await store.close();
  }, 30_000);

  for (const sweepSucceeds of [false, true]) {
    it(`a sweep that runs the action between replay's read and its lease (and ${sweepSucceeds ? "succeeds" : "fails"}) keeps its attempt`, async (context) => {
      if (!enabled) context.skip();
      const setup = await deadAction(make(), { schedule: "200ms,200ms,200ms,200ms", timeoutMs: 500 });
      const { store, runtime, router, delivery, calls, lease } = setup;
      // The receiver has time for the first attempt only: the retry is left to the sweep.
      await router.dispatch(delivery, runtime, { deadline: runtime.now() + 400, lease });
      await runtime.idle();
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await attemptsOf(store, delivery.id)).toEqual({ state: "pending", numbers: [1] });
      const acquire = store.acquire.bind(store);
      const entered = gate();
      const released = gate();
      store.acquire = async (...args) => {
        entered.open();
        await released.opened;
        return acquire(...args);
      };
      const replaying = replayDelivery(delivery.id, { budgetMs: 2_000 }, runtime, router);
      await entered.opened;
      setup.setFailing(!sweepSucceeds);
      await runSweep(runtime, router, { deadline: runtime.now() + 400, steps: [] });
      setup.setFailing(false);
      released.open();
      await replaying;
      store.acquire = acquire;
      const after = await attemptsOf(store, delivery.id);
      expect(new Set(after.numbers).size).toBe(after.numbers.length);
      expect(after.numbers).toHaveLength(calls.length);
      expect(after.state).toBe("succeeded");
      if (sweepSucceeds) expect(calls.filter((call) => call.includes("replay=true"))).toEqual([]);
      await store.close();
    }, 30_000);
  }

  it("a redrive that listed a dead action before a replay made it succeed leaves it succeeded, not run again", async (context) => {
    if (!enabled) context.skip();
    const setup = await deadAction(make());
    const { store, runtime, router, delivery, calls, lease } = setup;
    await router.dispatch(delivery, runtime, { deadline: runtime.now() + 5_000, lease });
    await runtime.idle();
    expect(await attemptsOf(store, delivery.id)).toEqual({ state: "failed", numbers: [1] });
    setup.setFailing(false);
    // The redrive has read its page of dead actions; the replay runs before it writes anything.
    const list = store.list.bind(store);
    const listed = gate();
    const released = gate();
    store.list = async (...args) => {
      const page = await list(...args);
      listed.open();
      await released.opened;
      return page;
    };
    const redriving = redriveDeadActions({}, runtime, router);
    await listed.opened;
    await replayDelivery(delivery.id, {}, runtime, router);
    expect(await attemptsOf(store, delivery.id)).toEqual({ state: "succeeded", numbers: [1, 2] });
    released.open();
    expect((await redriving).redriven).toBe(0);
    store.list = list;
    await runSweep(runtime, router, { deadline: runtime.now() + 3_000, steps: [] });
    expect(calls).toEqual(["attempt 1 replay=false", "attempt 2 replay=true"]);
    expect(await attemptsOf(store, delivery.id)).toEqual({ state: "succeeded", numbers: [1, 2] });
    await store.close();
  }, 30_000);
});
