// RETRY_SCHEDULE and the retry options of routes and actions: parsed once with units, refused with a
// message naming the variable or option; Retry-After honoured up to the schedule's longest step;
// the 64-attempts bound held for an action that ignores its abort signal.
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE, loadConfig, parseRetrySchedule } from "../../lib/config/env.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { resolvePolicy, retryDelayMs } from "../../lib/routing/retry-policy.js";
import { ATTEMPTS_IN_FLIGHT } from "../../lib/routing/slots.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import type { Action } from "../../lib/routing/action.js";
import { pendingRecord } from "../../lib/routing/match.js";
import { runAction } from "../../lib/routing/runner.js";
import { eventOf } from "../../lib/model/events.js";
import { deliveryFrom, logsOf, testRuntime } from "../support/routing.js";

describe("RETRY_SCHEDULE", () => {
  it("reads delays with units, and spans at least 24 hours by default", () => {
    expect(parseRetrySchedule("500ms, 5s,1m,2h,1d")).toEqual([500, 5_000, 60_000, 7_200_000, 86_400_000]);
    const defaults = loadConfig({}).retrySchedule;
    expect(defaults).toEqual(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE));
    expect(defaults.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(loadConfig({ RETRY_SCHEDULE: "0" }).retrySchedule).toEqual([]);
  });

  it.each([
    ["5", /RETRY_SCHEDULE.*delay #1 \("5"\) must be a whole number and a unit/],
    ["5s,,1m", /delay #2 \(""\)/],
    ["5s,1w", /delay #2 \("1w"\)/],
    ["8d", /at most 7d/],
    [Array(51).fill("1s").join(","), /at most 50 delays/],
  ])("refuses %s with a message naming the variable", (value, message) => {
    expect(() => loadConfig({ RETRY_SCHEDULE: value })).toThrow(message);
  });

  it("lets an action set its own schedule, checked when the routes load", () => {
    const own = custom({ name: "own", handler: () => undefined, retry: { schedule: "1s,1m" } });
    expect(resolvePolicy(own.retry, [5_000]).delays).toEqual([1_000, 60_000]);
    expect(() => custom({ name: "bad", handler: () => undefined, retry: { schedule: "soon" } })).toThrow(/action "bad": retry option `schedule` delay #1/);
    // The earlier backoff options still mean what they meant; no options: the deployment's schedule.
    expect(resolvePolicy({ retries: 2, minDelayMs: 100 }, [5_000]).delays).toEqual([100, 200]);
    expect(resolvePolicy({}, [5_000, 60_000]).delays).toEqual([5_000, 60_000]);
  });

  it("honours Retry-After up to the schedule's longest step", () => {
    const policy = resolvePolicy({}, [5_000, 600_000]);
    expect(retryDelayMs(policy, 1, () => 0, 30_000)).toBe(30_000);
    expect(retryDelayMs(policy, 1, () => 0, 3_600_000)).toBe(600_000);
    expect(retryDelayMs(policy, 1, () => 0, 1_000)).toBe(5_000);
    expect(retryDelayMs(policy, 3, () => 0)).toBeUndefined();
  });
});

describe("an action's own schedule in milliseconds (ported from the outside review)", () => {
  it("caps each step at 7 days like the string form, refused when the routes load, naming the option", () => {
    const week = 7 * 86_400_000;
    expect(() => custom({ name: "huge", handler: () => undefined, retry: { schedule: [1e16] } })).toThrow(/action "huge": retry option `schedule`.*each at most 7 days/);
    expect(() => custom({ name: "eight", handler: () => undefined, retry: { schedule: [1_000, week + 1] } })).toThrow(/at most 7 days/);
    expect(() => custom({ name: "late", handler: () => undefined, retry: { maxRetryAfterMs: 1e16 } })).toThrow(/`maxRetryAfterMs` must be at most 7 days/);
    const plain = custom({ name: "plain", handler: () => undefined });
    expect(() => defineRoutes([{ on: "*", retry: { schedule: [1e16] }, actions: [plain] }])).toThrow(/route #1: retry option `schedule`/);
    expect(resolvePolicy(custom({ name: "week", handler: () => undefined, retry: { schedule: [week] } }).retry, [5_000]).delays).toEqual([week]);
  });

  it('takes schedule "0" as no retries, as RETRY_SCHEDULE=0 does: one attempt, then dead', async () => {
    let calls = 0;
    const once = custom({ name: "once", retry: { schedule: "0" }, handler: () => {
      calls += 1;
      throw new Error("down");
    } });
    expect(resolvePolicy(once.retry, [5_000]).delays).toEqual([]);
    const runtime = testRuntime({}, { store: new MemoryDeliveryStore(), sleep: async () => undefined });
    const router = defineRoutes([{ on: "*", actions: [once] }], { envDefaults: false });
    const delivery = deliveryFrom("error_graph_create", { run_id: "run-schedule-0" });
    delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date().toISOString() };
    delivery.actions = router.plan(delivery, runtime);
    const { lease } = await runtime.store.claim(delivery);
    await router.dispatch(delivery, runtime, { deadline: runtime.now() + 5_000, lease });
    await runtime.idle();
    expect(calls).toBe(1);
    expect((await runtime.store.get(delivery.id))?.actions[0]).toMatchObject({ state: "failed", attempts: [{ number: 1, ok: false }] });
  });

  it("keeps a retry time writable whatever options reach the runner unchecked; runAction never throws", async () => {
    const runaway = { delays: [1_000], jitter: false, timeoutMs: 1_000, maxRetryAfterMs: 1e16 };
    expect(retryDelayMs(runaway, 1, () => 0, 1e16)).toBe(7 * 86_400_000);
    // An action object made by hand, never checked: the run ends, logged, rather than throwing.
    const runtime = testRuntime({}, { store: new MemoryDeliveryStore() });
    const unchecked: Action = { type: "custom", name: "unchecked", retry: { schedule: [1e16] }, attempt: async () => undefined };
    const record = pendingRecord(unchecked, runtime.now());
    const outcome = runAction(unchecked, record, eventOf(deliveryFrom("error_graph_create")), {
      runtime,
      delivery_id: "d-unchecked",
      deadline: runtime.now() + 2_000,
      replay: false,
      lease: undefined,
    });
    await expect(outcome).resolves.toBe("lost");
    expect(logsOf(runtime, "action run failed; the sweep takes it again once its lease runs out")).toMatchObject([{ level: "error", action: "unchecked" }]);
  });
});

describe("the attempts-in-flight bound", () => {
  it("holds for an action that ignores its abort signal: a timed-out attempt keeps its slot until it settles", async () => {
    const runtime = testRuntime({ RETRY_SCHEDULE: "0" }, { store: new MemoryDeliveryStore() });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const stubborn = custom({
      name: "stubborn",
      retry: { timeoutMs: 20 },
      // Ignores context.signal: keeps going long after its timeout.
      handler: () =>
        new Promise<void>((resolve) => {
          running += 1;
          most = Math.max(most, running);
          releases.push(() => {
            running -= 1;
            resolve();
          });
        }),
    });
    const router = defineRoutes([{ on: "*", actions: [stubborn] }], { envDefaults: false });
    const total = ATTEMPTS_IN_FLIGHT + 16;
    for (let i = 0; i < total; i++) {
      const delivery = deliveryFrom("error_graph_create", { run_id: `stubborn-${i}` });
      delivery.actions = router.plan(delivery, runtime);
      await runtime.store.claim(delivery);
      delivery.routing = "done";
      const commit = await runtime.store.commitPlan(delivery, undefined, runtime.now(), 60_000);
      for (const entry of commit?.actions ?? []) await runtime.store.release(entry.lease, runtime.now());
    }
    const counts = await runSweep(runtime, router, { deadline: Date.now() + 1_500, steps: [] });
    expect(most).toBe(ATTEMPTS_IN_FLIGHT);
    expect(counts.attempted).toBe(ATTEMPTS_IN_FLIGHT);
    for (const release of releases.splice(0)) release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(running).toBe(0);
  });
});

describe("a route's retry options", () => {
  it("apply to its actions under their own; an action that says how it retries keeps it", () => {
    const plain = custom({ name: "plain", handler: () => undefined });
    const own = custom({ name: "own", handler: () => undefined, retry: { retries: 0 } });
    const router = defineRoutes([{ on: "*", retry: { schedule: "1m,1h", timeoutMs: 2_000 }, actions: [plain, own] }], { envDefaults: false });
    const runtime = testRuntime();
    const [first, second] = router.actionsFor(deliveryFrom("error_graph_create"), runtime);
    expect(resolvePolicy(first?.retry ?? {}, [5_000])).toMatchObject({ delays: [60_000, 3_600_000], timeoutMs: 2_000 });
    expect(resolvePolicy(second?.retry ?? {}, [5_000])).toMatchObject({ delays: [], timeoutMs: 2_000 });
    expect(() => defineRoutes([{ on: "*", retry: { schedule: "later" }, actions: [plain] }])).toThrow(/route #1: retry option `schedule`/);
    // The same action in another route (without options) is still one action.
    expect(() => defineRoutes([{ on: "*", retry: { schedule: "1m" }, actions: [plain] }, { on: "run.error", actions: [plain] }])).not.toThrow();
  });
});
