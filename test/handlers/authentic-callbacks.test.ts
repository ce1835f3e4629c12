// Callbacks confirmed as LangGraph's own, over real HTTP against a server posing as LangGraph Platform
// (test/support/fake-langgraph.ts: crons, which the embedded JS server lacks, and run statuses set by the
// test): a deleted cron's token, a preview deployment's token in production, a run LangGraph says is
// still running, and the receive-only relay that has no LangGraph to ask. The same attacks on the
// official LangGraph server and Redis are test/integration/authentic-callbacks.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as triggerApi from "../../api/trigger.js";
import * as webhookApi from "../../api/webhook.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { mintedTokenId } from "../../lib/security/webhook-tokens.js";
import { expectError } from "../support/errors.js";
import { FakeLangGraph, type RecordedRequest } from "../support/fake-langgraph.js";
import { fixture, trigger, type Json } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const langgraph = new FakeLangGraph();
const forwardSecret = newSecret();
const forwards = new TestReceiver(forwardSecret);
let api: ApiServer;

beforeAll(async () => {
  await Promise.all([langgraph.start(), forwards.listen()]);
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: `${forwards.url}/hooks`, FORWARD_SECRET: forwardSecret });
});
afterAll(async () => {
  await api.close();
  await forwards.close();
  await langgraph.stop();
});
beforeEach(() => {
  langgraph.requests.length = 0;
});

/** The webhook URL the relay handed LangGraph in the last request to a path. */
function webhookSentTo(pattern: RegExp): URL {
  const request: RecordedRequest | undefined = langgraph.requests.filter((r) => pattern.test(`${r.method} ${r.path}`)).at(-1);
  const webhook = request?.body?.["webhook"];
  if (typeof webhook !== "string") throw new Error(`no webhook sent to ${String(pattern)}`);
  return new URL(webhook);
}

/** The run bodies forwarded (FORWARD_URL, signatures verified) for one run. */
function forwardsOf(runId: string): Json[] {
  return forwards.requests
    .map((request) => request.body as { type: string; run: Json })
    .filter((body) => body.run["run_id"] === runId)
    .map((body) => ({ type: body.type, ...body.run }));
}

/** POSTs a callback the way LangGraph's JS server does, and waits until it is confirmed and routed (or not). */
async function deliver(runtime: TestRuntime, post: (request: Request) => Promise<Response>, webhook: URL, body: Json): Promise<DeliveryRecord> {
  const response = await post(new Request(webhook, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: JSON.stringify(body) }));
  expect(response.status).toBe(200);
  const { delivery_id } = (await response.json()) as { delivery_id: string };
  await runtime.idle();
  const record = await runtime.store.get(delivery_id);
  if (record === undefined) throw new Error(`delivery ${delivery_id} was not recorded`);
  return record;
}

/** Over HTTP, to the served API. */
const overHttp = (request: Request) => fetch(request);

function callbackOf(runId: string, threadId: string, fields: Json = {}): Json {
  return { ...fixture("thread_runs_create"), run_id: runId, thread_id: threadId, status: "success", ...fields };
}

describe("a cron deleted through the relay", () => {
  it("revokes its token: a later callback is recorded as rejected (revoked) and routed nowhere", async () => {
    const created = await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1" });
    expect(created.status).toBe(201);
    const { cron_id } = (await created.json()) as { cron_id: string };
    const webhook = webhookSentTo(/^POST \/runs\/crons$/);
    const tokenId = mintedTokenId(webhook.searchParams.get("token") ?? "");

    // While the cron lives, its runs call back and are routed (a stateless cron's thread is gone by
    // then: the ledger vouches for the cron's runs).
    const live = callbackOf(randomUUID(), randomUUID());
    const routed = await deliver(api.runtime, overHttp, webhook, live);
    expect(routed.verification).toMatchObject({ state: "confirmed", by: "ledger" });
    expect(forwardsOf(String(live["run_id"]))).toHaveLength(1);

    const deleted = await fetch(`${api.url}/api/crons?cron_id=${cron_id}`, { method: "DELETE", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } });
    expect(deleted.status).toBe(200);
    expect((await api.runtime.ledger.get(tokenId))?.revoked).toBe(true);

    // The token's signature is still valid (cron tokens have no expiry): the ledger is what refuses it.
    const late = callbackOf(randomUUID(), randomUUID(), { values: { output: "after the cron was deleted" } });
    const record = await deliver(api.runtime, overHttp, webhook, late);
    expect(record.verification).toMatchObject({ state: "rejected", reason: expect.stringMatching(/revoked/) });
    expect(record).toMatchObject({ routing: "skipped", actions: [], token_id: tokenId });
    expect(forwardsOf(String(late["run_id"]))).toEqual([]);
    expect(api.runtime.logs.some((line) => line.includes('"callback rejected"') && line.includes(tokenId))).toBe(true);
  });
});

