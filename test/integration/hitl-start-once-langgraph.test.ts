// Answers that do not go to plan, against the official LangGraph server. (1) LangGraph created the
// resumed run but the relay never heard so (the create's answer lost: a proxy passes the request on
// and answers 502). The start is keyed (lib/trigger/start-once.ts), so the next answer to the pause
// finds that run and records it, rather than being refused because the thread moved on — and no
// second run is started. (2) A resume value the HITL-middleware pause cannot take is refused before
// the claim; and when a resumed run fails anyway, the thread still waits on the very same interrupt
// ids, so the next answer is taken rather than refused for good (though on this server it fails too:
// the failed run's resume value stays pending on the checkpoint — see the test).
import type { Server } from "node:http";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLangGraphServer, type LangGraphServer } from "../../dev/langgraph-server.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { resumePause } from "../../lib/hitl/resume.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { startRun } from "../../lib/trigger/runs.js";
import { freePort } from "../support/ports.js";
import { testRuntime, type LoggedRuntime } from "../support/routing.js";

const START_TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;

/** A proxy to LangGraph whose next run creation reaches LangGraph but is answered 502 (the answer lost). */
class LostCreates {
  failNext = 0;
  readonly created: string[] = [];
  url = "";
  private readonly server: Server;

  constructor(private readonly target: string) {
    this.server = createServer((req, res) => {
      const upstream = new URL(req.url ?? "/", this.target);
      const isCreate = req.method === "POST" && /^\/threads\/[^/]+\/runs$/.test(upstream.pathname);
      const lose = isCreate && this.failNext > 0;
      if (lose) this.failNext -= 1;
      const forward = httpRequest(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          if (isCreate && (answer.statusCode ?? 500) < 300) this.created.push((JSON.parse(body.toString("utf8")) as { run_id: string }).run_id);
          if (lose) {
            res.writeHead(502, { "content-type": "application/json" }).end('{"detail": "bad gateway"}');
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
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

const router = defineRoutes([
  { on: "run.paused", actions: [custom({ name: "paused", handler: () => undefined })] },
  { on: "run.success", actions: [custom({ name: "finished", handler: () => undefined })] },
]);

let langgraph: LangGraphServer | undefined;
let proxy: LostCreates | undefined;
let server: Server | undefined;
let runtime: LoggedRuntime;
let client: Client;

beforeAll(async () => {
  // The receiver first and down last: a webhook that cannot be delivered kills a LangGraph queue worker.
  const port = await freePort();
  server = serve({ fetch: (request: Request) => handleWebhook(request, runtime, router), port, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server?.listening === true) return resolve();
    server?.once("listening", resolve);
    server?.once("error", reject);
  });
  langgraph = await startLangGraphServer();
  proxy = new LostCreates(langgraph.url);
  await proxy.listen();
  runtime = testRuntime({ LANGGRAPH_API_URL: proxy.url, WEBHOOK_SECRET: "hitl-start-once-secret", PUBLIC_URL: `http://127.0.0.1:${port}` });
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await runtime?.idle();
  await langgraph?.stop();
  await proxy?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}, START_TIMEOUT_MS);

async function routed(runId: string): Promise<DeliveryRecord> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const record = await runtime.store.get(deliveryIdFor(runId, "success"));
    if (record !== undefined && record.routing !== "pending" && record.actions.every((action) => action.state !== "pending")) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} was not routed within ${WAIT_MS} ms`);
}

describe("a resume whose create happened but whose answer was lost", { timeout: 60_000 }, () => {
  it("is found by the next answer (the start is keyed): recorded with that run, and no second run", async () => {
    const run = await startRun({ assistant_id: "hitl", thread_id: "new", input: { input: "lost answer" } }, { runtime });
    const threadId = run.thread_id as string;
    const paused = await routed(run.run_id);
    expect(paused.event).toBe("run.paused");

    proxy!.failNext = 1;
    const answer = { deliveryId: paused.id, channel: "link" as const, by: "resume link", answer: { resume: { approved: true, note: "first" } } };
    await expect(resumePause(answer, runtime)).rejects.toMatchObject({ status: 502 });
    const [lost] = proxy!.created.slice(-1);
    expect(lost).toBeDefined();
    // LangGraph did create it, and it runs on: the thread no longer waits on the pause.
    await client.runs.join(threadId, lost!);

    const again = await resumePause({ ...answer, answer: { resume: { approved: true, note: "again" } } }, runtime);
    expect(again.run_id).toBe(lost);
    expect(await runtime.decisions.list(paused.id)).toEqual([expect.objectContaining({ channel: "link", run_id: lost })]);
    expect((await runtime.decisions.list(paused.id))[0]).not.toHaveProperty("error");
    const runs = await client.runs.list(threadId);
    expect(runs.map((candidate) => candidate.run_id).sort()).toEqual([run.run_id, lost].sort());
  });

  it("a HITL-middleware pause: a value that does not fit is refused (400), and an answer whose run failed gives way to the next", async () => {
    const run = await startRun({ assistant_id: "hitl_tools", thread_id: "new", input: { to: "ops@example.com" } }, { runtime });
    const threadId = run.thread_id as string;
    const paused = await routed(run.run_id);
    expect(paused.event).toBe("run.paused");
    const link = { deliveryId: paused.id, channel: "link" as const, by: "resume link" };

    // One decision for two tool calls: the middleware would throw. Refused, nothing claimed.
    await expect(resumePause({ ...link, answer: { resume: { decisions: [{ type: "approve" }] } } }, runtime)).rejects.toMatchObject({ status: 400, code: "invalid_body" });
    expect(await runtime.decisions.list(paused.id)).toEqual([]);

    // An answer whose resumed run failed (made here directly, as a value the relay could not check would).
    const failing = await client.runs.create(threadId, "hitl_tools", { command: { resume: { decisions: [{ type: "approve" }] } } });
    await client.runs.join(threadId, failing.run_id);
    expect((await client.runs.get(threadId, failing.run_id)).status).toBe("error");
    await runtime.decisions.claim(paused.id, { channel: "link", decision: "custom", by: "resume link", at: new Date().toISOString(), run_id: failing.run_id }, 3600);
    // The thread still waits on the very same interrupt.
    const state = await client.threads.getState(threadId);
    expect(state.tasks.flatMap((task) => task.interrupts.map((interrupt) => interrupt.id))).toEqual(paused.pause?.interrupts.map((interrupt) => interrupt.id));

    // The relay takes the next answer (it is not refused for good) and records the failed one.
    const again = await resumePause({ ...link, answer: { resume: { decisions: [{ type: "approve" }, { type: "reject", message: "not today" }] } } }, runtime);
    expect(again.run_id).not.toBe(failing.run_id);
    const [decision] = await runtime.decisions.list(paused.id);
    expect(decision).toMatchObject({ run_id: again.run_id, earlier: [expect.objectContaining({ run_id: failing.run_id, error: expect.stringMatching(/ended \(error\)/) })] });
    // Measured on this server (@langchain/langgraph-api): the failed run's resume value stays pending
    // on the checkpoint, and a later resume of the same checkpoint reads it first — so this answer
    // fails the same way. That is why values the relay can tell will fail are refused before they are
    // sent (above). If a server version drops the failed write, this turns "success": update the docs.
    await client.runs.join(threadId, again.run_id);
    expect((await client.runs.get(threadId, again.run_id)).status).toBe("error");
  });
});
