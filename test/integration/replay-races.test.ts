// Replays and redrives that race other holders of an action (ported from an outside review). Each
// reads the delivery before it takes the action's lease; whatever ran the action in between — another
// replay, the sweep — must neither be run again nor be erased from the record. Against the memory
// store and a real Redis; and, on Redis, many sweeps, the drain and replays at once over one target.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { replayDelivery } from "../../lib/inspector/replay.js";
import { redriveDeadActions } from "../../lib/inspector/redrive.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import type { Router } from "../../lib/routing/index.js";
import { custom, defineRoutes, forward } from "../../lib/routing/index.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import type { Lease } from "../../lib/stores/due-work.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { drainSoon } from "../../lib/sweep/drain.js";
import { deliveryFrom, newSecret, testRuntime, type LoggedRuntime } from "../support/routing.js";
import { storesUnderTest } from "../support/stores.js";

const { stores, hasRedis, redisUrl } = storesUnderTest("races");

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

describe("sweeps, the drain and replays at once", () => {
  it("6 sweeps, the drain and 20 replays over 300 due forwards: no webhook-id in flight twice, no attempt number twice, all delivered", async (context) => {
    if (!hasRedis) context.skip();
    const inFlight = new Map<string, number>();
    const accepted = new Map<string, number>();
    let overlap = 0;
    let down = true;
    const server = http.createServer((request, response) => {
      const id = String(request.headers["webhook-id"]);
      request.resume();
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      if ((inFlight.get(id) ?? 0) > 1) overlap += 1;
      setTimeout(() => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        if (down) {
          response.writeHead(503).end();
        } else {
          accepted.set(id, (accepted.get(id) ?? 0) + 1);
          response.writeHead(200).end("ok");
        }
      }, 30);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const address = server.address() as AddressInfo;
    const store = new RedisDeliveryStore({ url: redisUrl(), prefix: `six-${randomBytes(4).toString("hex")}:` });
    const runtimes = Array.from({ length: 7 }, () => testRuntime({ RETRY_SCHEDULE: "300ms,300ms,300ms,300ms,300ms" }, { store }));
    const receiving = runtimes[0] as LoggedRuntime;
    const retry = { schedule: "300ms,300ms,300ms,300ms,300ms", timeoutMs: 2_000 };
    const router = defineRoutes([{ on: "*", actions: [forward({ name: "out", url: `http://127.0.0.1:${address.port}/in`, secret: newSecret(), retry })] }], {
      envDefaults: false,
    });
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 300 }, async (_, index) => {
        const delivery = deliveryFrom("error_graph_create", { run_id: `run-${index}-${randomBytes(3).toString("hex")}` });
        delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date().toISOString() };
        delivery.actions = router.plan(delivery, receiving);
        const { lease } = await store.claim(delivery);
        await router.dispatch(delivery, receiving, { deadline: receiving.now() + 300, lease });
        ids.push(delivery.id);
      }),
    );
    await receiving.idle();
    down = false;
    await new Promise((resolve) => setTimeout(resolve, 350));
    const sweeps = runtimes.slice(1).map((runtime) => runSweep(runtime, router, { deadline: runtime.now() + 8_000, steps: [] }));
    drainSoon(receiving, router, receiving.now() + 8_000);
    const replays = ids.slice(0, 20).map((id, index) =>
      replayDelivery(id, { budgetMs: 3_000 }, runtimes[1 + (index % 6)] as LoggedRuntime, router).catch((error: unknown) => String(error)),
    );
    await Promise.all(sweeps);
    await Promise.all(replays);
    await Promise.all(runtimes.map((runtime) => runtime.idle()));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await runSweep(receiving, router, { deadline: receiving.now() + 8_000, steps: [] }); // stragglers
    let repeatedNumbers = 0;
    let notSucceeded = 0;
    for (const id of ids) {
      const action = (await store.get(id))?.actions[0];
      const numbers = action?.attempts.map((attempt) => attempt.number) ?? [];
      if (new Set(numbers).size !== numbers.length) repeatedNumbers += 1;
      if (action?.state !== "succeeded") notSucceeded += 1;
    }
    server.close();
    await store.close();
    expect(overlap).toBe(0);
    expect(repeatedNumbers).toBe(0);
    expect(notSucceeded).toBe(0);
    expect(accepted.size).toBe(300);
  }, 120_000);
});
