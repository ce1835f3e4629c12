// /api/slack, /api/resume and the inspector's resume, through the api/ exports with LangGraph's two
// calls replaced (the thread's state, the start of the resumed run) and Slack's response_url caught by
// the runtime's fetch: what a person sees when a click cannot be acted on, and what never happens.
import { afterEach, describe, expect, it } from "vitest";
import * as deliveriesApi from "../../api/deliveries.js";
import * as resumeApi from "../../api/resume.js";
import * as slackApi from "../../api/slack.js";
import type { Handler } from "../../lib/http/methods.js";
import { resumeUrl, signReference } from "../../lib/hitl/references.js";
import { slackSignature } from "../../lib/hitl/slack-signature.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { setRuntime, type StartRunRequest } from "../../lib/runtime/runtime.js";
import { deliveryFrom } from "../support/routing.js";
import { installTestRuntime, TEST_SECRET, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

const SLACK_SECRET = "handler-test-slack-secret";
const WAITING = { next: ["ask"], tasks: [{ interrupts: [{ id: "i1", value: { question: "Approve?" } }] }] };
const RESPONSE_URL = "https://hooks.slack.com/actions/T1/1/secret-path";

interface Harness {
  runtime: TestRuntime;
  delivery: DeliveryRecord;
  started: StartRunRequest[];
  posted: { url: string; body: Record<string, unknown> }[];
  clock: { now: number };
  threadState: { read: () => Promise<unknown> };
  /** What LangGraph says of a resumed run (GET /threads/{id}/runs/{id}). */
  runStatus: { value: string };
  /** How long each resumed run's start takes (a slow LangGraph widens every race). */
  startDelay: { ms: number };
}

afterEach(() => {
  setRuntime(undefined);
});

async function harness(pauseValue: unknown = { question: "Approve?" }): Promise<Harness> {
  const started: StartRunRequest[] = [];
  const posted: Harness["posted"] = [];
  const clock = { now: Date.now() };
  const runStatus = { value: "running" };
  const startDelay = { ms: 0 };
  const threadState = { read: async (): Promise<unknown> => ({ ...WAITING, tasks: [{ interrupts: [{ id: "i1", value: pauseValue }] }] }) };
  const runtime = installTestRuntime(
    { SLACK_SIGNING_SECRET: SLACK_SECRET },
    {
      now: () => clock.now,
      readThreadState: () => threadState.read(),
      readRun: async () => ({ status: runStatus.value, webhook: undefined }),
      startRun: async (request) => {
        started.push(request);
        const runId = `run-${started.length}`;
        if (startDelay.ms > 0) await new Promise((resolve) => setTimeout(resolve, startDelay.ms));
        return { run_id: runId, thread_id: request.thread_id ?? null, assistant_id: request.assistant_id, status: "pending" };
      },
      fetch: async (input, init) => {
        posted.push({ url: String(input), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
        return new Response(null, { status: 200 });
      },
    },
  );
  const delivery = deliveryFrom("hitl_interrupt");
  delivery.event = "run.paused";
  delivery.pause = { interrupts: [{ id: "i1", value: pauseValue }], next: ["ask"] };
  delivery.routing = "done";
  await runtime.store.claim(delivery);
  return { runtime, delivery, started, posted, clock, threadState, runStatus, startDelay };
}

const button = (h: Harness) => signReference("slack", [TEST_SECRET], { deliveryId: h.delivery.id, pausedAtMs: h.clock.now, ttlMs: 7 * 86_400_000 });

function slackRequest(h: Harness, payload: unknown, options: { raw?: string } = {}): Request {
  const body = options.raw ?? `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(h.clock.now / 1000));
  return new Request("https://relay.test/api/slack", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": slackSignature(SLACK_SECRET, timestamp, body) },
    body,
  });
}

const click = (h: Harness, decision = "approve", responseUrl = RESPONSE_URL) => ({
  type: "block_actions",
  user: { id: "U0ANN", username: "ann" },
  actions: [{ action_id: decision, value: button(h) }],
  response_url: responseUrl,
  message: { blocks: [{ type: "section", text: { type: "mrkdwn", text: "Approve?" } }, { type: "actions", elements: [] }] },
});

const call = async (api: unknown, request: Request) => {
  const handler = (api as Record<string, Handler>)[request.method];
  if (handler === undefined) throw new Error("no handler");
  return handler(request);
};

describe("POST /api/slack", () => {
  it("a click whose thread cannot be read resumes nothing, tells only the clicker (the buttons stay), and can be clicked again", async () => {
    const h = await harness();
    h.threadState.read = async () => {
      throw new Error("LangGraph is down");
    };
    expect((await call(slackApi, slackRequest(h, click(h)))).status).toBe(200);
    await h.runtime.idle();
    expect(h.started).toEqual([]);
    expect(h.posted).toEqual([{ url: RESPONSE_URL, body: { response_type: "ephemeral", replace_original: false, text: expect.stringMatching(/^:warning: Nothing was resumed: Could not ask LangGraph/) } }]);

    h.threadState.read = async () => WAITING;
    expect((await call(slackApi, slackRequest(h, click(h)))).status).toBe(200);
    await h.runtime.idle();
    expect(h.started).toHaveLength(1);
    const rewritten = h.posted[1]?.body as { replace_original: boolean; blocks: { type: string }[] };
    expect(rewritten.replace_original).toBe(true);
    expect(rewritten.blocks.map((block) => block.type)).toEqual(["section", "section"]);
    expect(JSON.stringify(rewritten)).toMatch(/Approved\* by <@U0ANN>.*resumed as run `run-1`/);
  });

  it("an expired button says so in the message and resumes nothing", async () => {
    const h = await harness();
    const payload = click(h);
    h.clock.now += 8 * 86_400_000;
    expect((await call(slackApi, slackRequest(h, payload))).status).toBe(200);
    await h.runtime.idle();
    expect(h.started).toEqual([]);
    expect(JSON.stringify(h.posted[0]?.body)).toMatch(/This resume link has expired.*Nothing was resumed/);
  });

  it("sends nothing to a response_url that is not Slack's, and answers 400", async () => {
    const h = await harness();
    for (const url of ["https://evil.example/actions/T1", "http://hooks.slack.com/actions/T1", "https://hooks.slack.com@evil.example/x", "https://127.0.0.1/x"]) {
      const answer = await call(slackApi, slackRequest(h, click(h, "approve", url)));
      expect(answer.status, url).toBe(400);
    }
    await h.runtime.idle();
    expect(h.posted).toEqual([]);
    expect(h.started).toEqual([]);
  });

  it("acknowledges Slack's ssl_check and other interactions with 200, doing nothing", async () => {
    const h = await harness();
    expect((await call(slackApi, slackRequest(h, undefined, { raw: "ssl_check=1&token=legacy" }))).status).toBe(200);
    expect((await call(slackApi, slackRequest(h, { type: "view_submission", user: { id: "U1" } }))).status).toBe(200);
    expect((await call(slackApi, slackRequest(h, { ...click(h), actions: [{ action_id: "something_else", value: "x" }] }))).status).toBe(200);
    await h.runtime.idle();
    expect([h.posted, h.started]).toEqual([[], []]);
  });

  it("answers a wrong method with 405 and Allow: POST, in the pinned shape", async () => {
    const answer = await call(slackApi, new Request("https://relay.test/api/slack", { method: "GET" }));
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST");
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });
});

describe("POST /api/resume and the inspector's resume", () => {
  const link = (h: Harness) => resumeUrl("https://relay.test", signReference("link", [TEST_SECRET], { deliveryId: h.delivery.id, pausedAtMs: h.clock.now, ttlMs: 3_600_000 }));
  const post = (url: string, body: string) => new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("refuses a body with both resume and decision, or neither, with 400 and claims nothing", async () => {
    const h = await harness();
    for (const body of ['{"resume": 1, "decision": "approve"}', "{}", '{"decision": "maybe"}', '{"resume": 1, "extra": 2}', "[1]"]) {
      expect((await call(resumeApi, post(link(h), body))).status, body).toBe(400);
    }
    expect((await call(resumeApi, post(link(h), '{"resume": null}'))).status).toBe(202);
    expect(h.started).toEqual([expect.objectContaining({ command: { resume: null } })]);
  });

  it("refuses a body over 256 KiB with 413, and a link that does not verify before reading the body", async () => {
    const h = await harness();
    expect((await call(resumeApi, post(link(h), JSON.stringify({ resume: "x".repeat(300 * 1024) })))).status).toBe(413);
    expect((await call(resumeApi, post(`${link(h)}x`, JSON.stringify({ resume: "x".repeat(300 * 1024) })))).status).toBe(401);
    expect((await call(resumeApi, post("https://relay.test/api/resume", '{"resume": 1}'))).status).toBe(401);
    expect(h.started).toEqual([]);
  });

  it("lets a read-only INSPECTOR_TOKEN read a pause and its decisions, not answer it (403)", async () => {
    const h = await harness();
    const reader = "inspector-token-read-only-0123456789";
    setRuntime(Object.assign(h.runtime, { config: { ...h.runtime.config, inspectorTokens: [reader] } }));
    const answer = await call(
      deliveriesApi,
      new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}&resume=1`, { method: "POST", headers: { authorization: `Bearer ${reader}` }, body: '{"decision": "approve"}' }),
    );
    expect(answer.status).toBe(403);
    const read = await call(deliveriesApi, new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}`, { headers: { authorization: `Bearer ${reader}` } }));
    expect(read.status).toBe(200);
    expect(h.started).toEqual([]);
  });

  it("refuses a decision the HITL middleware's review config does not allow, with 400, before claiming the pause", async () => {
    const h = await harness({ actionRequests: [{ name: "delete_file", args: {} }], reviewConfigs: [{ actionName: "delete_file", allowedDecisions: ["approve"] }] });
    const inspector = (body: string) =>
      new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}&resume=1`, { method: "POST", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" }, body });
    const refused = await call(deliveriesApi, inspector('{"decision": "reject"}'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/does not allow "reject" for "delete_file"/);
    expect((await call(deliveriesApi, inspector('{"decision": "approve"}'))).status).toBe(202);
    expect(h.started).toEqual([expect.objectContaining({ command: { resume: { decisions: [{ type: "approve" }] } } })]);
  });
});

