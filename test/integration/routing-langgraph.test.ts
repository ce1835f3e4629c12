// Routing against the official LangGraph server (dev/langgraph-server.ts): a run paused in
// interrupt() calls back with `success` and the router emits run.paused; a finished run chains a
// second run whose callback comes back too; a chain that loops is stopped by its depth limit.
// The receiver is lib/handlers/webhook.ts served over real HTTP, with this file's router.
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLangGraphServer, type LangGraphServer } from "../../dev/langgraph-server.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { chain, custom, defineRoutes } from "../../lib/routing/index.js";
import type { RunPausedEvent } from "../../lib/routing/index.js";
import { startRun } from "../../lib/trigger/runs.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { freePort } from "../support/ports.js";
import { testRuntime, type LoggedRuntime } from "../support/routing.js";

const START_TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;

const paused: RunPausedEvent[] = [];
const router = defineRoutes([
  { on: "run.paused", graph_id: "hitl", actions: [custom({ name: "hitl-paused", handler: (event) => void paused.push(event) })] },
  { on: "run.success", graph_id: "hitl", actions: [custom({ name: "hitl-finished", handler: () => undefined })] },
  {
    name: "first",
    on: "run.success",
    actions: [
      chain({
        name: "to-second",
        assistant_id: "agent",
        route: "second",
        input: (event) => ({
          messages: [{ role: "user", content: `again: ${String((event.values as { output?: unknown }).output)}` }],
        }),
      }),
    ],
  },
  { name: "second", on: "run.success", actions: [custom({ name: "second-arrived", handler: () => undefined })] },
  { name: "loop", on: "run.success", actions: [chain({ name: "loop-again", assistant_id: "agent", route: "loop", maxDepth: 2, input: () => ({ input: "loop" }) })] },
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
  server = serve({
    fetch: (request: Request) => handleWebhook(request, runtime, router),
    port,
    hostname: "127.0.0.1",
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server?.listening === true) return resolve();
    server?.once("listening", resolve);
    server?.once("error", reject);
  });
  langgraph = await startLangGraphServer();
  runtime = testRuntime({
    LANGGRAPH_API_URL: langgraph.url,
    WEBHOOK_SECRET: "routing-e2e-secret",
    WEBHOOK_TOKEN: "static-token-for-tests-0123456789",
    PUBLIC_URL: receiverUrl,
  });
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await runtime?.idle();
  await langgraph?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}, START_TIMEOUT_MS);

/** Polls the store until a routed delivery matches (the router runs after the ack). */
async function waitForDelivery(predicate: (delivery: DeliveryRecord) => boolean): Promise<DeliveryRecord> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const { deliveries } = await runtime.store.list({ limit: 100 });
    const found = deliveries.find((delivery) => delivery.routing !== "pending" && predicate(delivery));
    if (found !== undefined && found.actions.every((action) => action.state !== "pending")) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no matching delivery within ${WAIT_MS} ms`);
}

describe("routing against the LangGraph server", { timeout: 60_000 }, () => {
  it("emits run.paused for a run that stopped in interrupt(), although LangGraph says success", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "hitl", {
      input: { input: "x" },
      webhook: `${receiverUrl}/api/webhook?token=static-token-for-tests-0123456789`,
    });
    const delivery = await waitForDelivery((candidate) => candidate.run_id === run.run_id);
    expect(delivery.status).toBe("success");
    expect(delivery.event).toBe("run.paused");
    expect(delivery.pause).toEqual({ interrupts: [{ id: expect.any(String), value: { question: "Approve?", input: "x" } }], next: ["ask"] });
    expect(delivery.actions).toEqual([expect.objectContaining({ name: "hitl-paused", state: "succeeded" })]);
    expect(paused.map((event) => event.interrupts[0]?.value)).toEqual([{ question: "Approve?", input: "x" }]);

    // Resumed, the same thread finishes: that callback is a plain run.success.
    const resumed = await client.runs.create(thread.thread_id, "hitl", {
      command: { resume: "yes" },
      webhook: `${receiverUrl}/api/webhook?token=static-token-for-tests-0123456789`,
    });
    const finished = await waitForDelivery((candidate) => candidate.run_id === resumed.run_id);
    expect(finished.event).toBe("run.success");
    expect(finished.actions).toEqual([expect.objectContaining({ name: "hitl-finished", state: "succeeded" })]);
  });

  it("chains a second run whose callback comes back to the relay", async () => {
    const first = await startRun(
      { assistant_id: "agent", thread_id: "new", input: { messages: [{ role: "user", content: "Hello!" }] }, route: "first" },
      { runtime },
    );
    const firstDelivery = await waitForDelivery((candidate) => candidate.run_id === first.run_id);
    expect(firstDelivery.route).toBe("first");
    expect(firstDelivery.auth).toBe("minted");
    const chained = firstDelivery.actions.find((action) => action.name === "to-second");
    expect(chained?.state).toBe("succeeded");
    const secondRunId = chained?.attempts[0]?.result?.["run_id"];
    expect(typeof secondRunId).toBe("string");

    const second = await waitForDelivery((candidate) => candidate.run_id === secondRunId);
    expect(second.route).toBe("second");
    expect(second.auth).toBe("minted");
    expect(second.payload.metadata).toMatchObject({ relay_chain_depth: 1, relay_chain_parent_run_id: first.run_id });
    expect((second.payload.values as { output?: string }).output).toBe("echo: again: echo: Hello!");
    expect(second.actions).toEqual([expect.objectContaining({ name: "second-arrived", state: "succeeded" })]);
  });

  it("stops a chain that loops at its depth limit", async () => {
    const start = await startRun({ assistant_id: "agent", thread_id: "new", input: { input: "loop" }, route: "loop" }, { runtime });
    const stopped = await waitForDelivery(
      (candidate) => candidate.route === "loop" && candidate.actions.some((action) => action.name === "loop-again" && action.state === "failed"),
    );
    expect(stopped.payload.metadata?.["relay_chain_depth"]).toBe(2);
    expect(stopped.actions[0]?.last_error).toMatch(/^chain depth limit reached: .*relay_chain_depth=2 and the limit is 2; no run was started/);
    const deliveries = (await runtime.store.list({ limit: 100 })).deliveries.filter((delivery) => delivery.route === "loop");
    // The first run, two chained ones, and nothing after the limit.
    expect(deliveries).toHaveLength(3);
    expect(deliveries.map((delivery) => delivery.run_id)).toContain(start.run_id);
  });
});