describe("a run LangGraph says is still running", () => {
  it("rejects its callback, then confirms and routes the genuine one once the run has ended", async () => {
    const threadId = randomUUID();
    const started = await trigger(api, { assistant_id: "agent", thread_id: threadId });
    expect(started.status).toBe(202);
    const { run_id: runId } = (await started.json()) as { run_id: string };
    const webhook = webhookSentTo(/^POST \/threads\/[^/]+\/runs$/);
    const run = langgraph.runs.get(runId);
    if (run === undefined) throw new Error("the fake holds no such run");
    run["status"] = "running";

    // The run's own URL, used before the run has ended: a forged event, however valid the token.
    const early = await deliver(api.runtime, overHttp, webhook, callbackOf(runId, threadId, { values: { output: "attacker" } }));
    expect(early.id).toBe(deliveryIdFor(runId, "success"));
    expect(early.verification).toMatchObject({ state: "rejected", reason: "the run has not ended (LangGraph says running)" });
    expect(early).toMatchObject({ routing: "skipped", actions: [] });
    expect(forwardsOf(runId)).toEqual([]);

    // LangGraph's own callback, once the run ended: another body, recorded beside the forgery, confirmed.
    run["status"] = "success";
    const genuine = await deliver(api.runtime, overHttp, webhook, callbackOf(runId, threadId, { values: { output: "echo: done" } }));
    expect(genuine.id).not.toBe(early.id);
    expect(genuine.verification).toMatchObject({ state: "confirmed", by: "langgraph" });
    expect(forwardsOf(runId)).toEqual([expect.objectContaining({ type: "run.success", values: { output: "echo: done" } })]);
  });
});

describe("deployment environments sharing WEBHOOK_SECRET", () => {
  it("refuses in production (401) a token minted by a preview deployment, and records nothing", async () => {
    const shared = { LANGGRAPH_API_URL: langgraph.url, PUBLIC_URL: "https://relay.test" };
    const preview = installTestRuntime({ ...shared, VERCEL_ENV: "preview" });
    try {
      const threadId = randomUUID();
      const started = await triggerApi.POST(
        new Request("https://relay.test/api/trigger", {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ assistant_id: "agent", thread_id: threadId }),
        }),
      );
      expect(started.status).toBe(202);
      const { run_id: runId } = (await started.json()) as { run_id: string };
      const webhook = webhookSentTo(/^POST \/threads\/[^/]+\/runs$/);
      langgraph.runs.set(runId, { ...langgraph.runs.get(runId), status: "success" });
      const body = callbackOf(runId, threadId);

      // The preview deployment takes its own token.
      const own = await deliver(preview, webhookApi.POST, webhook, body);
      expect(own.verification).toMatchObject({ state: "confirmed", by: "langgraph" });

      // Production, with the same secret, does not: the token names another environment.
      const production = installTestRuntime({ ...shared, VERCEL_ENV: "production" });
      const refused = await webhookApi.POST(new Request(webhook, { method: "POST", body: JSON.stringify(body) }));
      await expectError(refused, 401, "unauthorized", /another deployment environment/);
      await production.idle();
      expect((await production.store.list({ limit: 10 })).deliveries).toEqual([]);
      expect(production.logs.join("\n")).not.toContain(webhook.searchParams.get("token") ?? "");
    } finally {
      await preview.idle();
      setRuntime(api.runtime);
    }
  });
});

describe("a receive-only relay (no LANGGRAPH_API_URL)", () => {
  const unconfirmedWarning = (runtime: TestRuntime) =>
    runtime.logs.filter((line) => /static-token callbacks are routed unconfirmed/.test(line));

  it("routes a static-token callback, and says once at start that such callbacks are routed unconfirmed", async () => {
    const runtime = installTestRuntime({ FORWARD_URL: `${forwards.url}/hooks`, FORWARD_SECRET: forwardSecret });
    try {
      expect(unconfirmedWarning(runtime)).toHaveLength(1);
      const line = JSON.parse(unconfirmedWarning(runtime)[0] ?? "{}") as Json;
      expect(line).toMatchObject({ level: "warn", static_tokens: 1 });
      expect(JSON.stringify(line)).not.toContain(TEST_STATIC_TOKEN);

      const runId = randomUUID();
      const webhook = new URL(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`);
      const record = await deliver(runtime, webhookApi.POST, webhook, callbackOf(runId, randomUUID()));
      expect(record.verification).toMatchObject({ state: "confirmed", by: "receive-only" });
      expect(record.routing).toBe("done");
      expect(forwardsOf(runId)).toHaveLength(1);
      // Once per runtime, not once per callback.
      await deliver(runtime, webhookApi.POST, webhook, callbackOf(randomUUID(), randomUUID()));
      expect(unconfirmedWarning(runtime)).toHaveLength(1);
      expect(runtime.logs.join("\n")).not.toContain(TEST_STATIC_TOKEN);
    } finally {
      setRuntime(api.runtime);
    }
  });

  it("says nothing of the kind when LangGraph can be asked, or when no static token is set", () => {
    try {
      expect(unconfirmedWarning(installTestRuntime({ LANGGRAPH_API_URL: langgraph.url }))).toEqual([]);
      expect(unconfirmedWarning(installTestRuntime({ WEBHOOK_TOKEN: "" }))).toEqual([]);
    } finally {
      setRuntime(api.runtime);
    }
  });
});

describe("the logs of all the above", () => {
  it("hold no webhook token and no trigger token", () => {
    const text = api.runtime.logs.join("\n");
    expect(text).not.toMatch(/v1\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(text).not.toContain(TEST_TRIGGER_TOKEN);
    expect(text).not.toContain(TEST_STATIC_TOKEN);
  });
});
