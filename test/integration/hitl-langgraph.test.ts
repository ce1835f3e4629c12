// Human in the loop end to end, against the official LangGraph server (dev/graphs/hitl.ts calls
// interrupt(); dev/graphs/hitl_tools.ts pauses with LangChain's HITL-middleware shape): a run pauses,
// the relay posts Approve / Reject to a fake Slack and a resume_url to a forward receiver, and each
// channel — a signed Slack click, the link, the inspector's endpoint — resumes the thread exactly once
// with this deployment's webhook, whose callback comes back through the routes. Every refusal (wrong
// signature, stale timestamp, replayed or second click, used, tampered or expired link) starts nothing:
// LangGraph's own list of the thread's runs is the witness. Slack's response_url is a local fake here,
// allowed through the handler's explicit test-only seam (production accepts https://hooks.slack.com only).
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLangGraphServer, type LangGraphServer } from "../../dev/langgraph-server.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { handleSlack } from "../../lib/handlers/slack.js";
import { handleResume } from "../../lib/handlers/resume.js";
import { handleDeliveriesGet, handleDeliveriesPost } from "../../lib/handlers/deliveries.js";
import { route, type Handler } from "../../lib/http/methods.js";
import { slackSignature } from "../../lib/hitl/slack-signature.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { custom, defineRoutes, forward, slack } from "../../lib/routing/index.js";
import { startRun } from "../../lib/trigger/runs.js";
import { freePort } from "../support/ports.js";
import { newSecret, TestReceiver, testRuntime, type LoggedRuntime } from "../support/routing.js";
import { TEST_TRIGGER_TOKEN } from "../support/runtime.js";

const START_TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;
const SLACK_SECRET = "slack-signing-secret-for-tests";
const WEBHOOK_SECRET = "hitl-e2e-webhook-secret";
const FORWARD_SECRET = newSecret();

type Json = Record<string, unknown>;

let langgraph: LangGraphServer | undefined;
let server: Server | undefined;
let api = "";
let runtime: LoggedRuntime;
let client: Client;
let clockOffsetMs = 0;
const fakeSlack = new TestReceiver();
const forwarded = new TestReceiver(FORWARD_SECRET);

const router = defineRoutes([
  {
    on: "run.paused",
    actions: [
      slack({ name: "approvals", url: `${"http://placeholder"}/hook` }),
      forward({ name: "links", url: "http://placeholder/forward", secret: FORWARD_SECRET }),
    ],
  },
  { on: "run.success", actions: [custom({ name: "finished", handler: () => undefined })] },
  {
    name: "valued",
    on: "run.paused",
    decisions: { approve: "ship it", reject: { approved: false, reason: "not now" } },
    actions: [slack({ name: "valued-approvals", url: "http://placeholder/hook" })],
  },
  { name: "valued", on: "run.success", actions: [custom({ name: "valued-finished", handler: () => undefined })] },
]);

beforeAll(async () => {
  await fakeSlack.listen();
  await forwarded.listen();
  // The routes above were built before the receivers had ports: point the placeholder at them.
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  const fetchVia = (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input)
      .replace("http://placeholder/hook", `${fakeSlack.url}/hook`)
      .replace("http://placeholder/forward", forwarded.url);
    return fetch(url, init);
  };
  const allowResponseUrl = (url: URL) => url.origin === fakeSlack.url;
  const handlers: Record<string, Record<string, Handler>> = {
    "/api/webhook": route({ POST: (request) => handleWebhook(request, runtime, router) }),
    "/api/slack": route({ POST: (request) => handleSlack(request, runtime, router, { allowResponseUrl }) }),
    "/api/resume": route({ POST: (request) => handleResume(request, runtime, router) }),
    "/api/deliveries": route({ GET: (request) => handleDeliveriesGet(request, runtime), POST: (request) => handleDeliveriesPost(request, runtime, router) }),
  };
  server = serve({
    fetch: (request: Request) => {
      const methods = handlers[new URL(request.url).pathname];
      const handler = methods?.[request.method];
      return handler === undefined ? new Response("no", { status: 404 }) : handler(request);
    },
    port,
    hostname: "127.0.0.1",
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server?.listening === true) return resolve();
    server?.once("listening", resolve);
    server?.once("error", reject);
  });
  langgraph = await startLangGraphServer();
  runtime = testRuntime(
    { LANGGRAPH_API_URL: langgraph.url, WEBHOOK_SECRET, PUBLIC_URL: api, SLACK_SIGNING_SECRET: SLACK_SECRET, TRIGGER_TOKEN: TEST_TRIGGER_TOKEN, RESUME_LINK_TTL: "7d" },
    { fetch: fetchVia as typeof fetch, now: () => Date.now() + clockOffsetMs },
  );
  client = new Client({ apiUrl: langgraph.url, apiKey: null });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await runtime?.idle();
  await langgraph?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  await fakeSlack.close();
  await forwarded.close();
}, START_TIMEOUT_MS);

