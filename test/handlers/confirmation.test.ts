// What the receiver does with a callback once it is recorded: the verdict on the record and in the
// log, the routing gate, routes opting in to unverified callbacks — through the real api/ functions.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as webhookApi from "../../api/webhook.js";
import * as triggerApi from "../../api/trigger.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { durableOf } from "../support/stores.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { mintedTokenId, mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { storeUnavailable } from "../../lib/shared/errors.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { fixture } from "../support/kit.js";
import { createTestRuntime, installTestRuntime, TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

let runtime: TestRuntime | undefined;
afterEach(async () => {
  await runtime?.idle();
  setRuntime(undefined);
  runtime = undefined;
});

function callback(body: unknown, token = TEST_STATIC_TOKEN): Request {
  return new Request(`https://relay.test/api/webhook?token=${encodeURIComponent(token)}`, { method: "POST", body: JSON.stringify(body) });
}

async function recorded(response: Response, store: TestRuntime["store"]): Promise<DeliveryRecord> {
  const { delivery_id } = (await response.json()) as { delivery_id: string };
  const record = await store.get(delivery_id);
  if (record === undefined) throw new Error(`no record ${delivery_id}`);
  return record;
}

describe("the routing gate", () => {
  it("routes one of two confirmed copies of a run's callback whose bodies differ; the other is skipped, naming it", async () => {
    runtime = installTestRuntime();
    const ran: string[] = [];
    const router = defineRoutes([{ on: "run.error", actions: [custom({ name: "count", handler: (event) => void ran.push(event.run_id) })] }]);
    const first = { ...fixture("error_graph_create"), run_id: randomUUID() };
    const second = { ...first, values: { note: "another body for the same run and status" } };
    const a = await recorded(await handleWebhook(callback(first), runtime, router), runtime.store);
    await runtime.idle();
    const b = await recorded(await handleWebhook(callback(second), runtime, router), runtime.store);
    await runtime.idle();
    expect(a.id).not.toBe(b.id);
    const [routed, skipped] = [await runtime.store.get(a.id), await runtime.store.get(b.id)];
    expect(routed?.routing).toBe("done");
    expect(skipped).toMatchObject({ routing: "skipped", duplicate_of: a.id, verification: { state: "confirmed" } });
    expect(ran).toEqual([first.run_id]);
  });
});

describe("unverified callbacks", () => {
  it("reach only the routes that opt in with acceptUnverified, never the environment's forward", async () => {
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: "https://forward.example/hooks", FORWARD_SECRET: "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=" });
      const ran: string[] = [];
      const router = defineRoutes([
        { on: "run.error", actions: [custom({ name: "strict", handler: () => void ran.push("strict") })] },
        { on: "run.error", acceptUnverified: true, actions: [custom({ name: "lenient", handler: () => void ran.push("lenient") })] },
      ]);
      // A static-token callback for a run the (fake) LangGraph does not hold: nothing can vouch for it.
      const body = { ...fixture("error_graph_create"), run_id: randomUUID(), thread_id: randomUUID() };
      const record = await recorded(await handleWebhook(callback(body), runtime, router), runtime.store);
      await runtime.idle();
      const stored = await runtime.store.get(record.id);
      expect(stored?.verification).toMatchObject({ state: "unverified" });
      expect(stored?.actions.map((action) => action.name)).toEqual(["lenient"]);
      expect(ran).toEqual(["lenient"]);
      const warning = runtime.entries.find((line) => line["msg"] === "callback unverified");
      expect(warning).toMatchObject({ level: "warn", delivery_id: record.id });
    } finally {
      await langgraph.stop();
    }
  });
});

describe("rejected callbacks", () => {
  it("are logged at warn with the token's id, never the token", async () => {
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url });
      const started = await triggerApi.POST(
        new Request("https://relay.test/api/trigger", {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` },
          body: JSON.stringify({ assistant_id: "agent", thread_id: "new" }),
        }),
      );
      expect(started.status).toBe(202);
      const sent = langgraph.requests.filter((r) => r.method === "POST" && /\/runs$/.test(r.path)).at(-1);
      const token = new URL(String(sent?.body?.["webhook"])).searchParams.get("token") ?? "";
      const { thread_id } = (await started.json()) as { thread_id: string };
      // The token of that run, for a run it was not minted for.
      const forged = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id };
      const record = await recorded(await handleWebhook(callback(forged, token), runtime, defineRoutes([])), runtime.store);
      await runtime.idle();
      expect((await runtime.store.get(record.id))?.verification).toMatchObject({ state: "rejected", reason: "the token was minted for another run" });
      const warning = runtime.entries.find((line) => line["msg"] === "callback rejected");
      expect(warning).toMatchObject({ level: "warn", token_id: mintedTokenId(token), delivery_id: record.id });
      expect(runtime.logs.join("\n")).not.toContain(token);
    } finally {
      await langgraph.stop();
    }
  });
});

describe("the run ledger", () => {
  it("revokes the token of a run that failed to start", async () => {
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url });
      langgraph.failNext(/^POST \/runs$/, 503, { detail: "try later" });
      const response = await triggerApi.POST(
        new Request("https://relay.test/api/trigger", {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` },
          body: JSON.stringify({ assistant_id: "agent" }),
        }),
      );
      expect(response.status).toBe(502);
      await runtime.idle();
      const sent = langgraph.requests.filter((r) => r.method === "POST" && r.path === "/runs").at(-1);
      const token = new URL(String(sent?.body?.["webhook"])).searchParams.get("token") ?? "";
      expect(await runtime.ledger.get(mintedTokenId(token))).toMatchObject({ revoked: true });
    } finally {
      await langgraph.stop();
    }
  });
});