describe("what a refused answer says, and what a decision records", () => {
  const link = (h: Harness) => resumeUrl("https://relay.test", signReference("link", [TEST_SECRET], { deliveryId: h.delivery.id, pausedAtMs: h.clock.now, ttlMs: 3_600_000 }));
  const post = (url: string, body: string) => new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const inspector = (h: Harness, body: string) =>
    new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}&resume=1`, { method: "POST", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" }, body });
  const messageOf = async (answer: Response) => ((await answer.json()) as { error: { message: string } }).error.message;

  it("after an answer that resumed nothing, says so rather than 'already approved'", async () => {
    const h = await harness();
    h.threadState.read = async () => ({ next: [], tasks: [] });
    expect((await call(slackApi, slackRequest(h, click(h, "approve")))).status).toBe(200);
    await h.runtime.idle();
    const second = await call(deliveriesApi, inspector(h, '{"decision": "reject"}'));
    expect(second.status).toBe(409);
    const message = await messageOf(second);
    expect(message).not.toMatch(/already approved/);
    expect(message).toMatch(/approved by ann \(slack\) at .*, but that resumed nothing: the thread has moved on/);
    expect(h.started).toEqual([]);
  });

  it("tells a link holder only that the pause was answered; the inspector may see who", async () => {
    const h = await harness();
    expect((await call(slackApi, slackRequest(h, click(h, "approve")))).status).toBe(200);
    await h.runtime.idle();
    expect(h.started).toHaveLength(1);
    const byLink = await call(resumeApi, post(link(h), '{"resume": 1}'));
    expect(byLink.status).toBe(409);
    const linkText = JSON.stringify(await byLink.json());
    expect(linkText).toMatch(/already answered/);
    for (const hidden of ["ann", "U0ANN", "slack", new Date(h.clock.now).toISOString().slice(0, 16)]) expect(linkText).not.toContain(hidden);
    const byInspector = await call(deliveriesApi, inspector(h, '{"decision": "reject"}'));
    expect(byInspector.status).toBe(409);
    expect(await messageOf(byInspector)).toMatch(/approved by ann \(slack\)/);
    expect(h.started).toHaveLength(1);
  });

  it("records the Slack user's id beside the name, and the inspector's credential kind (never the token)", async () => {
    const h = await harness();
    await call(slackApi, slackRequest(h, click(h, "reject")));
    await h.runtime.idle();
    expect(await h.runtime.decisions.list(h.delivery.id)).toEqual([expect.objectContaining({ channel: "slack", by: "ann", by_id: "U0ANN" })]);

    const other = await harness();
    const answered = await call(deliveriesApi, inspector(other, '{"decision": "approve"}'));
    expect(answered.status).toBe(202);
    const [decision] = await other.runtime.decisions.list(other.delivery.id);
    expect(decision).toMatchObject({ channel: "inspector", by: "inspector", credential: "TRIGGER_TOKEN" });
    expect(JSON.stringify(decision)).not.toContain(TEST_TRIGGER_TOKEN);
  });
});

describe("a free-form resume value that does not fit the pause", () => {
  const link = (h: Harness) => resumeUrl("https://relay.test", signReference("link", [TEST_SECRET], { deliveryId: h.delivery.id, pausedAtMs: h.clock.now, ttlMs: 3_600_000 }));
  const post = (url: string, body: string) => new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const inspector = (h: Harness, body: string) =>
    new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}&resume=1`, { method: "POST", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" }, body });
  const TWO_CALLS = {
    actionRequests: [
      { name: "send_email", args: { to: "a@example.com" } },
      { name: "delete_file", args: { path: "/tmp/x" } },
    ],
    reviewConfigs: [
      { actionName: "send_email", allowedDecisions: ["approve", "edit", "reject"] },
      { actionName: "delete_file", allowedDecisions: ["approve"] },
    ],
  };

  it("is refused with 400 for a HITL-middleware pause when its decisions do not match the requests or review configs, and leaves the pause open", async () => {
    const h = await harness(TWO_CALLS);
    const bodies = [
      { resume: { decisions: [{ type: "approve" }] } },
      { resume: { decisions: [{ type: "approve" }, { type: "reject", message: "no" }] } },
      { resume: { decisions: [{ type: "approve" }, "approve"] } },
      { resume: "approve" },
      { resume: { approved: true } },
    ];
    for (const body of bodies) {
      const answer = await call(resumeApi, post(link(h), JSON.stringify(body)));
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("invalid_body");
    }
    expect((await call(deliveriesApi, inspector(h, JSON.stringify(bodies[0])))).status).toBe(400);
    expect(h.started).toEqual([]);
    expect(await h.runtime.decisions.list(h.delivery.id)).toEqual([]);
    const fits = { resume: { decisions: [{ type: "edit", edited_action: { name: "send_email", args: { to: "b@example.com" } } }, { type: "approve" }] } };
    expect((await call(resumeApi, post(link(h), JSON.stringify(fits)))).status).toBe(202);
    expect(h.started).toEqual([expect.objectContaining({ command: fits })]);
  });

  it("whose resumed run failed, leaving the thread on the same interrupt, no longer blocks a new answer: one of several wins, the failure is recorded", async () => {
    const h = await harness();
    expect((await call(resumeApi, post(link(h), '{"resume": {"wrong": "shape"}}'))).status).toBe(202);
    expect(h.started).toHaveLength(1);
    // Its run is still going: the pause stays answered.
    const early = await call(deliveriesApi, inspector(h, '{"decision": "approve"}'));
    expect(early.status).toBe(409);
    // The run failed; the thread still waits on interrupt i1.
    h.runStatus.value = "error";
    const answers = await Promise.all([
      call(deliveriesApi, inspector(h, '{"decision": "approve"}')),
      call(resumeApi, post(link(h), '{"resume": {"approved": true}}')),
      call(deliveriesApi, inspector(h, '{"decision": "reject"}')),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409, 409]);
    expect(h.started).toHaveLength(2);
    const read = await call(deliveriesApi, new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}`, { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } }));
    const { decisions } = ((await read.json()) as { delivery: { decisions: Record<string, unknown>[] } }).delivery;
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toMatchObject({ channel: "link", run_id: "run-1", error: expect.stringMatching(/run-1 ended \(error\)/) });
    expect(decisions[1]).toMatchObject({ run_id: "run-2" });
    // The thread moved on past the pause: answered for good.
    h.runStatus.value = "success";
    h.threadState.read = async () => ({ next: [], tasks: [] });
    expect((await call(deliveriesApi, inspector(h, '{"decision": "approve"}'))).status).toBe(409);
    expect(h.started).toHaveLength(2);
  });
});

describe("answers at once (from the outside review)", () => {
  const link = (h: Harness) => resumeUrl("https://relay.test", signReference("link", [TEST_SECRET], { deliveryId: h.delivery.id, pausedAtMs: h.clock.now, ttlMs: 3_600_000 }));
  const post = (url: string, body: string) => new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("20 concurrent POSTs of one link resume once: one 202, every other 409", async () => {
    const h = await harness();
    h.startDelay.ms = 50;
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(resumeApi, post(link(h), '{"resume": 1}'))));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    expect(h.started).toHaveLength(1);
  });

  it("a link, Slack clicks and the inspector at once resume once", async () => {
    const h = await harness();
    h.startDelay.ms = 30;
    const inspector = new Request(`https://relay.test/api/deliveries?id=${h.delivery.id}&resume=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
      body: '{"decision": "reject"}',
    });
    await Promise.all([
      call(resumeApi, post(link(h), '{"resume": 1}')),
      call(deliveriesApi, inspector),
      ...Array.from({ length: 10 }, (_, index) => call(slackApi, slackRequest(h, click(h, index % 2 === 0 ? "approve" : "reject")))),
    ]);
    await h.runtime.idle();
    expect(h.started).toHaveLength(1);
    expect(await h.runtime.decisions.list(h.delivery.id)).toEqual([expect.objectContaining({ run_id: "run-1" })]);
  });
});
