// The attacks of SECURITY.md's table, as an outsider holding one leaked webhook URL would try them,
// against the official LangGraph server and a real Redis, through the real handlers over HTTP. The
// relay forwards every event it routes (FORWARD_URL, signed): a forwarded forgery is a failure.
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { fixture, trigger } from "../support/kit.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const START_TIMEOUT_MS = 180_000;
const WAIT_MS = 30_000;

type Json = Record<string, unknown>;

if (!redisAvailable()) {
  if (process.env["CI"] === "true") throw new Error("redis-server is required under CI=true");
  console.warn("!!! SKIPPING authentic-callbacks tests: redis-server not found (apt-get install -y redis-server)");
}

describe.runIf(redisAvailable())("authentic callbacks: one leaked webhook URL", () => {
  let langgraph: LangGraphServer | undefined;
  let redis: RedisServer | undefined;
  let api: ApiServer;
  let client: Client;
  const secret = newSecret();
  const forwards = new TestReceiver(secret);

  beforeAll(async () => {
    const [lg, rd] = await Promise.all([startLangGraphServer(), startRedis(), forwards.listen()]);
    langgraph = lg;
    redis = rd;
    api = await serveApi({ LANGGRAPH_API_URL: lg.url, REDIS_URL: rd.url, FORWARD_URL: forwards.url, FORWARD_SECRET: secret });
    client = new Client({ apiUrl: lg.url, apiKey: null });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    // LangGraph first: a webhook it cannot deliver kills one of its queue workers.
    await langgraph?.stop();
    await api?.close();
    await api?.runtime.store.close();
    await api?.runtime.ledger.close();
    await forwards.close();
    await redis?.stop();
  }, START_TIMEOUT_MS);

  /** Waits for a delivery to exist and its verification to be decided. */
  async function settledDelivery(id: string): Promise<DeliveryRecord> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const record = await api.runtime.store.get(id);
      if (record !== undefined && record.verification?.state !== "pending" && record.routing !== "pending") return record;
      if (Date.now() > deadline) throw new Error(`delivery ${id} not settled within ${WAIT_MS} ms: ${JSON.stringify(record?.verification)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function forwardsOf(runId: string): Json[] {
    return forwards.requests
      .map((request) => request.body as { type: string; run: Json })
      .filter((body) => body.run["run_id"] === runId)
      .map((body) => ({ type: body.type, ...body.run }));
  }

  /** Starts a run through the relay and reads back, from LangGraph's own record, the webhook URL it was given. */
  async function startedRun(body: Json): Promise<{ runId: string; threadId: string; webhook: URL }> {
    const response = await trigger(api, { assistant_id: "agent", ...body });
    expect(response.status).toBe(202);
    const started = (await response.json()) as { run_id: string; thread_id: string };
    const run = (await client.runs.get(started.thread_id, started.run_id)) as unknown as { kwargs: { webhook: string } };
    return { runId: started.run_id, threadId: started.thread_id, webhook: new URL(run.kwargs.webhook) };
  }

  function post(webhook: URL, body: Json | string): Promise<Response> {
    return fetch(webhook, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  }

  it("refuses a forged run.success for a run and thread the token was never minted for: recorded as rejected, never forwarded", async () => {
    // The leaked URL: a stateless run parked for a minute (its temporary thread holds the record).
    const leaked = await startedRun({ input: { input: "leak" }, after_seconds: 60 });
    const forged = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: randomUUID(), status: "success", values: { output: "attacker" } };
    const answer = await post(leaked.webhook, forged);
    expect(answer.status).toBe(200);
    const { delivery_id } = (await answer.json()) as { delivery_id: string };
    const record = await settledDelivery(delivery_id);
    expect(record.verification).toMatchObject({ state: "rejected" });
    expect(record.routing).toBe("skipped");
    expect(record.token_id).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(JSON.stringify(record)).not.toContain(leaked.webhook.searchParams.get("token"));
    expect(forwardsOf(String(forged.run_id))).toEqual([]);
    await client.runs.cancel(leaked.threadId, leaked.runId).catch(() => undefined);
  });

  it("routes the genuine callback when a forged copy of the same run's event arrived first", async () => {
    const run = await startedRun({ thread_id: "new", input: { input: "genuine", delay_ms: 2_500 } });
    // Before the run ends, the attacker sends its own "success" for this very run, with its values.
    const forged = { ...fixture("thread_runs_create"), run_id: run.runId, thread_id: run.threadId, status: "success", values: { output: "attacker" } };
    const first = await post(run.webhook, forged);
    expect(((await first.json()) as { delivery_id: string }).delivery_id).toBe(deliveryIdFor(run.runId, "success"));
    const forgedRecord = await settledDelivery(deliveryIdFor(run.runId, "success"));
    expect(forgedRecord.verification).toMatchObject({ state: "rejected", reason: expect.stringMatching(/has not ended/) });

    // LangGraph's own callback, with another body, is recorded beside it, confirmed and forwarded once.
    const deadline = Date.now() + WAIT_MS;
    while (forwardsOf(run.runId).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const forwarded = forwardsOf(run.runId);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]).toMatchObject({ type: "run.success", values: { output: "echo: genuine" } });

    // The same leaked URL, replaying the delivered run under other statuses.
    for (const status of ["Success", "success ", "SUCCESS"]) {
      expect((await post(run.webhook, { ...forged, status })).status).toBe(400);
    }
    const asError = await post(run.webhook, { ...forged, status: "error", error: "forged" });
    expect(asError.status).toBe(200);
    const errorRecord = await settledDelivery(deliveryIdFor(run.runId, "error"));
    expect(errorRecord.verification).toMatchObject({ state: "rejected" });
    // And the forged success again, byte for byte: a duplicate of the first forgery, nothing more.
    const again = (await (await post(run.webhook, forged)).json()) as { duplicate: boolean };
    expect(again.duplicate).toBe(true);
    await api.runtime.idle();
    expect(forwardsOf(run.runId)).toHaveLength(1);
  });

  it("refuses a thread-bound token for another run on its thread", async () => {
    const firstRun = await startedRun({ thread_id: "new", input: { input: "one" } });
    const firstId = deliveryIdFor(firstRun.runId, "success");
    const firstRecord = await settledDelivery(firstId);
    expect(firstRecord.verification).toMatchObject({ state: "confirmed", by: "langgraph" });
    // A second run on the same thread, started by the relay with a token of its own.
    const second = await startedRun({ thread_id: firstRun.threadId, input: { input: "two" } });
    const secondRecord = await settledDelivery(deliveryIdFor(second.runId, "success"));
    expect(secondRecord.verification?.state).toBe("confirmed");
    // The first run's URL, claiming the second run with other values.
    const forged = { ...secondRecord.payload, values: { output: "attacker" }, webhook_sent_at: new Date().toISOString(), extra: 1 };
    const answer = (await (await post(firstRun.webhook, forged)).json()) as { delivery_id: string };
    // Another body than the genuine callback's: recorded beside it, never in its place.
    expect(answer.delivery_id).not.toBe(deliveryIdFor(second.runId, "success"));
    const record = await settledDelivery(answer.delivery_id);
    expect(record.verification).toMatchObject({ state: "rejected", reason: "the token was minted for another run" });
    await api.runtime.idle();
    expect(forwardsOf(second.runId)).toHaveLength(1);
  });

  it("confirms a stateless run by the ledger: its thread is gone before its callback is sent", async () => {
    const response = await trigger(api, { assistant_id: "agent", input: { input: "stateless" } });
    const { run_id } = (await response.json()) as { run_id: string };
    const record = await settledDelivery(deliveryIdFor(run_id, "success"));
    expect(record.verification).toMatchObject({ state: "confirmed", by: "ledger" });
    await api.runtime.idle();
    expect(forwardsOf(run_id)).toHaveLength(1);
  });

  it("refuses a stateless run's token for any thread but its own, and while the run has not ended", async () => {
    const run = await startedRun({ input: { input: "slow stateless", delay_ms: 3_000 } });
    const forgery = (threadId: string) => ({
      ...fixture("stateless_runs_wait"),
      run_id: run.runId,
      thread_id: threadId,
      status: "success",
      metadata: { graph_id: "agent" },
      values: { output: "attacker" },
    });
    const elsewhere = (await (await post(run.webhook, forgery(randomUUID()))).json()) as { delivery_id: string };
    expect((await settledDelivery(elsewhere.delivery_id)).verification).toMatchObject({ state: "rejected", reason: "the token was minted for another thread" });
    const early = (await (await post(run.webhook, forgery(run.threadId))).json()) as { delivery_id: string };
    expect((await settledDelivery(early.delivery_id)).verification).toMatchObject({ state: "rejected", reason: expect.stringMatching(/has not ended/) });
    // LangGraph's own callback, once the run ends, is routed: the forgeries took nothing from it.
    const deadline = Date.now() + WAIT_MS;
    while (forwardsOf(run.runId).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // (A stateless run's callback carries no values: LangGraph kept no checkpoint. Its input says whose it is.)
    const forwarded = forwardsOf(run.runId);
    expect(forwarded).toEqual([expect.objectContaining({ type: "run.success", kwargs: expect.objectContaining({ input: { input: "slow stateless", delay_ms: 3_000 } }) })]);
    expect(JSON.stringify(forwarded)).not.toContain("attacker");

    // After it: the same token under other statuses, made up or known, and bodies that bloat kept fields.
    for (const status of ["error", "refunded"]) {
      const answer = (await (await post(run.webhook, { ...forgery(run.threadId), status, values: { n: status } })).json()) as { delivery_id: string };
      expect((await settledDelivery(answer.delivery_id)).verification?.state).toBe("rejected");
    }
    expect((await post(run.webhook, { ...forgery(run.threadId), status: "paused" })).status).toBe(400);
    expect((await post(run.webhook, { ...forgery(run.threadId), created_at: "x".repeat(100_000) })).status).toBe(400);
    expect((await post(run.webhook, { ...forgery(run.threadId), assistant_id: "x".repeat(100_000) })).status).toBe(400);
    await api.runtime.idle();
    expect(forwardsOf(run.runId)).toHaveLength(1);
  });

  it("takes a stateless stream's callback on the ledger's word only once the relay saw the stream end", async () => {
    // A stateless stream: LangGraph names no thread for it, so the ledger never learns one.
    const streaming = await trigger(api, { assistant_id: "agent", mode: "stream", input: { input: "streamed", delay_ms: 2_500 } });
    expect(streaming.status).toBe(200);
    const runId = streaming.headers.get("x-run-id") ?? "";
    expect(runId).not.toBe("");
    // The leaked URL, read from LangGraph's record while the run goes on (its temporary thread holds it).
    let webhook: URL | undefined;
    for (const thread of await client.threads.search({ limit: 20 })) {
      const run = (await client.runs.list(thread.thread_id).catch(() => [])).find((candidate) => candidate.run_id === runId);
      if (run !== undefined) webhook = new URL(String((run as unknown as { kwargs: { webhook: string } }).kwargs.webhook));
    }
    if (webhook === undefined) throw new Error("the stream's run was not found in LangGraph");
    const forged = { ...fixture("stateless_runs_wait"), run_id: runId, thread_id: randomUUID(), status: "success", values: { output: "attacker" } };
    const early = (await (await post(webhook, forged)).json()) as { delivery_id: string };
    const verdict = (await settledDelivery(early.delivery_id)).verification;
    expect(verdict?.state).not.toBe("confirmed");
    await streaming.text();
    const deadline = Date.now() + WAIT_MS;
    while (forwardsOf(runId).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const forwarded = forwardsOf(runId);
    expect(forwarded).toHaveLength(1);
    expect(JSON.stringify(forwarded)).not.toContain("attacker");
  });

  it("refuses a thread run's token once LangGraph no longer holds the thread", async () => {
    const run = await startedRun({ thread_id: "new", input: { input: "to be deleted" } });
    const genuine = await settledDelivery(deliveryIdFor(run.runId, "success"));
    expect(genuine.verification?.state).toBe("confirmed");
    await client.threads.delete(run.threadId);
    const forged = { ...genuine.payload, status: "error", error: "forged", values: { output: "attacker" } };
    const answer = (await (await post(run.webhook, forged)).json()) as { delivery_id: string };
    expect((await settledDelivery(answer.delivery_id)).verification).toMatchObject({ state: "rejected", reason: "LangGraph no longer holds the run's thread" });
    await api.runtime.idle();
    expect(forwardsOf(run.runId)).toHaveLength(1);
  });

  it("leaves a static-token callback LangGraph cannot vouch for unverified and unrouted", async () => {
    const staticToken = api.runtime.config.webhookTokens[0] ?? "";
    const forged = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: randomUUID(), status: "success" };
    const answer = (await (await post(new URL(`${api.url}/api/webhook?token=${staticToken}`), forged)).json()) as { delivery_id: string };
    const record = await settledDelivery(answer.delivery_id);
    expect(record.verification?.state).toBe("unverified");
    await api.runtime.idle();
    expect(forwardsOf(String(forged.run_id))).toEqual([]);
  });
});