async function routed(runId: string): Promise<DeliveryRecord> {
  const id = deliveryIdFor(runId, "success");
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const record = await runtime.store.get(id);
    if (record !== undefined && record.routing !== "pending" && record.actions.length > 0 && record.actions.every((action) => action.state !== "pending")) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} was not routed within ${WAIT_MS} ms`);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within ${WAIT_MS} ms`);
}

/** Starts a paused run through the relay (minted webhook) and waits for its run.paused delivery. */
async function paused(assistant: string, input: Json, name?: string): Promise<{ delivery: DeliveryRecord; threadId: string }> {
  const run = await startRun({ assistant_id: assistant, thread_id: "new", input, ...(name === undefined ? {} : { route: name }) }, { runtime });
  const delivery = await routed(run.run_id);
  expect(delivery.event).toBe("run.paused");
  return { delivery, threadId: run.thread_id as string };
}

/** The Slack message the relay posted for a delivery, and its buttons' value. */
function postedFor(deliveryId: string): { blocks: Json[]; value: string } {
  const request = fakeSlack.requests.find((candidate) => candidate.url === "/hook" && candidate.raw.includes(deliveryId));
  if (request === undefined) throw new Error(`no Slack message for ${deliveryId}`);
  const blocks = (request.body as { blocks: Json[] }).blocks;
  const actions = blocks.find((block) => block["type"] === "actions") as { elements: { action_id: string; value: string }[] } | undefined;
  if (actions === undefined) throw new Error("the message has no buttons");
  expect(actions.elements.map((element) => element.action_id)).toEqual(["approve", "reject"]);
  return { blocks, value: actions.elements[0]?.value as string };
}

