// Reconciliation of lost callbacks (lib/reconcile) against the official LangGraph server, through the
// real handlers over HTTP, on the memory store and on a real Redis. The callbacks get lost the way they
// do in the field: the relay's PUBLIC_URL points at a receiver that accepts every callback and throws
// it away (a receiver that refused them would kill the embedded server's queue workers). The sweep's
// step then asks LangGraph, records the run's end as a reconciled delivery and routes it (a signed
// forward, checked by a Standard Webhooks receiver); the captured real callback, posted late to
// /api/webhook, is answered as a duplicate and forwards nothing again.
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { webhookUrl } from "../../lib/config/public-url.js";
import { reconcileLostCallbacks } from "../../lib/reconcile/reconcile.js";
import { DEFAULT_ROUTE_LEASE_MS } from "../../lib/stores/due-work.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { mintedTokenId, mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import type { LedgerEntry } from "../../lib/stores/run-ledger.js";
import { router } from "../../routes.js";
import { trigger } from "../support/kit.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { createTestRuntime, TEST_TRIGGER_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const START_TIMEOUT_MS = 180_000;
const WAIT_MS = 30_000;
const RECONCILE_AFTER_MS = 1_000;
const HELLO = { messages: [{ role: "user", content: "Hello!" }] };

type Json = Record<string, unknown>;

const haveRedis = redisAvailable();
let langgraph: LangGraphServer | undefined;

beforeAll(async () => {
  langgraph = await startLangGraphServer();
}, START_TIMEOUT_MS);

afterAll(async () => {
  await langgraph?.stop();
}, START_TIMEOUT_MS);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const client = () => new Client({ apiUrl: String(langgraph?.url), apiKey: null });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

