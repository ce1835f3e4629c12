// Dead letters and replay: a forward that exhausted its retries stays failed on the record; once the
// receiver is fixed, replayDelivery runs it again, attempt numbers continue and the new attempts are
// marked `replay`. Against the memory store and a real Redis. Records stored by the previous version
// (the chain action's type was `start_run`) are listed, shown and replayed as `chain`.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { RelayError } from "../../lib/shared/errors.js";
import { replayDelivery } from "../../lib/inspector/replay.js";
import type { Router } from "../../lib/routing/index.js";
import { chain, custom, defineRoutes, forward } from "../../lib/routing/index.js";
import { handleDeliveriesGet, handleDeliveriesPost } from "../../lib/handlers/deliveries.js";
import type { StartRunRequest } from "../../lib/runtime/runtime.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { deliveryFrom, newSecret, recordingSleep, TestReceiver, testRuntime, type LoggedRuntime } from "../support/routing.js";
import { storesUnderTest } from "../support/stores.js";

const SECRET = newSecret();
const { stores } = storesUnderTest("replay-test");

describe.each(stores)("replay with the $name", ({ enabled, make }) => {
  let receiver: TestReceiver;
  let runtime: LoggedRuntime;
  let store: DeliveryStore;
  let router: Router;
  let alsoRan: string[];

  beforeEach(async (context) => {
    if (!enabled) context.skip();
    receiver = await new TestReceiver(SECRET).listen();
    store = make();
    runtime = testRuntime({}, { store, sleep: recordingSleep().sleep });
    alsoRan = [];
    router = defineRoutes([
      {
        on: "*",
        actions: [
          forward({ url: `${receiver.url}/in`, secret: SECRET, retry: { retries: 1 } }),
          custom({ name: "audit", handler: (event) => void alsoRan.push(event.run_id) }),
        ],
      },
    ]);
  });
  afterEach(async () => {
    await receiver?.close();
    await store?.close();
  });

  async function deliverFailing(): Promise<DeliveryRecord> {
    receiver.respond = () => ({ status: 503, body: "down for maintenance" });
    const delivery = deliveryFrom("thread_runs_create", { run_id: `run-${randomBytes(4).toString("hex")}` });
    delivery.actions = router.plan(delivery, runtime);
    await store.claim(delivery);
    await router.dispatch(delivery, runtime);
    const stored = await store.get(delivery.id);
    if (stored === undefined) throw new Error("not stored");
    return stored;
  }

  it("keeps an exhausted forward as failed, then replays it to success with attempts counted", async () => {
    const failed = await deliverFailing();
    expect(failed.routing).toBe("done");
    const dead = failed.actions.find((action) => action.name === "forward");
    expect(dead).toMatchObject({ state: "failed", last_error: "Forward endpoint " + new URL(receiver.url).origin + " answered 503: down for maintenance" });
    expect(dead?.attempts.map((attempt) => attempt.number)).toEqual([1, 2]);
    expect(failed.actions.find((action) => action.name === "audit")?.state).toBe("succeeded");

    receiver.respond = () => ({ status: 200 });
    const replayed = await replayDelivery(failed.id, {}, runtime, router);
    const forwardRecord = replayed.actions.find((action) => action.name === "forward");
    expect(forwardRecord?.state).toBe("succeeded");
    expect(forwardRecord?.last_error).toBeUndefined();
    expect(forwardRecord?.attempts.map((attempt) => [attempt.number, attempt.ok, attempt.replay ?? false])).toEqual([
      [1, false, false],
      [2, false, false],
      [3, true, true],
    ]);
    // Only the failed action ran again.
    expect(alsoRan).toHaveLength(1);
    // The receiver can deduplicate: every attempt, replay included, carried the same webhook-id.
    expect(receiver.requests.map((request) => request.headers["webhook-id"])).toEqual(
      Array(3).fill(forwardMessageId(failed.id, "forward")),
    );
    expect(receiver.requests.every((request) => request.verified === true)).toBe(true);
    // What the store holds is what replay returned.
    expect(await store.get(failed.id)).toEqual(replayed);
    expect(runtime.entries.filter((line) => line["msg"] === "action succeeded" && line["replay"] === true)).toHaveLength(1);
  });

  it("replays one named action whatever its state, and nothing when nothing failed", async () => {
    const failed = await deliverFailing();
    receiver.respond = () => ({ status: 200 });
    const once = await replayDelivery(failed.id, { action: "audit" }, runtime, router);
    expect(once.actions.find((action) => action.name === "audit")?.attempts.map((attempt) => attempt.number)).toEqual([1, 2]);
    expect(once.actions.find((action) => action.name === "forward")?.state).toBe("failed");
    expect(alsoRan).toHaveLength(2);

    const fixed = await replayDelivery(failed.id, {}, runtime, router);
    expect(fixed.actions.every((action) => action.state === "succeeded")).toBe(true);
    const unchanged = await replayDelivery(failed.id, {}, runtime, router);
    expect(unchanged).toEqual(fixed);
    expect(receiver.requests).toHaveLength(3);
  });

  it("answers 404 for an unknown delivery or action, 409 for an action the routes no longer define", async () => {
    const failed = await deliverFailing();
    const expectRelayError = async (promise: Promise<unknown>, status: number, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(RelayError);
      expect(error).toMatchObject({ status, message: expect.stringMatching(message) });
    };
    await expectRelayError(replayDelivery("dlv_000000000000000000000000", {}, runtime, router), 404, /No delivery dlv_0+ \(unknown, or expired\)/);
    await expectRelayError(replayDelivery("../etc/passwd", {}, runtime, router), 404, /^No delivery with that id\.$/);
    await expectRelayError(replayDelivery(failed.id, { action: "nope" }, runtime, router), 404, /has no action named "nope"/);
    const edited = defineRoutes([{ on: "*", actions: [custom({ name: "audit", handler: () => undefined })] }]);
    await expectRelayError(replayDelivery(failed.id, { action: "forward" }, runtime, edited), 409, /no longer defined/);
  });
});