let responses = 0;
/** Slack's interactivity request for a click, signed as Slack signs it (or not). */
function click(options: { value: string; decision: "approve" | "reject"; blocks?: Json[]; user?: string; timestamp?: number; secret?: string }): { body: string; headers: Record<string, string>; responsePath: string } {
  responses += 1;
  const responsePath = `/response/${responses}`;
  const body = `payload=${encodeURIComponent(
    JSON.stringify({
      type: "block_actions",
      user: { id: "U0ANN", username: options.user ?? "ann" },
      actions: [{ action_id: options.decision, value: options.value, type: "button" }],
      response_url: `${fakeSlack.url}${responsePath}`,
      message: { blocks: options.blocks ?? [] },
    }),
  )}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    body,
    responsePath,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(options.secret ?? SLACK_SECRET, timestamp, body),
    },
  };
}

const post = (path: string, request: { body: string; headers: Record<string, string> }) => fetch(`${api}${path}`, { method: "POST", body: request.body, headers: request.headers });
const responseTo = (path: string) => until(`Slack response at ${path}`, () => fakeSlack.requests.find((request) => request.url === path)?.body as Json | undefined);
const runsOf = async (threadId: string) => (await client.runs.list(threadId)).length;
const resumeOf = async (runId: string) => ((await routed(runId)).payload.values as { answer?: unknown }).answer;

describe("Slack approvals", { timeout: 90_000 }, () => {
  it("a signed click resumes the run once; a replayed click, a second click, a wrong signature and a stale timestamp resume nothing", async () => {
    const { delivery, threadId } = await paused("hitl", { input: "deploy v2" });
    const { blocks, value } = postedFor(delivery.id);
    expect(JSON.stringify(blocks)).toContain("Approve?");
    expect(value).toMatch(/^rs1\./);
    for (const secret of [WEBHOOK_SECRET, SLACK_SECRET, TEST_TRIGGER_TOKEN]) expect(value).not.toContain(secret);

    // Unsigned, wrongly signed and stale clicks: 401 in the pinned shape, before anything happens.
    const wrong = click({ value, decision: "approve", blocks, secret: "not-the-secret" });
    const wrongAnswer = await post("/api/slack", wrong);
    expect(wrongAnswer.status).toBe(401);
    expect((await wrongAnswer.json()) as Json).toEqual({ error: { code: "unauthorized", message: expect.stringMatching(/X-Slack-Signature does not match/) } });
    const stale = click({ value, decision: "approve", blocks, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect((await post("/api/slack", stale)).status).toBe(401);
    expect((await post("/api/slack", { body: wrong.body, headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(401);

    const first = click({ value, decision: "approve", blocks });
    const answer = await post("/api/slack", first);
    expect(answer.status).toBe(200);
    const message = await responseTo(first.responsePath);
    expect(message["replace_original"]).toBe(true);
    const closing = JSON.stringify((message["blocks"] as Json[]).at(-1));
    expect(closing).toMatch(/Approved\* by <@U0ANN> at \d{4}-\d\d-\d\dT/);
    expect((message["blocks"] as Json[]).some((block) => block["type"] === "actions")).toBe(false);
    const resumedRunId = /resumed as run `([^`]+)`/.exec(closing)?.[1] as string;
    expect(await resumeOf(resumedRunId)).toEqual({ approved: true, by: "ann" });
    const resumed = await routed(resumedRunId);
    expect(resumed.auth).toBe("minted");
    expect(resumed.actions).toEqual([expect.objectContaining({ name: "finished", state: "succeeded" })]);

    // The very same request again (a replay within the window), then another click: nothing resumed.
    expect((await post("/api/slack", first)).status).toBe(200);
    const second = click({ value, decision: "reject", blocks, user: "bob" });
    expect((await post("/api/slack", second)).status).toBe(200);
    const refused = await responseTo(second.responsePath);
    expect(JSON.stringify(refused)).toMatch(/Nothing was resumed: this pause was already answered\. It was approved by ann \(slack\)/);
    await runtime.idle();
    expect(await runsOf(threadId)).toBe(2);
    expect(fakeSlack.requests.filter((request) => request.url === wrong.responsePath || request.url === stale.responsePath)).toEqual([]);

    // The decision is on the delivery, with the run it started.
    const detail = await fetch(`${api}/api/deliveries?id=${delivery.id}`, { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } });
    expect(((await detail.json()) as { delivery: { decisions: unknown } }).delivery.decisions).toEqual([
      { channel: "slack", decision: "approve", by: "ann", by_id: "U0ANN", at: expect.any(String), value: { approved: true, by: "ann" }, run_id: resumedRunId },
    ]);
  });

  it("a click after the thread moved on resumes nothing and says so", async () => {
    const { delivery, threadId } = await paused("hitl", { input: "moved" });
    const { blocks, value } = postedFor(delivery.id);
    // Someone resumed the thread directly (not through the relay).
    const direct = await client.runs.create(threadId, "hitl", { command: { resume: "by hand" } });
    await client.runs.join(threadId, direct.run_id);
    const late = click({ value, decision: "approve", blocks });
    expect((await post("/api/slack", late)).status).toBe(200);
    expect(JSON.stringify(await responseTo(late.responsePath))).toMatch(/Nothing was resumed: the thread has moved on/);
    await runtime.idle();
    expect(await runsOf(threadId)).toBe(2);
  });

  it("resumes with the route's own values for the buttons", async () => {
    const { delivery } = await paused("hitl", { input: "valued" }, "valued");
    const { blocks, value } = postedFor(delivery.id);
    const approve = click({ value, decision: "approve", blocks });
    await post("/api/slack", approve);
    const closing = JSON.stringify((await responseTo(approve.responsePath))["blocks"]);
    const runId = /resumed as run `([^`]+)`/.exec(closing)?.[1] as string;
    expect(await resumeOf(runId)).toBe("ship it");
  });

  it("answers LangChain's HITL-middleware interrupt with one decision per action request", async () => {
    const { delivery } = await paused("hitl_tools", { to: "ops@example.com" });
    expect(delivery.pause?.interrupts[0]?.value).toMatchObject({ actionRequests: [{ name: "send_email" }, { name: "delete_file" }] });
    const { blocks, value } = postedFor(delivery.id);
    const approve = click({ value, decision: "approve", blocks });
    await post("/api/slack", approve);
    const runId = /resumed as run `([^`]+)`/.exec(JSON.stringify((await responseTo(approve.responsePath))["blocks"]))?.[1] as string;
    const finished = await routed(runId);
    expect(finished.event).toBe("run.success");
    expect(finished.payload.values).toMatchObject({ executed: ["send_email", "delete_file"], rejected: [] });
  });
});

