// The chain action starts its follow-up run at most once (lib/trigger/start-once.ts), against the
// official LangGraph server. To make a start outlive its attempt's timeout, the relay talks to LangGraph
// through a loopback proxy that holds back the answer to `POST /threads/{id}/runs` (LangGraph has the
// request, and creates the run, at once): the attempt's abort signal must reach the SDK call (the proxy
// sees the relay hang up), the run's token stays valid (its callback is confirmed), and the attempt
// again — or two replays at once — find that run instead of starting another.
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";
import { deliveryIdFor, type DeliveryRecord } from "../../lib/model/delivery.js";
import { eventOf } from "../../lib/model/events.js";
import { chain, chainKeyFor } from "../../lib/routing/actions/chain.js";
import { createActionContext } from "../../lib/routing/context.js";
import { RUN_KEY_METADATA_KEY, threadIdForKey } from "../../lib/trigger/start-once.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { replayDelivery } from "../../lib/inspector/replay.js";
import { defineRoutes } from "../../lib/routing/index.js";
import { startRun } from "../../lib/trigger/runs.js";
import { deliveryFrom, TestReceiver } from "../support/routing.js";
import { createTestRuntime } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const START_TIMEOUT_MS = 180_000;
const WAIT_MS = 30_000;

/** A proxy to LangGraph that can hold back its answers to run creations, and notes callers that hung up first. */
class SlowCreates {
  delayMs = 0;
  hungUp = 0;
  /** Called when a run creation reaches the proxy (and LangGraph), before its answer is held back. */
  onCreate: () => void = () => undefined;
  url = "";
  private readonly server: Server;

