// The paused check against the official LangGraph server: a run is `run.paused` only when the
// checkpoint it wrote itself waits on a human — not when the thread, by the time the callback is
// routed, is busy with another run (multitask `enqueue`, a quick next message). Before the fix the
// check read the thread's current state, saw the next run's `next`, and recorded a finished run as
// run.paused: its run.success routes never ran.
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLangGraphServer, type LangGraphServer } from "../../dev/langgraph-server.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { freePort } from "../support/ports.js";
import { deliveryFrom, testRuntime, type LoggedRuntime } from "../support/routing.js";

const START_TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;
const STATIC = "static-token-for-tests-0123456789";

const router = defineRoutes([
  { on: "run.paused", actions: [custom({ name: "paused", handler: () => undefined })] },
  { on: "run.success", actions: [custom({ name: "succeeded", handler: () => undefined })] },
]);

let langgraph: LangGraphServer | undefined;
let server: Server | undefined;
let receiverUrl = "";
let runtime: LoggedRuntime;
let client: Client;

beforeAll(async () => {
  // The receiver first and down last: a webhook that cannot be delivered kills a LangGraph queue worker.
  const port = await freePort();
  receiverUrl = `http://127.0.0.1:${port}`;
  server = serve({ fetch: (request: Request) => handleWebhook(request, runtime, router), port, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server?.listening === true) return resolve();
    server?.once("listening", resolve);
    server?.once("error", reject);
  });
  langgraph = await startLangGraphServer();
  runtime = testRuntime({ LANGGRAPH_API_URL: langgraph.url, WEBHOOK_SECRET: "pause-check-secret", WEBHOOK_TOKEN: STATIC, PUBLIC_URL: receiverUrl });
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await runtime?.idle();
  await langgraph?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}, START_TIMEOUT_MS);

async function routed(runId: string): Promise<DeliveryRecord> {
  const id = deliveryIdFor(runId, "success");
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const record = await runtime.store.get(id);
    if (record !== undefined && record.routing !== "pending" && record.actions.every((action) => action.state !== "pending")) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} was not routed within ${WAIT_MS} ms`);
}

const webhook = () => `${receiverUrl}/api/webhook?token=${STATIC}`;

describe("the paused check reads the checkpoint the run wrote", { timeout: 60_000 }, () => {
  it("routes a run that finished while the next run on its thread executes as run.success, not run.paused", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "agent", { input: { input: "first" }, webhook: webhook() });
    // Enqueued behind the first, and slow: it is executing (its `next` non-empty) when the first run's
    // callback is routed.
    const second = await client.runs.create(thread.thread_id, "agent", {
      input: { input: "second", delay_ms: 4_000 },
      multitaskStrategy: "enqueue",
      webhook: webhook(),
    });
    const delivery = await routed(first.run_id);
    expect((await client.runs.get(thread.thread_id, second.run_id)).status).toBe("running");
    expect(delivery.event).toBe("run.success");
    expect(delivery.pause).toBeUndefined();
    expect(delivery.pause_check_error).toBeUndefined();
    expect(delivery.actions).toEqual([expect.objectContaining({ name: "succeeded", state: "succeeded" })]);
    const next = await routed(second.run_id);
    expect(next.event).toBe("run.success");
  });

  it("still routes a run that stopped in interrupt() as run.paused, with its interrupts", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "hitl", { input: { input: "x" }, webhook: webhook() });
    const delivery = await routed(run.run_id);
    expect(delivery.event).toBe("run.paused");
    expect(delivery.pause).toEqual({ interrupts: [{ id: expect.any(String), value: { question: "Approve?", input: "x" } }], next: ["ask"] });
  });

  it("takes a stateless run whose thread is gone for a finished run, without an error", async () => {
    const run = await client.runs.create(null, "agent", { input: { input: "stateless" }, webhook: webhook() });
    const delivery = await routed(run.run_id);
    expect(delivery.event).toBe("run.success");
    expect(delivery.pause_check_error).toBeUndefined();
  });

  it("takes a thread run whose thread was deleted before the check for a finished run, without an error", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", { input: { input: "then deleted" } });
    await client.runs.join(thread.thread_id, run.run_id);
    // Its callback, routed after the thread is gone (deleted by its owner as the run ended).
    const delivery = deliveryFrom("thread_runs_create", { run_id: run.run_id, thread_id: thread.thread_id, assistant_id: run.assistant_id, status: "success" });
    await client.threads.delete(thread.thread_id);
    await expect(client.threads.getHistory(thread.thread_id, { limit: 1 })).rejects.toMatchObject({ status: 404 });
    delivery.actions = router.plan(delivery, runtime);
    await runtime.store.claim(delivery);
    await router.dispatch(delivery, runtime);
    const stored = await runtime.store.get(delivery.id);
    expect(stored?.event).toBe("run.success");
    expect(stored?.pause_check_error).toBeUndefined();
    expect(stored?.actions).toEqual([expect.objectContaining({ name: "succeeded", state: "succeeded" })]);
  });
});