describe("refusals leave a trace", () => {
  it("logs a 5xx refusal with its status, code and path, never the query", async () => {
    const { store } = createTestRuntime();
    const down: DeliveryStore = {
      kind: store.kind,
      claim: () => Promise.reject(storeUnavailable(new Error("ECONNREFUSED"))),
      save: (record) => store.save(record),
      get: (id) => store.get(id),
      list: (options) => store.list(options),
      claimRouting: (key, id) => store.claimRouting(key, id),
      close: () => store.close(),
      ...durableOf(store),
    };
    runtime = installTestRuntime({}, { store: down });
    const response = await webhookApi.POST(callback(fixture("thread_runs_create")));
    expect(response.status).toBe(503);
    const line = runtime.entries.find((entry) => entry["msg"] === "request failed");
    expect(line).toMatchObject({ level: "error", status: 503, code: "store_unavailable", method: "POST", path: "/api/webhook" });
    expect(runtime.logs.join("\n")).not.toContain(TEST_STATIC_TOKEN);
  });
});

describe("another deployment environment's token", () => {
  it("is refused with 401 before any configuration message, even when the configuration is broken", async () => {
    setRuntime(undefined);
    vi.stubEnv("VERCEL_ENV", "production");
    vi.stubEnv("WEBHOOK_SECRET", TEST_SECRET);
    vi.stubEnv("REDIS_URL", "http://not-redis");
    try {
      const preview = mintWebhookToken([TEST_SECRET], { kind: "run", environment: "preview" });
      const refused = await webhookApi.POST(callback(fixture("thread_runs_create"), preview));
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toMatch(/REDIS_URL|configur/i);
      // A production token is a valid credential: it is told what is wrong.
      const production = mintWebhookToken([TEST_SECRET], { kind: "run", environment: "production" });
      const told = await webhookApi.POST(callback(fixture("thread_runs_create"), production));
      expect(told.status).toBe(500);
      expect(await told.text()).toMatch(/REDIS_URL/);
    } finally {
      vi.unstubAllEnvs();
      setRuntime(undefined);
    }
  });
});

describe("a cron the ledger cannot record", () => {
  it("is deleted again and the caller answered 503, so no cron of the relay is beyond revocation", async () => {
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url });
      runtime.ledger.bindCron = () => Promise.reject(new Error("ledger down"));
      const response = await triggerApi.POST(
        new Request("https://relay.test/api/trigger", {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` },
          body: JSON.stringify({ mode: "cron", assistant_id: "agent", schedule: "0 9 * * *" }),
        }),
      );
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("store_unavailable");
      expect(langgraph.crons.size).toBe(0);
      expect(langgraph.requests.some((r) => r.method === "DELETE" && r.path.startsWith("/runs/crons/"))).toBe(true);
      // And its token vouches for nothing: the start failed, so it was revoked.
      await runtime.idle();
      const sent = langgraph.requests.filter((r) => r.method === "POST" && r.path === "/runs/crons").at(-1);
      const token = new URL(String(sent?.body?.["webhook"])).searchParams.get("token") ?? "";
      expect(await runtime.ledger.get(mintedTokenId(token))).toMatchObject({ revoked: true });
    } finally {
      await langgraph.stop();
    }
  });
});

describe("the record's own fields", () => {
  it("keep a graph id or route name only up to 256 characters: the payload's cap reaches no further", async () => {
    runtime = installTestRuntime();
    const long = "g".repeat(300);
    const body = { ...fixture("thread_runs_create"), run_id: randomUUID(), metadata: { graph_id: long, relay_route: long } };
    const record = await recorded(await webhookApi.POST(callback(body)), runtime.store);
    expect(record.graph_id).toBeUndefined();
    expect(record.route).toBeUndefined();
    const fits = { ...body, run_id: randomUUID(), metadata: { graph_id: "agent", relay_route: "nightly" } };
    expect(await recorded(await webhookApi.POST(callback(fits)), runtime.store)).toMatchObject({ graph_id: "agent", route: "nightly" });
  });
});

describe("a receive-only relay (no LANGGRAPH_API_URL)", () => {
  it("takes a minted token's callback on the ledger's word alone: its run, a status LangGraph sends, once", async () => {
    runtime = installTestRuntime();
    const ran: string[] = [];
    const router = defineRoutes([{ on: "*", actions: [custom({ name: "seen", handler: (event) => void ran.push(event.type) })] }]);
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId: "thread-ro", environment: "production" });
    const tokenId = mintedTokenId(token);
    const now = Date.now();
    await runtime.ledger.put({ token_id: tokenId, kind: "run", assistant_id: "agent", thread_id: "thread-ro", created_at: new Date(now).toISOString(), expires_at: new Date(now + 3_600_000).toISOString() });
    await runtime.ledger.bindRun(tokenId, "run-ro", "thread-ro");
    const genuine = { ...fixture("thread_runs_create"), run_id: "run-ro", thread_id: "thread-ro", status: "success" };
    const first = await recorded(await handleWebhook(callback(genuine, token), runtime, router), runtime.store);
    await runtime.idle();
    expect((await runtime.store.get(first.id))?.verification).toMatchObject({ state: "confirmed", by: "ledger" });
    const again = await recorded(await handleWebhook(callback({ ...genuine, status: "error" }, token), runtime, router), runtime.store);
    await runtime.idle();
    expect((await runtime.store.get(again.id))?.verification?.state).toBe("rejected");
    const madeUp = await recorded(await handleWebhook(callback({ ...genuine, run_id: "run-ro", status: "refunded" }, token), runtime, router), runtime.store);
    await runtime.idle();
    expect((await runtime.store.get(madeUp.id))?.verification?.state).toBe("rejected");
    expect(ran).toEqual(["run.success"]);
  });
});