for (const storeKind of ["memory", "redis"] as const) {
  describe.runIf(storeKind === "memory" || haveRedis)(`lost callbacks reconciled (${storeKind} store)`, () => {
    let redis: RedisServer | undefined;
    let api: ApiServer;
    const lost = new TestReceiver();
    const secret = newSecret();
    const forwards = new TestReceiver(secret);

    beforeAll(async () => {
      await Promise.all([lost.listen(), forwards.listen()]);
      if (storeKind === "redis") redis = await startRedis();
      api = await serveApi({
        LANGGRAPH_API_URL: langgraph?.url,
        // Every run's webhook points here: LangGraph's callback is accepted and lost.
        PUBLIC_URL: lost.url,
        RECONCILE_AFTER: `${RECONCILE_AFTER_MS / 1000}s`,
        FORWARD_URL: forwards.url,
        FORWARD_SECRET: secret,
        ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
      });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await api?.close();
      await api?.runtime.store.close();
      await api?.runtime.ledger.close();
      await Promise.all([lost.close(), forwards.close()]);
      await redis?.stop();
    }, START_TIMEOUT_MS);

    /** The callback LangGraph sent for a run (to the receiver that loses it): where to, and the body. */
    const lostCallback = (runId: string) =>
      until(`the lost callback of ${runId}`, () => lost.requests.find((request) => (JSON.parse(request.raw) as Json)["run_id"] === runId));

    const forwardsOf = (runId: string) =>
      forwards.requests.filter((request) => request.verified === true && (request.body as { run: Json }).run["run_id"] === runId);

    const ledgerEntryOf = async (runId: string): Promise<LedgerEntry | undefined> => {
      // The test reads the ledger by the token id the lost callback's URL carries.
      const { url } = await lostCallback(runId);
      const token = new URL(url, "http://x").searchParams.get("token") ?? "";
      const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { n: string };
      return api.runtime.ledger.get(claims.n);
    };

    /** Starts a run through /api/trigger and waits until LangGraph has sent (and lost) its callback. */
    async function lostRun(body: Json): Promise<{ runId: string; threadId: string; answer: Json }> {
      const response = await trigger(api, body);
      // A stream's ids are in its headers; its body is read to the end, as a caller would.
      const answer = body["mode"] === "stream" ? { stream: await response.text() } : ((await response.json()) as Json);
      const runId = String(answer["run_id"] ?? response.headers.get("x-run-id"));
      const threadId = String(answer["thread_id"] ?? response.headers.get("x-thread-id"));
      await lostCallback(runId);
      return { runId, threadId, answer };
    }

    /** One sweep's reconciliation, once RECONCILE_AFTER has passed since the ledger recorded the run's start. */
    async function sweepAfter(runId: string) {
      await overdue(runId);
      const counts = await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      return counts;
    }

    /** Waits until RECONCILE_AFTER has passed since the ledger recorded the run's start. */
    async function overdue(runId: string): Promise<void> {
      const entry = await until(`the ledger entry of ${runId}`, () => ledgerEntryOf(runId));
      await sleep(Date.parse(entry.created_at) + RECONCILE_AFTER_MS + 50 - Date.now());
    }

    async function routed(id: string): Promise<DeliveryRecord> {
      return until(`delivery ${id} routed`, async () => {
        const record = await api.runtime.store.get(id);
        return record !== undefined && record.routing !== "pending" && record.actions.every((a) => a.state !== "pending") ? record : undefined;
      });
    }

    /** Posts the captured real callback to the relay's /api/webhook, late, as LangGraph would have. */
    async function deliverLate(runId: string): Promise<{ status: number; body: Json }> {
      const { url, raw } = await lostCallback(runId);
      const response = await fetch(new URL(url, api.url), { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: raw });
      const answer = { status: response.status, body: (await response.json()) as Json };
      await api.runtime.idle();
      return answer;
    }

    it("a create whose callback was lost is recorded from LangGraph as run.success with its values, routed once; the late callback is a duplicate", async () => {
      const { runId, threadId } = await lostRun({ assistant_id: "agent", thread_id: "new", input: HELLO });
      expect(await api.runtime.store.get(deliveryIdFor(runId, "success"))).toBeUndefined();

      // The sweep as Vercel Cron calls it.
      await overdue(runId);
      const sweep = await fetch(`${api.url}/api/sweep`, { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } });
      expect(sweep.status).toBe(200);
      const counts = (await sweep.json()) as Json;
      expect(counts).toMatchObject({ ok: true });
      expect(counts["reconciled"]).toBeGreaterThanOrEqual(1);
      await api.runtime.idle();
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record).toMatchObject({
        source: "reconciled",
        event: "run.success",
        status: "success",
        run_id: runId,
        thread_id: threadId,
        auth: "minted",
        routing: "done",
        verification: { state: "confirmed", by: "langgraph" },
      });
      expect((record.payload.values as Json)["output"]).toBe("echo: Hello!");
      expect(record.actions.map((action) => [action.name, action.state])).toEqual([["env:forward", "succeeded"]]);
      // The webhook token never reaches the record (kwargs.webhook is redacted).
      expect(JSON.stringify(record)).not.toMatch(/token=v1\.|v1\.[A-Za-z0-9_-]{10,}\./);
      expect(forwardsOf(runId).map((request) => (request.body as Json)["type"])).toEqual(["run.success"]);
      expect(await ledgerEntryOf(runId)).toMatchObject({ reconcile_outcome: "reconciled" });

      const late = await deliverLate(runId);
      expect(late).toEqual({ status: 200, body: { ok: true, delivery_id: deliveryIdFor(runId, "success"), duplicate: true } });
      expect(forwardsOf(runId)).toHaveLength(1);
      // A copy with another body (forged with the leaked URL) is a duplicate too: nothing runs.
      const { url, raw } = await lostCallback(runId);
      const forged = JSON.stringify({ ...(JSON.parse(raw) as Json), values: { output: "forged" } });
      const forgedAnswer = await fetch(new URL(url, api.url), { method: "POST", body: forged });
      expect(await forgedAnswer.json()).toEqual({ ok: true, delivery_id: deliveryIdFor(runId, "success"), duplicate: true });
      await api.runtime.idle();
      expect(forwardsOf(runId)).toHaveLength(1);
      // A second sweep finds nothing more to do for it.
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      expect(forwardsOf(runId)).toHaveLength(1);
      // Nor does the durable sweep once the claim's lease has run out: reconciliation committed the
      // routing it claimed, so no routing item of the delivery is left due.
      const ahead = DEFAULT_ROUTE_LEASE_MS + 1_000;
      const sweeper = createTestRuntime(
        { LANGGRAPH_API_URL: langgraph?.url, PUBLIC_URL: lost.url, RECONCILE_AFTER: "off", FORWARD_URL: forwards.url, FORWARD_SECRET: secret },
        { store: api.runtime.store, ledger: api.runtime.ledger, now: () => Date.now() + ahead },
      );
      const forwarded = forwards.requests.length;
      expect(await runSweep(sweeper, router, { deadline: Date.now() + ahead + 20_000 })).toMatchObject({ attempted: 0, routed: 0 });
      await sweeper.idle();
      expect(forwards.requests).toHaveLength(forwarded);
    });

    it("a wait whose callback was lost is reconciled as run.success with the values the caller got", async () => {
      const { runId, answer } = await lostRun({ mode: "wait", assistant_id: "agent", thread_id: "new", input: HELLO });
      expect((answer["values"] as Json)["output"]).toBe("echo: Hello!");
      await sweepAfter(runId);
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record.source).toBe("reconciled");
      expect(record.payload.values).toEqual(answer["values"]);
      expect(forwardsOf(runId)).toHaveLength(1);
      expect((await deliverLate(runId)).body["duplicate"]).toBe(true);
      expect(forwardsOf(runId)).toHaveLength(1);
    });

    it("a rejected callback holding the run's delivery id does not stop its reconciliation: recorded beside it and routed once", async () => {
      // Two runs on one thread; B's body sent with A's token (a leaked URL reused for another run of the
      // thread) is recorded under B's delivery id, and rejected.
      const thread = (await client().threads.create()).thread_id;
      const a = await lostRun({ assistant_id: "agent", thread_id: thread, input: { input: "a" } });
      const b = await lostRun({ assistant_id: "agent", thread_id: thread, input: { input: "b" } });
      const tokenOfA = (await lostCallback(a.runId)).url;
      const forged = await fetch(new URL(tokenOfA, api.url), { method: "POST", body: (await lostCallback(b.runId)).raw });
      expect(((await forged.json()) as Json)["delivery_id"]).toBe(deliveryIdFor(b.runId, "success"));
      await api.runtime.idle();
      expect((await api.runtime.store.get(deliveryIdFor(b.runId, "success")))?.verification).toMatchObject({ state: "rejected" });

      await sweepAfter(b.runId);
      const reconciled = (await api.runtime.store.list({ limit: 50, filter: { run_id: b.runId } })).deliveries.filter((record) => record.source === "reconciled");
      expect(reconciled).toHaveLength(1);
      expect(await routed(reconciled[0]!.id)).toMatchObject({ routing: "done", verification: { state: "confirmed" } });
      expect(forwardsOf(b.runId)).toHaveLength(1);
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      expect(forwardsOf(b.runId)).toHaveLength(1);
    });

    it("a sweep that dies after recording a run's end leaves its routing to the durable sweep, which routes it once", async () => {
      const { runId } = await lostRun({ assistant_id: "agent", thread_id: "new", input: { input: "crash" } });
      await overdue(runId);
      // The function running this sweep is killed as routing starts.
      const dying = { plan: router.plan.bind(router), dispatch: async () => Promise.reject(new Error("function killed")) };
      await reconcileLostCallbacks(api.runtime, dying);
      const stranded = await api.runtime.store.get(deliveryIdFor(runId, "success"));
      expect(stranded).toMatchObject({ source: "reconciled", routing: "pending" });
      expect(forwardsOf(runId)).toHaveLength(0);

      // Once the claim's lease has run out, the durable sweep confirms it with LangGraph and routes it.
      // (Its clock just past the lease: forwards are signed with its time, and receivers allow 5 minutes.)
      const ahead = DEFAULT_ROUTE_LEASE_MS + 1_000;
      const sweeper = createTestRuntime(
        { LANGGRAPH_API_URL: langgraph?.url, PUBLIC_URL: lost.url, RECONCILE_AFTER: "off", FORWARD_URL: forwards.url, FORWARD_SECRET: secret },
        { store: api.runtime.store, ledger: api.runtime.ledger, now: () => Date.now() + ahead },
      );
      expect(await runSweep(sweeper, router, { deadline: Date.now() + ahead + 20_000 })).toMatchObject({ routed: 1 });
      await sweeper.idle();
      expect(await api.runtime.store.get(deliveryIdFor(runId, "success"))).toMatchObject({ routing: "done", verification: { state: "confirmed" } });
      expect(forwardsOf(runId)).toHaveLength(1);
      // Reconciliation does not record it again.
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      expect(forwardsOf(runId)).toHaveLength(1);
    });

    it("a stream whose callback was lost is reconciled as run.success with the run's values", async () => {
      const { runId, answer } = await lostRun({ mode: "stream", assistant_id: "agent", thread_id: "new", input: HELLO });
      expect(String(answer["stream"])).toContain("echo: Hello!");
      await sweepAfter(runId);
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record).toMatchObject({ source: "reconciled", event: "run.success" });
      expect((record.payload.values as Json)["output"]).toBe("echo: Hello!");
      expect(forwardsOf(runId)).toHaveLength(1);
    });

    it("a failing run whose callback was lost is reconciled as run.error with the graph's error", async () => {
      const { runId } = await lostRun({ assistant_id: "error_graph", thread_id: "new", input: { input: "reconcile-fails" } });
      await sweepAfter(runId);
      const record = await routed(deliveryIdFor(runId, "error"));
      expect(record).toMatchObject({ source: "reconciled", event: "run.error", status: "error" });
      expect(JSON.stringify(record.payload.error)).toContain("boom for input=reconcile-fails");
      expect(forwardsOf(runId).map((request) => (request.body as Json)["type"])).toEqual(["run.error"]);
      expect((await deliverLate(runId)).body["duplicate"]).toBe(true);
      expect(forwardsOf(runId)).toHaveLength(1);
    });

    it("a run that paused in interrupt() whose callback was lost is reconciled as run.paused (the pause check is the callback's)", async () => {
      const { runId } = await lostRun({ assistant_id: "hitl", thread_id: "new", input: { input: "reconcile-me" } });
      await sweepAfter(runId);
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record).toMatchObject({ source: "reconciled", status: "success", event: "run.paused" });
      expect(record.pause?.interrupts[0]?.value).toMatchObject({ question: "Approve?", input: "reconcile-me" });
      expect(forwardsOf(runId).map((request) => (request.body as Json)["type"])).toEqual(["run.paused"]);
    });

    it("a run still going is looked at again later, then reconciled once it has ended", async () => {
      const response = await trigger(api, { assistant_id: "agent", thread_id: "new", input: { input: "slow", delay_ms: 4_000 } });
      const { run_id: runId } = (await response.json()) as { run_id: string };
      // The callback is not sent yet: the run's ledger entry is found among the overdue ones.
      await sleep(RECONCILE_AFTER_MS + 50);
      const first = await reconcileLostCallbacks(api.runtime, router);
      expect(first.deferred).toBeGreaterThanOrEqual(1);
      expect(await api.runtime.store.get(deliveryIdFor(runId, "success"))).toBeUndefined();
      await lostCallback(runId);
      // The next look is RECONCILE_AFTER × 2 after the first.
      await sleep(2 * RECONCILE_AFTER_MS + 100);
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record.source).toBe("reconciled");
      expect(await ledgerEntryOf(runId)).toMatchObject({ reconcile_outcome: "reconciled", reconcile_attempts: 1 });
    });

    it("a stateless run (its thread deleted) whose callback was lost is marked unknown and logged at error with its id, never dropped silently", async () => {
      const { runId } = await lostRun({ assistant_id: "agent", input: HELLO });
      const counts = await sweepAfter(runId);
      expect(counts.unknown).toBeGreaterThanOrEqual(1);
      expect(await api.runtime.store.get(deliveryIdFor(runId, "success"))).toBeUndefined();
      expect(await ledgerEntryOf(runId)).toMatchObject({ reconcile_outcome: "unknown" });
      const logged = api.runtime.entries.find((entry) => entry["level"] === "error" && entry["run_id"] === runId);
      expect(logged?.["msg"]).toMatch(/unknown/);
      // The real callback arriving after all is still taken (the ledger vouches for it once).
      expect((await deliverLate(runId)).body["duplicate"]).toBe(false);
    });

    it("a start that never heard LangGraph's answer is reconciled through the token its run holds; one that started nothing is closed as no_run", async () => {
      const { config, ledger } = api.runtime;
      const thread = (await client().threads.create()).thread_id;
      // What a start leaves when LangGraph created the run but the answer never came back: a ledger
      // entry with its thread and no run id — and a run on that thread whose webhook holds the token.
      const entry = async () => {
        const token = mintWebhookToken(config.webhookSecrets, { kind: "run", threadId: thread, environment: config.deploymentEnvironment });
        const now = Date.now();
        await ledger.put({ token_id: mintedTokenId(token), kind: "run", assistant_id: "agent", thread_id: thread, created_at: new Date(now).toISOString(), expires_at: new Date(now + 3_600_000).toISOString() });
        return { token, tokenId: mintedTokenId(token), createdAt: now };
      };
      const started = await entry();
      const nothing = await entry();
      const run = await client().runs.create(thread, "agent", { input: { input: "answer lost" }, webhook: webhookUrl(config, started.token) });
      await lostCallback(run.run_id);
      await sleep(nothing.createdAt + RECONCILE_AFTER_MS + 50 - Date.now());
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
      const record = await routed(deliveryIdFor(run.run_id, "success"));
      expect(record).toMatchObject({ source: "reconciled", run_id: run.run_id, token_id: started.tokenId });
      expect((record.payload.values as Json)["output"]).toBe("echo: answer lost");
      expect(await ledger.get(started.tokenId)).toMatchObject({ run_id: run.run_id, reconcile_outcome: "reconciled" });
      expect(await ledger.get(nothing.tokenId)).toMatchObject({ reconcile_outcome: "no_run" });
      expect((await ledger.get(nothing.tokenId))?.run_id).toBeUndefined();
    });

    it("a stateless run that keeps its thread (on_completion keep) is reconciled from what LangGraph still holds", async () => {
      const { runId } = await lostRun({ assistant_id: "agent", input: HELLO, on_completion: "keep" });
      await sweepAfter(runId);
      const record = await routed(deliveryIdFor(runId, "success"));
      expect(record).toMatchObject({ source: "reconciled", event: "run.success" });
      expect((record.payload.values as Json)["output"]).toBe("echo: Hello!");
    });

    it("RECONCILE_AFTER=off looks at nothing, however overdue", async () => {
      const { runId } = await lostRun({ assistant_id: "agent", thread_id: "new", input: HELLO });
      const off = createTestRuntime(
        { LANGGRAPH_API_URL: langgraph?.url, PUBLIC_URL: lost.url, RECONCILE_AFTER: "off" },
        { store: api.runtime.store, ledger: api.runtime.ledger },
      );
      await overdue(runId);
      expect(await reconcileLostCallbacks(off, router)).toEqual({ reconciled: 0, deferred: 0, unknown: 0 });
      expect(await api.runtime.store.get(deliveryIdFor(runId, "success"))).toBeUndefined();
      expect((await ledgerEntryOf(runId))?.reconcile_outcome).toBeUndefined();
      // Tidy for the next file's sweeps: the run is reconciled by the relay that has it on.
      await reconcileLostCallbacks(api.runtime, router);
      await api.runtime.idle();
    });
  });
}
