// The run.paused actions of human in the loop, routed without a LangGraph server (the paused check
// reads a captured thread state): a forwarded run.paused carries the same resume_url on every attempt
// (so its body is the same, like its webhook-id), and none without WEBHOOK_SECRET; the Slack message
// has Approve / Reject buttons only for run.paused and only when SLACK_SIGNING_SECRET is set, their
// value a signed reference that holds no token. The route's pause options reach pauseOptionsFor, and
// options that cannot work fail when the routes load.
import { afterEach, describe, expect, it } from "vitest";
import { verifyReference } from "../../lib/hitl/references.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { defineRoutes, forward, slack, type Route } from "../../lib/routing/index.js";
import type { Runtime } from "../../lib/runtime/runtime.js";
import { deliveryFrom, newSecret, recordingSleep, TestReceiver, testRuntime, type LoggedRuntime } from "../support/routing.js";
import { TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN } from "../support/runtime.js";

const HITL_STATE = {
  next: ["ask"],
  tasks: [{ id: "t1", name: "ask", error: null, interrupts: [{ id: "i1", value: { question: "Approve?", input: "x" } }] }],
};

const receivers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function route(routes: readonly Route[], runtime: LoggedRuntime, delivery: DeliveryRecord = deliveryFrom("hitl_interrupt")): Promise<DeliveryRecord> {
  const router = defineRoutes(routes, { envDefaults: false });
  const routing: Runtime = { ...runtime, sleep: recordingSleep().sleep, readThreadState: async () => HITL_STATE };
  delivery.actions = router.plan(delivery, routing);
  await routing.store.claim(delivery);
  await router.dispatch(delivery, routing);
  return (await runtime.store.get(delivery.id)) as DeliveryRecord;
}

describe("a forwarded run.paused", () => {
  it("carries one resume_url, the same on every attempt, beside type and run", async () => {
    const secret = newSecret();
    const receiver = await new TestReceiver(secret).listen();
    receivers.push(receiver);
    receiver.respond = (request) => (request.n === 1 ? { status: 500 } : { status: 200 });
    const runtime = testRuntime({ WEBHOOK_SECRET: TEST_SECRET, PUBLIC_URL: "https://relay.example" });
    const delivery = await route([{ on: "run.paused", actions: [forward({ url: receiver.url, secret })] }], runtime);
    expect(delivery.event).toBe("run.paused");
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests.map((request) => request.body as { type: string; resume_url: string });
    expect(Object.keys(first ?? {})).toEqual(["type", "run", "resume_url"]);
    expect(second).toEqual(first);
    expect(receiver.requests[0]?.headers["webhook-id"]).toBe(receiver.requests[1]?.headers["webhook-id"]);
    const link = new URL(first?.resume_url ?? "");
    expect(link.origin + link.pathname).toBe("https://relay.example/api/resume");
    expect(verifyReference("link", link.searchParams.get("token") ?? "", [TEST_SECRET], Date.now())).toBe(delivery.id);
    for (const secretValue of [TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN]) expect(first?.resume_url).not.toContain(secretValue);
  });

  it("has no resume_url where the relay cannot sign one (WEBHOOK_SECRET unset), and other events never do", async () => {
    const secret = newSecret();
    const receiver = await new TestReceiver(secret).listen();
    receivers.push(receiver);
    await route([{ on: "*", actions: [forward({ url: receiver.url, secret })] }], testRuntime({ WEBHOOK_SECRET: "" }));
    await route([{ on: "*", actions: [forward({ url: receiver.url, secret })] }], testRuntime(), deliveryFrom("error_graph_create"));
    expect(receiver.requests.map((request) => Object.keys(request.body as object))).toEqual([
      ["type", "run"],
      ["type", "run"],
    ]);
  });
});

describe("the Slack message of a run.paused", () => {
  const buttonsOf = (body: unknown) => (body as { blocks: { type: string; elements?: { action_id: string; value: string }[] }[] }).blocks.find((block) => block.type === "actions");

  it("has Approve and Reject buttons carrying a signed reference when SLACK_SIGNING_SECRET is set", async () => {
    const receiver = await new TestReceiver().listen();
    receivers.push(receiver);
    const runtime = testRuntime({ SLACK_SIGNING_SECRET: "slack-signing-secret" });
    const delivery = await route([{ on: "run.paused", actions: [slack({ url: receiver.url })] }], runtime);
    const buttons = buttonsOf(receiver.requests[0]?.body);
    expect(buttons?.elements?.map((element) => element.action_id)).toEqual(["approve", "reject"]);
    const value = buttons?.elements?.[0]?.value ?? "";
    expect(verifyReference("slack", value, [TEST_SECRET], Date.now())).toBe(delivery.id);
    expect(JSON.stringify(receiver.requests[0]?.body)).not.toContain(TEST_SECRET);
    expect(JSON.stringify(receiver.requests[0]?.body)).toContain("Approve?");
  });

  it("has no buttons without SLACK_SIGNING_SECRET (nothing could take their clicks), nor on other events", async () => {
    const receiver = await new TestReceiver().listen();
    receivers.push(receiver);
    await route([{ on: "*", actions: [slack({ url: receiver.url })] }], testRuntime());
    await route([{ on: "*", actions: [slack({ url: receiver.url })] }], testRuntime({ SLACK_SIGNING_SECRET: "s" }), deliveryFrom("error_graph_create"));
    expect(receiver.requests.map((request) => buttonsOf(request.body))).toEqual([undefined, undefined]);
  });
});

describe("a route's pause options", () => {
  it("are read for the deliveries the route handles, the first that sets each", () => {
    const noop = slack({ url: "https://hooks.slack.com/services/x" });
    const router = defineRoutes(
      [
        { on: "run.paused", graph_id: "other", decisions: { approve: "other" }, actions: [noop] },
        { on: "run.paused", decisions: { approve: "yes" }, actions: [noop] },
        { on: ["run.paused", "run.success"], unanswered: { after: "2h", then: "remind" }, decisions: { approve: "later" }, actions: [noop] },
      ],
      { envDefaults: false },
    );
    const runtime = testRuntime();
    expect(router.pauseOptionsFor(deliveryFrom("hitl_interrupt"), runtime)).toEqual({ decisions: { approve: "yes" }, unanswered: { after: "2h", then: "remind" } });
  });

  it("that cannot work fail when the routes load", () => {
    const noop = slack({ url: "https://hooks.slack.com/services/x" });
    expect(() => defineRoutes([{ on: "run.paused", unanswered: { after: "soon", then: "remind" }, actions: [noop] }])).toThrow(/unanswered.after must be a duration/);
    expect(() => defineRoutes([{ on: "run.paused", unanswered: { after: "10s", then: "remind" }, actions: [noop] }])).toThrow(/at least 1m/);
    expect(() => defineRoutes([{ on: "run.paused", decisions: { maybe: 1 } as never, actions: [noop] }])).toThrow(/approve and reject only/);
  });
});
