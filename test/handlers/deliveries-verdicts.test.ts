// /api/deliveries shows the verdict on each callback (issue #11), through its real Vercel exports: the
// list's outcome tells a rejected, an unverified and a duplicate delivery from a routed one at a
// glance; summaries and the detail carry the verdict, the token's id and the source; records of older
// relays (no verdict) read as before; a rejected delivery has nothing a replay could route; and a
// read-only INSPECTOR_TOKEN lists and reads but cannot replay.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as deliveries from "../../api/deliveries.js";
import * as webhook from "../../api/webhook.js";
import type { DeliverySummary } from "../../lib/inspector/present.js";
import type { ActionRecord, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { expectError } from "../support/errors.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { fixture, type Json } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

const INSPECTOR_TOKEN = "verdicts-inspector-read-only-token-0123456789";
const SECRET = newSecret();
const CHECKED_AT = "2026-11-27T19:15:50.000Z";

const langgraph = new FakeLangGraph();
let runtime: TestRuntime;
let receiver: TestReceiver;
beforeAll(async () => {
  await langgraph.start();
});
afterAll(async () => {
  await langgraph.stop();
});
beforeEach(async () => {
  receiver = await new TestReceiver(SECRET).listen();
  runtime = installTestRuntime({ INSPECTOR_TOKEN, LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: SECRET });
});
afterEach(async () => {
  await runtime.idle();
  setRuntime(undefined);
  await receiver.close();
});

function get(query: string, token = TEST_TRIGGER_TOKEN): Promise<Response> {
  return deliveries.GET(new Request(`https://relay.test/api/deliveries${query}`, { headers: { authorization: `Bearer ${token}` } }));
}

function replay(id: string, token = TEST_TRIGGER_TOKEN, action?: string): Promise<Response> {
  const query = new URLSearchParams({ id, replay: "1", ...(action === undefined ? {} : { action }) });
  return deliveries.POST(new Request(`https://relay.test/api/deliveries?${query}`, { method: "POST", headers: { authorization: `Bearer ${token}` } }));
}

async function summaries(token?: string): Promise<Map<string, DeliverySummary>> {
  const response = await get("?limit=50", token);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { deliveries: DeliverySummary[] };
  return new Map(body.deliveries.map((item) => [item.run_id, item]));
}

const failedForward = (at: string): ActionRecord => ({
  name: "env:forward",
  type: "forward",
  state: "failed",
  attempts: [{ number: 1, started_at: at, ended_at: at, duration_ms: 2, ok: false, http_status: 500 }],
  last_error: "answered 500",
  updated_at: at,
});

/** A record as the receiver leaves it, for a run named `runId`, with the given fields replaced. */
function recordOf(runId: string, fields: Partial<DeliveryRecord>, options: { older?: boolean } = {}): DeliveryRecord {
  const payload = runPayloadSchema.parse({ ...fixture("thread_runs_create"), run_id: runId });
  const record = newDeliveryRecord(redactPayload(payload), { receivedAt: new Date(), auth: "minted", tokenId: "tok_0123456789" });
  if (options.older === true) {
    // What an older relay stored: no source, no token id, no verdict.
    delete record.source;
    delete record.token_id;
    record.auth = "static";
  }
  return Object.assign(record, { routing: "done", ...fields });
}

describe("the list's outcome tells the verdict at a glance", () => {
  it("rejected, unverified, duplicate, confirming — and older records as before", async () => {
    const cases: [string, Partial<DeliveryRecord>, string][] = [
      ["rejected", { verification: { state: "rejected", reason: "the token was minted for another run", checked_at: CHECKED_AT }, routing: "skipped" }, "rejected"],
      ["unverified", { verification: { state: "unverified", reason: "LangGraph no longer holds this run", checked_at: CHECKED_AT }, routing: "no_route" }, "unverified"],
      ["duplicate", { verification: { state: "confirmed", by: "langgraph", checked_at: CHECKED_AT }, routing: "skipped", duplicate_of: "dlv_0123456789abcdef01234567" }, "duplicate"],
      ["confirming", { verification: { state: "pending" }, routing: "pending" }, "pending"],
      ["confirmed", { verification: { state: "confirmed", by: "ledger", checked_at: CHECKED_AT }, routing: "no_route" }, "no_route"],
      // A route that opted in to unverified callbacks ran: the actions say what came of it.
      ["opted-in", { verification: { state: "unverified", reason: "LangGraph could not be asked", checked_at: CHECKED_AT }, actions: [failedForward(CHECKED_AT)] }, "failed"],
    ];
    for (const [runId, fields] of cases) await runtime.store.claim(recordOf(runId, fields));
    await runtime.store.claim(recordOf("older-routed", { actions: [{ ...failedForward(CHECKED_AT), state: "succeeded", attempts: [] }] }, { older: true }));
    await runtime.store.claim(recordOf("older-unrouted", { routing: "no_route" }, { older: true }));

    const listed = await summaries();
    for (const [runId, , outcome] of cases) expect(listed.get(runId)?.outcome, runId).toBe(outcome);
    expect(listed.get("older-routed")?.outcome).toBe("succeeded");
    expect(listed.get("older-unrouted")?.outcome).toBe("no_route");

    expect(listed.get("rejected")).toMatchObject({
      verification: { state: "rejected", reason: "the token was minted for another run" },
      token_id: "tok_0123456789",
      source: "webhook",
      duplicate_of: null,
      routing: "skipped",
    });
    // The summary's verdict is what and why; when it was checked is in the detail.
    expect(listed.get("rejected")?.verification).not.toHaveProperty("checked_at");
    expect(listed.get("duplicate")).toMatchObject({ verification: { state: "confirmed", by: "langgraph" }, duplicate_of: "dlv_0123456789abcdef01234567" });
    expect(listed.get("confirming")?.verification).toEqual({ state: "pending" });
    expect(listed.get("older-unrouted")).toMatchObject({ verification: null, token_id: null, source: null, duplicate_of: null });
  });

  it("cuts a long reason in the summary, and keeps it whole in the detail", async () => {
    const reason = `LangGraph could not be asked about the run: ${"x".repeat(600)}`;
    const record = recordOf("long-reason", { verification: { state: "unverified", reason, checked_at: CHECKED_AT }, routing: "no_route" });
    await runtime.store.claim(record);
    const summary = (await summaries()).get("long-reason");
    expect(summary?.verification).toEqual({ state: "unverified", reason: reason.slice(0, 300) });
    const detail = (await (await get(`?id=${record.id}`)).json()) as { delivery: Json };
    expect(detail.delivery).toMatchObject({ outcome: "unverified", verification: { state: "unverified", reason, checked_at: CHECKED_AT } });
  });
});

describe("forged callbacks, as the inspector shows them", () => {
  async function post(token: string, body: Json): Promise<string> {
    const answer = await webhook.POST(new Request(`https://relay.test/api/webhook?token=${encodeURIComponent(token)}`, { method: "POST", body: JSON.stringify(body) }));
    expect(answer.status).toBe(200);
    const { delivery_id } = (await answer.json()) as { delivery_id: string };
    await runtime.idle();
    return delivery_id;
  }

  it("lists a minted token's forgery as rejected with the token's id, shows it in full, and has nothing to replay", async () => {
    // A token this deployment minted, for a run LangGraph does not have.
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", environment: runtime.config.deploymentEnvironment });
    const id = await post(token, { ...fixture("thread_runs_create"), run_id: "forged-run", status: "success" });

    const summary = (await summaries()).get("forged-run");
    expect(summary).toMatchObject({ id, outcome: "rejected", verification: { state: "rejected", reason: "LangGraph has no such run" }, source: "webhook", routing: "skipped", actions: [] });
    expect(summary?.token_id).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(JSON.stringify(summary)).not.toContain(token);
    const detail = (await (await get(`?id=${id}`)).json()) as { delivery: Json };
    expect(detail.delivery).toMatchObject({ outcome: "rejected", verification: { state: "rejected", checked_at: expect.any(String) }, token_id: summary?.token_id });

    const replayed = (await (await replay(id)).json()) as { replayed: unknown[]; delivery: Json };
    expect(replayed.replayed).toEqual([]);
    expect(replayed.delivery).toMatchObject({ outcome: "rejected", actions: [] });
    await expectError(await replay(id, TEST_TRIGGER_TOKEN, "env:forward"), 404, "not_found");
    expect(receiver.requests).toEqual([]);
  });

  it("lists a static token's callback LangGraph cannot vouch for as unverified, routed nowhere", async () => {
    await post(TEST_STATIC_TOKEN, { ...fixture("thread_runs_create"), run_id: "static-run", thread_id: randomUUID(), status: "success" });
    expect((await summaries()).get("static-run")).toMatchObject({ outcome: "unverified", verification: { state: "unverified" }, token_id: null, actions: [] });
    expect(receiver.requests).toEqual([]);
  });
});

describe("the read-only INSPECTOR_TOKEN", () => {
  it("lists and reads deliveries, and is refused replay with 403", async () => {
    const record = recordOf("read-only", { verification: { state: "confirmed", by: "langgraph", checked_at: CHECKED_AT }, actions: [failedForward(CHECKED_AT)] });
    await runtime.store.claim(record);
    expect((await summaries(INSPECTOR_TOKEN)).get("read-only")).toMatchObject({ outcome: "failed", verification: { state: "confirmed", by: "langgraph" } });
    expect((await get(`?id=${record.id}`, INSPECTOR_TOKEN)).status).toBe(200);
    await expectError(await replay(record.id, INSPECTOR_TOKEN), 403, "forbidden", /read-only/);
    expect(receiver.requests).toEqual([]);
    expect((await runtime.store.get(record.id))?.actions[0]?.attempts).toHaveLength(1);
  });
});