describe("resume links", { timeout: 90_000 }, () => {
  /** The forwarded run.paused body of a delivery (signature verified by the receiver). */
  const forwardedFor = (deliveryId: string) =>
    until(`forward of ${deliveryId}`, () => forwarded.requests.find((request) => request.verified === true && request.headers["webhook-id"] === `msg_${deliveryId}_links`)?.body as Json | undefined);

  it("resume_url resumes the run once (202 with the new run), then 409; a tampered link is 401", async () => {
    const { delivery, threadId } = await paused("hitl", { input: "by link" });
    const body = await forwardedFor(delivery.id);
    expect(Object.keys(body)).toEqual(["type", "run", "resume_url"]);
    const link = body["resume_url"] as string;
    expect(link.startsWith(`${api}/api/resume?token=rl1.`)).toBe(true);
    for (const secret of [WEBHOOK_SECRET, TEST_TRIGGER_TOKEN, "static-token-for-tests-0123456789"]) expect(link).not.toContain(secret);

    // One character of the signature (its first: the last may carry only base64url's unused bits).
    const signatureAt = link.lastIndexOf(".") + 1;
    const tampered = `${link.slice(0, signatureAt)}${link[signatureAt] === "A" ? "B" : "A"}${link.slice(signatureAt + 1)}`;
    expect(tampered).toHaveLength(link.length);
    expect(tampered.split(".").slice(0, -1)).toEqual(link.split(".").slice(0, -1));
    expect(tampered).not.toBe(link);
    const tamperedAnswer = await fetch(tampered, { method: "POST", body: JSON.stringify({ resume: "x" }) });
    expect(tamperedAnswer.status).toBe(401);
    expect(((await tamperedAnswer.json()) as { error: { code: string } }).error.code).toBe("unauthorized");

    const answer = await fetch(link, { method: "POST", body: JSON.stringify({ resume: { approved: true, note: "from email" } }) });
    expect(answer.status).toBe(202);
    const started = (await answer.json()) as { run_id: string; thread_id: string };
    expect(started.thread_id).toBe(threadId);
    expect(await resumeOf(started.run_id)).toEqual({ approved: true, note: "from email" });

    const again = await fetch(link, { method: "POST", body: JSON.stringify({ resume: "twice" }) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("already_decided");
    expect(await runsOf(threadId)).toBe(2);
  });

  it("an expired link is 401 (the relay's clock moved past RESUME_LINK_TTL)", async () => {
    const { delivery, threadId } = await paused("hitl", { input: "too late" });
    const link = (await forwardedFor(delivery.id))["resume_url"] as string;
    clockOffsetMs = 8 * 86_400_000;
    try {
      const answer = await fetch(link, { method: "POST", body: JSON.stringify({ resume: "late" }) });
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("expired");
    } finally {
      clockOffsetMs = 0;
    }
    expect(await runsOf(threadId)).toBe(1);
  });
});

describe("the inspector's resume endpoint", { timeout: 90_000 }, () => {
  const resume = (id: string, body: unknown, token = TEST_TRIGGER_TOKEN) =>
    fetch(`${api}/api/deliveries?id=${id}&resume=1`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

  it("resumes a paused delivery once (202), refuses a second answer (409) and a delivery that is not paused (400)", async () => {
    const { delivery, threadId } = await paused("hitl", { input: "inspector" });
    const answer = await resume(delivery.id, { decision: "reject" });
    expect(answer.status).toBe(202);
    const body = (await answer.json()) as { run_id: string; thread_id: string; delivery: { decisions: Json[] } };
    expect(body.thread_id).toBe(threadId);
    expect(body.delivery.decisions).toEqual([expect.objectContaining({ channel: "inspector", decision: "reject", run_id: body.run_id })]);
    expect(await resumeOf(body.run_id)).toEqual({ approved: false, by: "inspector" });

    expect((await resume(delivery.id, { resume: "again" })).status).toBe(409);
    const finished = deliveryIdFor(body.run_id, "success");
    const notPaused = await resume(finished, { decision: "approve" });
    expect(notPaused.status).toBe(400);
    expect(await runsOf(threadId)).toBe(2);
  });

  it("answers two interrupts pending at once, each by its interrupt id", async () => {
    const { delivery } = await paused("hitl", { input: "both", parallel: true });
    expect(delivery.pause?.interrupts.map((interrupt) => interrupt.value)).toEqual([{ question: "Approve?", input: "both" }, { question: "Confirm?" }]);
    const answer = await resume(delivery.id, { decision: "approve" });
    expect(answer.status).toBe(202);
    const { run_id: runId } = (await answer.json()) as { run_id: string };
    const finished = await routed(runId);
    expect(finished.payload.values).toMatchObject({ answer: { approved: true, by: "inspector" }, confirmation: { approved: true, by: "inspector" } });
  });
});