describe.each(stores)("a chain record the previous version stored (type start_run), with the $name", ({ enabled, make }) => {
  let store: DeliveryStore;
  beforeEach((context) => {
    if (!enabled) context.skip();
    store = make();
  });
  afterEach(async () => {
    await store?.close();
  });

  it("is listed, shown and replayed as a chain action", async () => {
    const starts: StartRunRequest[] = [];
    const runtime = testRuntime(
      { TRIGGER_TOKEN: "inspector-trigger-token-0123456789abcdef" },
      {
        store,
        startRun: async (request) => {
          starts.push(request);
          return { run_id: "run-next", thread_id: "thread-next", assistant_id: request.assistant_id, status: "pending" };
        },
      },
    );
    const router = defineRoutes([{ on: "run.success", actions: [chain({ name: "next", assistant_id: "writer" })] }]);
    const delivery = deliveryFrom("thread_runs_create", { run_id: `old-${randomBytes(4).toString("hex")}` });
    const at = new Date(runtime.now()).toISOString();
    delivery.routing = "done";
    delivery.actions = [
      {
        name: "next",
        type: "start_run",
        state: "failed",
        attempts: [{ number: 1, started_at: at, ended_at: at, duration_ms: 0, ok: false, error: "Error: LangGraph unreachable" }],
        last_error: "Error: LangGraph unreachable",
        updated_at: at,
      },
    ];
    await store.claim(delivery);
    const headers = { authorization: "Bearer inspector-trigger-token-0123456789abcdef" };
    const api = (query: string, method = "GET") => new Request(`https://relay.test/api/deliveries${query}`, { method, headers });

    const list = (await (await handleDeliveriesGet(api(""), runtime)).json()) as { deliveries: { id: string; actions: unknown[] }[] };
    expect(list.deliveries.find((summary) => summary.id === delivery.id)?.actions).toEqual([
      { name: "next", type: "chain", state: "failed", attempts: 1, next_attempt_at: null, dead_at: null },
    ]);
    const shown = (await (await handleDeliveriesGet(api(`?id=${delivery.id}`), runtime)).json()) as { delivery: DeliveryRecord };
    expect(shown.delivery.actions).toEqual([expect.objectContaining({ name: "next", type: "chain", state: "failed" })]);

    const replayed = (await (await handleDeliveriesPost(api(`?id=${delivery.id}&replay=1`, "POST"), runtime, router)).json()) as {
      replayed: { name: string; type: string; state: string }[];
    };
    expect(replayed.replayed).toEqual([expect.objectContaining({ name: "next", type: "chain", state: "succeeded" })]);
    expect(starts.map((request) => request.assistant_id)).toEqual(["writer"]);
    expect((await store.get(delivery.id))?.actions).toEqual([
      expect.objectContaining({ name: "next", type: "chain", state: "succeeded", attempts: [expect.anything(), expect.objectContaining({ number: 2, ok: true, replay: true })] }),
    ]);
  });
});