  constructor(private readonly target: string) {
    this.server = createServer((req, res) => {
      const upstream = new URL(req.url ?? "/", this.target);
      const isCreate = req.method === "POST" && /^\/(threads\/[^/]+\/)?runs$/.test(upstream.pathname);
      const delay = isCreate ? this.delayMs : 0;
      if (isCreate) this.onCreate();
      let answered = false;
      res.on("close", () => {
        if (!answered && delay > 0) this.hungUp += 1;
      });
      const forward = httpRequest(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          setTimeout(() => {
            if (res.destroyed) return;
            answered = true;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          }, delay);
        });
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    });
  }

  async listen(): Promise<void> {
    this.server.listen(0, "127.0.0.1");
    await new Promise((resolve) => this.server.once("listening", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let langgraph: LangGraphServer | undefined;
let proxy: SlowCreates;
let api: ApiServer;
let client: Client;

beforeAll(async () => {
  langgraph = await startLangGraphServer();
  proxy = new SlowCreates(langgraph.url);
  await proxy.listen();
  api = await serveApi({ LANGGRAPH_API_URL: proxy.url });
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await langgraph?.stop();
  await api?.close();
  await proxy?.close();
}, START_TIMEOUT_MS);

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A finished run's delivery (a fresh id each time), as the chain action sees it. */
function finishedRun(threadId: string = randomUUID()): DeliveryRecord {
  return deliveryFrom("thread_runs_create", { run_id: randomUUID(), thread_id: threadId });
}

/** One attempt of the action, as the runner makes it: its own abort signal (aborted by `controller`'s owner). */
async function attempt(action: ReturnType<typeof chain>, delivery: DeliveryRecord, options: { controller?: AbortController; replay?: boolean } = {}) {
  const controller = options.controller ?? new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("timed out after 30000 ms")), 30_000);
  try {
    const context = createActionContext(
      { delivery_id: delivery.id, action: action.name, attempt: 1, replay: options.replay ?? false },
      controller.signal,
      { runtime: api.runtime },
    );
    return await action.attempt(eventOf(delivery), context);
  } finally {
    clearTimeout(timer);
  }
}

const runsWithKey = async (threadId: string, key: string) =>
  (await client.runs.list(threadId, { limit: 50 })).filter((run) => run.metadata?.[RUN_KEY_METADATA_KEY] === key);

describe("a chained run is started once", () => {
  it("a start that outlives its timeout is cancelled, and the attempt again finds the run LangGraph created instead of starting another", async () => {
    const action = chain({ name: "slow-next", assistant_id: "agent", input: () => ({ input: "chained" }) });
    const delivery = finishedRun();
    const key = chainKeyFor(delivery.id, action.name);
    const thread = threadIdForKey(key);

    // The attempt's time runs out while LangGraph holds the creation (it has the request; its answer is late).
    proxy.delayMs = 2_000;
    const timeout = new AbortController();
    proxy.onCreate = () => setTimeout(() => timeout.abort(new Error("timed out after 8000 ms")), 100);
    await expect(attempt(action, delivery, { controller: timeout })).rejects.toThrow(/timed out/);
    proxy.onCreate = () => undefined;
    // The abort reached the SDK call: the relay hung up on LangGraph before its answer came.
    await until("the relay hanging up", async () => (proxy.hungUp >= 1 ? true : undefined));
    proxy.delayMs = 0;
    // LangGraph had the request all the same: the run exists, with the key.
    const [created] = await until("the run created despite the timeout", async () => {
      const runs = await runsWithKey(thread, key);
      return runs.length > 0 ? runs : undefined;
    });

    const again = await attempt(action, delivery, { replay: true });
    expect(again?.result?.["run_id"]).toBe(created?.run_id);
    expect(await runsWithKey(thread, key)).toHaveLength(1);
    expect(await client.runs.list(thread, { limit: 50 })).toHaveLength(1);

    // The timed-out start kept its token: the run's callback reaches the relay and is confirmed.
    const callback = await until("the chained run's callback", async () => {
      const record = await api.runtime.store.get(deliveryIdFor(String(created?.run_id), "success"));
      return record?.verification?.state === "pending" ? undefined : record;
    });
    expect(callback.verification).toMatchObject({ state: "confirmed" });
  });

  it("two replays at once start one follow-up run on a new thread", async () => {
    const action = chain({ name: "next", assistant_id: "agent", input: () => ({ input: "chained", delay_ms: 1_000 }) });
    const delivery = finishedRun();
    const key = chainKeyFor(delivery.id, action.name);
    const [a, b] = await Promise.all([attempt(action, delivery, { replay: true }), attempt(action, delivery, { replay: true })]);
    expect(a?.result?.["run_id"]).toBeDefined();
    expect(b?.result?.["run_id"]).toBe(a?.result?.["run_id"]);
    expect(await client.runs.list(threadIdForKey(key), { limit: 50 })).toHaveLength(1);
  });

  it("two replays at once start one follow-up run on the finished run's thread", async () => {
    const parent = await client.threads.create();
    const action = chain({ name: "same-next", assistant_id: "agent", thread: "same", input: () => ({ input: "chained", delay_ms: 1_000 }) });
    const delivery = finishedRun(parent.thread_id);
    const key = chainKeyFor(delivery.id, action.name);
    const [a, b] = await Promise.all([attempt(action, delivery, { replay: true }), attempt(action, delivery, { replay: true })]);
    expect(b?.result?.["run_id"]).toBe(a?.result?.["run_id"]);
    expect(await runsWithKey(parent.thread_id, key)).toHaveLength(1);
    // Once it has ended, a replay still finds it.
    await until("the chained run's end", async () => ((await client.runs.get(parent.thread_id, String(a?.result?.["run_id"]))).status === "success" ? true : undefined));
    expect((await attempt(action, delivery, { replay: true }))?.result?.["run_id"]).toBe(a?.result?.["run_id"]);
    expect(await runsWithKey(parent.thread_id, key)).toHaveLength(1);
  });

  it("a stateless follow-up run still going is found by the attempt again", async () => {
    const action = chain({ name: "stateless-next", assistant_id: "agent", thread: "none", input: () => ({ input: "chained", delay_ms: 3_000 }) });
    const delivery = finishedRun();
    const first = await attempt(action, delivery);
    const again = await attempt(action, delivery, { replay: true });
    expect(again?.result?.["run_id"]).toBe(first?.result?.["run_id"]);
  });

  it("through the routes: a chain attempt that times out while LangGraph creates the run, its scheduled retry and a replay leave one follow-up run", async () => {
    const router = defineRoutes([
      { on: "run.success", metadata: { case: "chain-timeout" }, actions: [chain({ name: "follow", assistant_id: "agent", input: () => ({ input: "follow" }), retry: { timeoutMs: 1_000 } })] },
    ]);
    // The parent run's callback is captured, then handed to the receiver with these routes.
    const capture = await new TestReceiver().listen();
    try {
      const starter = createTestRuntime({ LANGGRAPH_API_URL: proxy.url, PUBLIC_URL: capture.url }, { store: api.runtime.store, ledger: api.runtime.ledger });
      const parent = await startRun({ assistant_id: "agent", thread_id: "new", input: { input: "parent" }, metadata: { case: "chain-timeout" } }, { runtime: starter });
      const callback = await until("the parent's callback", async () => capture.requests.find((request) => request.raw.includes(parent.run_id)));

      proxy.delayMs = 3_000;
      const hungUpBefore = proxy.hungUp;
      const answer = await handleWebhook(new Request(new URL(callback.url, api.url), { method: "POST", body: callback.raw }), api.runtime, router);
      expect(answer.status).toBe(200);
      const { delivery_id: deliveryId } = (await answer.json()) as { delivery_id: string };
      const timedOut = await until("the chain action's end", async () => {
        const record = await api.runtime.store.get(deliveryId);
        const action = record?.actions.find((candidate) => candidate.name === "follow");
        return action !== undefined && action.attempts.length > 0 && action.state !== "pending" ? action : undefined;
      });
      expect(timedOut.attempts[0]?.error).toMatch(/timed out/);
      expect(proxy.hungUp).toBeGreaterThan(hungUpBefore);
      proxy.delayMs = 0;

      const key = chainKeyFor(deliveryId, "follow");
      const [created] = await until("the run LangGraph created all the same", async () => {
        const runs = await runsWithKey(threadIdForKey(key), key);
        return runs.length > 0 ? runs : undefined;
      });
      // The retry (RETRY_SCHEDULE's first step, 5 s, inside the function's budget) found that run.
      expect(timedOut).toMatchObject({ state: "succeeded" });
      expect(timedOut.attempts).toHaveLength(2);
      expect(timedOut.attempts[1]?.result?.["run_id"]).toBe(created?.run_id);
      const replayed = await replayDelivery(deliveryId, { action: "follow" }, api.runtime, router);
      const follow = replayed.actions.find((action) => action.name === "follow");
      expect(follow).toMatchObject({ state: "succeeded" });
      expect(follow?.attempts.at(-1)?.result?.["run_id"]).toBe(created?.run_id);
      expect(await client.runs.list(threadIdForKey(key), { limit: 50 })).toHaveLength(1);
    } finally {
      proxy.delayMs = 0;
      await api.runtime.idle();
      await capture.close();
    }
  });
});
