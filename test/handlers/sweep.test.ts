// /api/sweep through its real Vercel exports: who may call it (CRON_SECRET or TRIGGER_TOKEN, compared
// in constant time; nothing configured → refused), what it answers (counts, in the pinned shape on
// errors), and what it does: a delivery whose receiver died before routing it is confirmed and routed
// once its lease has run out; a retry scheduled for later runs when it is due.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as sweepApi from "../../api/sweep.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { mintedTokenId, mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { DEFAULT_ROUTE_LEASE_MS } from "../../lib/stores/due-work.js";
import { expectError } from "../support/errors.js";
import { fixture } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_SECRET, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

const CRON_SECRET = "cron-secret-for-the-sweep-0123456789abcdef";

let runtime: TestRuntime | undefined;
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await runtime?.idle();
  setRuntime(undefined);
  await receiver?.close();
  receiver = undefined;
});

const call = (method: keyof typeof sweepApi, authorization?: string): Promise<Response> =>
  sweepApi[method](
    new Request("https://relay.test/api/sweep", { method, headers: authorization === undefined ? {} : { authorization } }),
  );

describe("who may sweep", () => {
  it("accepts CRON_SECRET (Vercel Cron's header) and TRIGGER_TOKEN, by GET and POST", async () => {
    runtime = installTestRuntime({ CRON_SECRET });
    for (const [method, token] of [
      ["GET", CRON_SECRET],
      ["POST", CRON_SECRET],
      ["GET", TEST_TRIGGER_TOKEN],
    ] as const) {
      const response = await call(method, `Bearer ${token}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ ok: true, attempted: 0, succeeded: 0, rescheduled: 0, dead: 0, routed: 0, ms: expect.any(Number) });
    }
  });

  it("refuses a missing, malformed or wrong token, and other methods, in the pinned shape", async () => {
    runtime = installTestRuntime({ CRON_SECRET });
    await expectError(await call("GET"), 401, "unauthorized");
    await expectError(await call("GET", "Basic abc"), 400, "invalid_request");
    await expectError(await call("GET", `Bearer ${CRON_SECRET}x`), 401, "unauthorized");
    await expectError(await call("GET", "Bearer "), 400, "invalid_request");
    await expectError(await call("PUT", `Bearer ${CRON_SECRET}`), 405, "method_not_allowed");
    await expectError(await call("DELETE", `Bearer ${CRON_SECRET}`), 405, "method_not_allowed");
  });

  it("fails closed when neither CRON_SECRET nor TRIGGER_TOKEN is set: refused, and the log says why", async () => {
    runtime = installTestRuntime({ TRIGGER_TOKEN: "" });
    await expectError(await call("GET", `Bearer ${CRON_SECRET}`), 401, "unauthorized");
    await expectError(await call("GET"), 401, "unauthorized");
    expect(runtime.logs.join("\n")).toMatch(/configuration error.*Neither CRON_SECRET nor TRIGGER_TOKEN is set/);
    expect(runtime.logs.join("\n")).not.toContain(CRON_SECRET);
  });
});

describe("a store that cannot be reached", () => {
  it("answers 503 store_unavailable rather than counts of nothing", async () => {
    runtime = installTestRuntime({ CRON_SECRET, REDIS_URL: "redis://127.0.0.1:1" });
    await expectError(await call("GET", `Bearer ${CRON_SECRET}`), 503, "store_unavailable");
  });
});

describe("what a sweep does", () => {
  it("routes a delivery whose receiver died before routing it, once its lease ran out, and says so in its counts", async () => {
    const secret = newSecret();
    receiver = await new TestReceiver(secret).listen();
    let now = Date.now();
    runtime = installTestRuntime({ CRON_SECRET, FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: secret }, { now: () => now });
    // The receiver recorded the callback (static token) and died before confirming or routing it.
    const payload = redactPayload(runPayloadSchema.parse(fixture("error_graph_create")));
    const delivery = newDeliveryRecord(payload, { receivedAt: new Date(now), auth: "static" });
    delivery.verification = { state: "pending" };
    await runtime.store.claim(delivery);

    // Within the receiver's lease the sweep leaves it alone.
    let body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body["routed"]).toBe(0);
    expect(receiver.requests).toHaveLength(0);

    now += DEFAULT_ROUTE_LEASE_MS + 1_000;
    body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body).toMatchObject({ routed: 1 });
    expect(receiver.requests).toHaveLength(1);
    const stored = await runtime.store.get(delivery.id);
    expect(stored).toMatchObject({ routing: "done", verification: { state: "confirmed", by: "receive-only" } });
    expect(stored?.actions).toEqual([expect.objectContaining({ name: "env:forward", state: "succeeded" })]);

    // Nothing is left: the next sweep does nothing.
    body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body).toMatchObject({ attempted: 0, routed: 0 });
    expect(await runtime.store.dueCount()).toBe(0);
  });

  it("runs a retry scheduled for later once it is due, and not before", async () => {
    const secret = newSecret();
    // No signature check here: the relay's clock runs 10 minutes ahead of the receiver's.
    receiver = await new TestReceiver().listen();
    let now = Date.now();
    runtime = installTestRuntime(
      { CRON_SECRET, FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: secret, RETRY_SCHEDULE: "10m" },
      { now: () => now },
    );
    let down = true;
    receiver.respond = () => (down ? { status: 503, body: "down" } : { status: 200 });
    const payload = redactPayload(runPayloadSchema.parse(fixture("error_graph_create")));
    const delivery = newDeliveryRecord(payload, { receivedAt: new Date(now), auth: "static" });
    delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date(now).toISOString() };
    const { lease } = await runtime.store.claim(delivery);
    const { router } = await import("../../routes.js");
    delivery.actions = router.plan(delivery, runtime);
    await router.dispatch(delivery, runtime, { lease });
    const pending = await runtime.store.get(delivery.id);
    expect(pending?.actions[0]).toMatchObject({ state: "pending", next_attempt_at: new Date(now + 600_000).toISOString() });

    down = false;
    let body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body["attempted"]).toBe(0);
    now += 600_001;
    body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body).toMatchObject({ attempted: 1, succeeded: 1 });
    expect((await runtime.store.get(delivery.id))?.actions[0]).toMatchObject({ state: "succeeded", attempts: [{ ok: false }, { ok: true }] });
  });
});

describe("a stranded minted-token delivery, confirmed again without its token", () => {
  const langgraph = new FakeLangGraph();
  beforeAll(async () => {
    await langgraph.start();
  });
  afterAll(async () => {
    await langgraph.stop();
  });

  it("is routed when LangGraph's run holds a valid token with the record's token id, and rejected when it holds another", async () => {
    receiver = await new TestReceiver().listen();
    let now = Date.now();
    runtime = installTestRuntime(
      { CRON_SECRET, LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: newSecret() },
      { now: () => now },
    );
    /** A run LangGraph holds (ended in error) whose webhook carries `held`, and the record of its callback under `presented`'s id. */
    const stranded = async (presented: string, held: string) => {
      const threadId = randomUUID();
      const runId = randomUUID();
      langgraph.runs.set(runId, {
        run_id: runId,
        thread_id: threadId,
        assistant_id: "agent",
        status: "error",
        metadata: {},
        kwargs: { webhook: `https://relay.test/api/webhook?token=${encodeURIComponent(held)}` },
      });
      const payload = redactPayload(runPayloadSchema.parse({ ...fixture("error_graph_create"), run_id: runId, thread_id: threadId }));
      const record = newDeliveryRecord(payload, { receivedAt: new Date(now), auth: "minted", tokenId: mintedTokenId(presented) });
      record.verification = { state: "pending" };
      await runtime?.store.claim(record);
      return record.id;
    };
    const environment = "production";
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId: randomUUID(), environment });
    const genuine = await stranded(token, token);
    const other = mintWebhookToken([TEST_SECRET], { kind: "run", environment });
    const forged = await stranded(token, other);

    now += DEFAULT_ROUTE_LEASE_MS + 1_000;
    const body = (await (await call("GET", `Bearer ${CRON_SECRET}`)).json()) as Record<string, number>;
    expect(body).toMatchObject({ routed: 2 });
    expect(await runtime.store.get(genuine)).toMatchObject({ routing: "done", verification: { state: "confirmed", by: "langgraph" } });
    expect(await runtime.store.get(forged)).toMatchObject({
      routing: "skipped",
      verification: { state: "rejected", reason: "LangGraph's run was given another webhook token" },
    });
    expect(receiver.requests).toHaveLength(1);
    expect(runtime.logs.join("\n")).not.toContain(token);
  });
});
