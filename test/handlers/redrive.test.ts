// Dead letters through /api/deliveries' real Vercel exports, on the memory store and a real Redis:
// the new filters (route, source, since) and the redrive by filter — every dead action of one route,
// one event, or since a time made due again and run after the answer, bounded per request.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as deliveriesApi from "../../api/deliveries.js";
import type { ActionRecord, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import { MAX_REDRIVE_ACTIONS } from "../../lib/inspector/redrive.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { expectError } from "../support/errors.js";
import { fixture } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";
import { storesUnderTest } from "../support/stores.js";

const { stores } = storesUnderTest("redrive");

const FORWARD = "env:forward";
const INSPECTOR_TOKEN = "redrive-inspector-read-only-token-0123456789";

const call = (method: "GET" | "POST", query: string, token = TEST_TRIGGER_TOKEN): Promise<Response> =>
  deliveriesApi[method](new Request(`https://relay.test/api/deliveries${query}`, { method, headers: { authorization: `Bearer ${token}` } }));

/** A delivery whose forward is dead (failed after one attempt), received `ageMs` ago, of route `route`. */
function deadDelivery(route: string | undefined, ageMs: number, options: { source?: "reconciled"; status?: string } = {}): DeliveryRecord {
  const payload = redactPayload(
    runPayloadSchema.parse({ ...fixture("error_graph_create"), run_id: `run-${randomBytes(6).toString("hex")}`, status: options.status ?? "error" }),
  );
  const at = new Date(Date.now() - ageMs).toISOString();
  const record = newDeliveryRecord(payload, { receivedAt: new Date(Date.now() - ageMs), auth: "static" });
  if (route !== undefined) record.route = route;
  if (options.source !== undefined) record.source = options.source;
  record.verification = { state: "confirmed", by: "receive-only", checked_at: at };
  record.routing = "done";
  const action: ActionRecord = {
    name: FORWARD,
    type: "forward",
    state: "failed",
    attempts: [{ number: 1, started_at: at, ended_at: at, duration_ms: 1, ok: false, http_status: 503, error: "down" }],
    last_error: "down",
    updated_at: at,
    dead_at: at,
  };
  record.actions = [action];
  return record;
}

describe.each(stores)("dead letters with the $name", ({ enabled, make }) => {
  let runtime: TestRuntime;
  let store: DeliveryStore;
  let receiver: TestReceiver;

  beforeEach(async (context) => {
    if (!enabled) context.skip();
    const secret = newSecret();
    receiver = await new TestReceiver(secret).listen();
    store = make();
    runtime = installTestRuntime({ INSPECTOR_TOKEN, FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: secret }, { store });
  });
  afterEach(async () => {
    await runtime?.idle();
    await store?.close();
    setRuntime(undefined);
    await receiver?.close();
  });

  async function claimAll(records: DeliveryRecord[]): Promise<void> {
    for (const record of records) {
      const { lease } = await store.claim(record);
      // Routed already: its routing item goes, as a receiver's plan would take it.
      await store.commitPlan(record, lease, Date.now(), 0);
    }
  }
  const ids = async (query: string) =>
    ((await (await call("GET", query)).json()) as { deliveries: { id: string }[] }).deliveries.map((item) => item.id);

  it("filters the list by route, source and since, alone or with action_state", async () => {
    const a = deadDelivery("a", 60_000);
    const b = deadDelivery("b", 30_000);
    const old = deadDelivery("a", 3_600_000);
    const reconciled = deadDelivery(undefined, 10_000, { source: "reconciled" });
    await claimAll([old, a, b, reconciled]);
    expect(await ids("?route=a")).toEqual([a.id, old.id]);
    expect(await ids("?route=a&action_state=failed")).toEqual([a.id, old.id]);
    expect(await ids("?source=reconciled")).toEqual([reconciled.id]);
    expect(await ids("?source=webhook")).toEqual([b.id, a.id, old.id]);
    const since = new Date(Date.now() - 120_000).toISOString();
    expect(await ids(`?since=${since}`)).toEqual([reconciled.id, b.id, a.id]);
    expect(await ids(`?since=${since}&route=a`)).toEqual([a.id]);
    await expectError(await call("GET", "?since=yesterday"), 400, "invalid_request", /since must be an ISO time/);
    await expectError(await call("GET", "?source=cron"), 400, "invalid_request", /webhook or reconciled/);
  });

  it("redrives every dead action of one route, runs them after the answer, and leaves the others dead", async () => {
    const a1 = deadDelivery("a", 50_000);
    const a2 = deadDelivery("a", 40_000);
    const b = deadDelivery("b", 30_000);
    await claimAll([a1, a2, b]);
    const response = await call("POST", "?replay=1&action_state=failed&route=a");
    expect(response.status).toBe(202);
    const body = (await response.json()) as { redriven: number; deliveries: string[]; more: boolean };
    expect(body).toEqual({ redriven: 2, deliveries: expect.arrayContaining([a1.id, a2.id]), more: false });
    await runtime.idle();
    for (const id of [a1.id, a2.id]) {
      const stored = await store.get(id);
      expect(stored?.actions[0]).toMatchObject({ name: FORWARD, state: "succeeded", schedule_from: 2 });
      expect(stored?.actions[0]?.dead_at).toBeUndefined();
      expect(stored?.actions[0]?.attempts.map((attempt) => attempt.ok)).toEqual([false, true]);
    }
    expect((await store.get(b.id))?.actions[0]?.state).toBe("failed");
    expect(receiver.requests).toHaveLength(2);
    expect(await ids("?action_state=failed")).toEqual([b.id]);
    // Nothing dead is left on route a: a second redrive takes nothing.
    expect(await (await call("POST", "?replay=1&action_state=failed&route=a")).json()).toEqual({ redriven: 0, deliveries: [], more: false });
  });

  it("narrows a redrive by event and since", async () => {
    const recent = deadDelivery(undefined, 10_000);
    const older = deadDelivery(undefined, 3_600_000);
    const timeout = deadDelivery(undefined, 5_000, { status: "timeout" });
    await claimAll([older, recent, timeout]);
    const since = new Date(Date.now() - 60_000).toISOString();
    const body = (await (await call("POST", `?replay=1&action_state=failed&event=run.error&since=${since}`)).json()) as { deliveries: string[] };
    expect(body.deliveries).toEqual([recent.id]);
  });

  it("refuses a redrive that does not say action_state=failed, a read-only token, and a malformed since", async () => {
    await expectError(await call("POST", "?replay=1"), 400, "invalid_request", /action_state/);
    await expectError(await call("POST", "?replay=1&action_state=pending"), 400, "invalid_request", /must be "failed"/);
    await expectError(await call("POST", "?replay=1&action_state=failed&since=soon"), 400, "invalid_request", /since/);
    await expectError(await call("POST", "?replay=1&action_state=failed&nope=1"), 400, "invalid_request");
    await expectError(await call("POST", "?replay=1&action_state=failed", INSPECTOR_TOKEN), 403, "forbidden");
  });
});

describe("a redrive is bounded per request", () => {
  it(`takes at most ${MAX_REDRIVE_ACTIONS} actions and says there are more`, async () => {
    const store = new MemoryDeliveryStore();
    // Nothing listens on port 9 and nothing is retried: the redriven attempts die again at once.
    const runtime = installTestRuntime({ FORWARD_URL: "http://127.0.0.1:9/in", FORWARD_SECRET: newSecret(), RETRY_SCHEDULE: "0" }, { store });
    try {
      for (let i = 0; i < MAX_REDRIVE_ACTIONS + 5; i++) {
        const record = deadDelivery("bulk", 1_000 + i);
        const { lease } = await store.claim(record);
        await store.commitPlan(record, lease, Date.now(), 0);
      }
      const first = (await (await call("POST", "?replay=1&action_state=failed&route=bulk")).json()) as { redriven: number; more: boolean };
      expect(first).toMatchObject({ redriven: MAX_REDRIVE_ACTIONS, more: true });
    } finally {
      await runtime.idle();
      setRuntime(undefined);
    }
  });
});
