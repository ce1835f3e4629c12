// The router: which routes handle a delivery (event, wildcard, assistant, graph, metadata, named
// routes), fan-out, isolation of failures, run.paused, the environment's defaults, the Slack message,
// chain depth, the retry runner's bounds, progress saves, and what a handler's context holds — with
// the runtime's sleep, random, thread-state reader and startRun replaced.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunStarter, Runtime, StartRunRequest } from "../../lib/runtime/runtime.js";
import { chainDepthOf, chainKeyFor } from "../../lib/routing/actions/chain.js";
import { formatDuration, slackMessage } from "../../lib/routing/actions/slack.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { eventOf } from "../../lib/model/events.js";
import { DISPATCH_BUDGET_MS, resolvePolicy, RETRY_DEFAULTS, worstCaseMs } from "../../lib/routing/retry-policy.js";
import { PAUSE_CHECK_TIMEOUT_MS, pauseOf } from "../../lib/langgraph/thread-state.js";
import type { ActionContext, Route, RouterOptions } from "../../lib/routing/index.js";
import { chain, custom, defineRoutes, FinalError } from "../../lib/routing/index.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import {
  deliveryFrom,
  fixture,
  logsOf,
  recordingSleep,
  TestReceiver,
  testRuntime,
  type Json,
  type LoggedRuntime,
  type TestSeams,
} from "../support/routing.js";

const HITL_STATE = {
  values: { input: "x" },
  next: ["ask"],
  tasks: [{ id: "t1", name: "ask", error: null, interrupts: [{ id: "i1", value: { question: "Approve?", input: "x" } }] }],
};
const DONE_STATE = { values: { input: "x", answer: "yes" }, next: [], tasks: [] };

let runtime: LoggedRuntime;
beforeEach(() => {
  runtime = testRuntime();
});

/** A custom action that records which deliveries it saw. */
function spy(name: string, behaviour: (event: { type: string }) => Promise<void> | void = () => undefined) {
  const seen: string[] = [];
  const action = custom({
    name,
    handler: async (event) => {
      seen.push(event.type);
      await behaviour(event);
    },
  });
  return { action, seen };
}

/** Routes one delivery through the receiver's two steps, on `runtime` with `seams` replaced (no real waits). */
async function route(
  routes: readonly Route[],
  delivery: DeliveryRecord,
  seams: Omit<TestSeams, "store"> = {},
  options: RouterOptions = {},
): Promise<DeliveryRecord> {
  const router = defineRoutes(routes, options);
  const routing: Runtime = { ...runtime, sleep: recordingSleep().sleep, ...seams };
  delivery.actions = router.plan(delivery, routing);
  await routing.store.claim(delivery);
  await router.dispatch(delivery, routing);
  const stored = await runtime.store.get(delivery.id);
  if (stored === undefined) throw new Error("not stored");
  return stored;
}

const success = (overrides: Json = {}) => deliveryFrom("thread_runs_create", overrides);
const failure = (overrides: Json = {}) => deliveryFrom("error_graph_create", overrides);
const names = (record: DeliveryRecord) => record.actions.map((action) => action.name);

describe("matching", () => {
  it("runs a route for its event and not for others", async () => {
    const onError = spy("on-error");
    const routes: Route[] = [{ on: "run.error", actions: [onError.action] }];
    expect((await route(routes, success())).routing).toBe("no_route");
    const stored = await route(routes, failure());
    expect(onError.seen).toEqual(["run.error"]);
    expect(stored.routing).toBe("done");
    expect(stored.actions).toEqual([expect.objectContaining({ name: "on-error", type: "custom", state: "succeeded" })]);
  });

  it('"*" handles every event, an unknown status included; named events never do', async () => {
    const all = spy("all");
    const known = spy("known");
    const routes: Route[] = [
      { on: "*", actions: [all.action] },
      { on: ["run.success", "run.error", "run.timeout", "run.interrupted", "run.rollback", "run.paused"], actions: [known.action] },
    ];
    const stored = await route(routes, failure({ run_id: "future-run", status: "some_future_status" }));
    expect(stored.event).toBe("run.some_future_status");
    expect(all.seen).toEqual(["run.some_future_status"]);
    expect(known.seen).toEqual([]);
    await route(routes, success());
    expect(all.seen).toEqual(["run.some_future_status", "run.success"]);
    expect(known.seen).toEqual(["run.success"]);
  });

  it("matches assistant_id by id or by graph id, graph_id by graph id", async () => {
    const delivery = success();
    expect(delivery.graph_id).toBe("agent");
    const byUuid = spy("by-uuid");
    const byGraphAsAssistant = spy("by-graph-as-assistant");
    const byGraph = spy("by-graph");
    const other = spy("other-assistant");
    const otherGraph = spy("other-graph");
    const stored = await route(
      [
        { on: "run.success", assistant_id: delivery.assistant_id, actions: [byUuid.action] },
        { on: "run.success", assistant_id: ["nope", "agent"], actions: [byGraphAsAssistant.action] },
        { on: "run.success", graph_id: "agent", actions: [byGraph.action] },
        { on: "run.success", assistant_id: "hitl", actions: [other.action] },
        { on: "run.success", graph_id: delivery.assistant_id, actions: [otherGraph.action] },
      ],
      delivery,
    );
    expect(names(stored)).toEqual(["by-uuid", "by-graph-as-assistant", "by-graph"]);
  });

  it("matches metadata as a subset with equal JSON values", async () => {
    const delivery = success({
      metadata: { ...(fixture("thread_runs_create")["metadata"] as Json), tenant: "acme", tags: { tier: "gold", ids: [1, 2] } },
    });
    const hit = spy("hit");
    const nested = spy("nested");
    const wrongValue = spy("wrong-value");
    const missingKey = spy("missing-key");
    const partialObject = spy("partial-object");
    const stored = await route(
      [
        { on: "*", metadata: { tenant: "acme" }, actions: [hit.action] },
        { on: "*", metadata: { tenant: "acme", tags: { ids: [1, 2], tier: "gold" } }, actions: [nested.action] },
        { on: "*", metadata: { tenant: "globex" }, actions: [wrongValue.action] },
        { on: "*", metadata: { region: "eu" }, actions: [missingKey.action] },
        { on: "*", metadata: { tags: { tier: "gold" } }, actions: [partialObject.action] },
      ],
      delivery,
    );
    expect(names(stored)).toEqual(["hit", "nested"]);
  });

  it("hands a run started with route: name to the routes of that name only", async () => {
    const general = spy("general");
    const nightly = spy("nightly-report");
    const weekly = spy("weekly-report");
    const routes: Route[] = [
      { on: "run.success", actions: [general.action] },
      { name: "nightly", on: "run.success", actions: [nightly.action] },
      { name: "weekly", on: "run.success", actions: [weekly.action] },
    ];
    const named = success({ run_id: "named-run", metadata: { graph_id: "agent", relay_route: "nightly" } });
    expect(named.route).toBe("nightly");
    expect(names(await route(routes, named))).toEqual(["nightly-report"]);
    // A run without a route is handled by the unnamed routes, never by a named one.
    expect(names(await route(routes, success()))).toEqual(["general"]);
    expect(general.seen).toEqual(["run.success"]);
    expect(nightly.seen).toEqual(["run.success"]);
    expect(weekly.seen).toEqual([]);
  });

  it("records no_route and warns when a run names a route that does not exist", async () => {
    const general = spy("general");
    const stored = await route([{ on: "*", actions: [general.action] }], success({ metadata: { relay_route: "typo" } }));
    expect(stored.routing).toBe("no_route");
    expect(general.seen).toEqual([]);
    expect(logsOf(runtime, "no route has the run's route name")).toEqual([expect.objectContaining({ route: "typo" })]);
  });
});

describe("fan-out and isolation", () => {
  it("runs every action of every matching route once, concurrently", async () => {
    // Each of the two waits for the other to have started: only concurrent runs get through.
    let releaseA: () => void = () => undefined;
    let releaseB: () => void = () => undefined;
    const startedA = new Promise<void>((resolve) => (releaseA = resolve));
    const startedB = new Promise<void>((resolve) => (releaseB = resolve));
    const a = spy("a", async () => {
      releaseA();
      await startedB;
    });
    const b = spy("b", async () => {
      releaseB();
      await startedA;
    });
    const shared = spy("shared");
    const stored = await route(
      [
        { on: "run.success", actions: [a.action, shared.action] },
        { on: "*", actions: [b.action, shared.action] },
      ],
      success(),
    );
    expect(names(stored)).toEqual(["a", "shared", "b"]);
    expect(stored.actions.every((action) => action.state === "succeeded")).toBe(true);
    expect(shared.seen).toEqual(["run.success"]);
  });

  it("one action failing does not stop the others", async () => {
    const broken = custom({
      name: "broken",
      handler: () => {
        throw new FinalError("downstream said no");
      },
    });
    const fine = spy("fine");
    const stored = await route([{ on: "*", actions: [broken, fine.action] }], success());
    expect(stored.actions).toEqual([
      expect.objectContaining({ name: "broken", state: "failed", last_error: "downstream said no" }),
      expect.objectContaining({ name: "fine", state: "succeeded" }),
    ]);
    expect(stored.actions[0]?.attempts).toHaveLength(1);
    expect(stored.routing).toBe("done");
    expect(logsOf(runtime, "action succeeded", "action failed").map((line) => [line["action"], line["state"]])).toEqual(
      expect.arrayContaining([
        ["broken", "failed"],
        ["fine", "succeeded"],
      ]),
    );
  });

  it("retries other errors of a custom action with backoff, within its retries", async () => {
    let calls = 0;
    const flaky = custom({
      name: "flaky",
      handler: () => {
        calls += 1;
        if (calls < 3) throw new Error(`flake ${calls}`);
      },
      retry: { retries: 2, minDelayMs: 100 },
    });
    const { sleep, delays } = recordingSleep();
    const stored = await route([{ on: "*", actions: [flaky] }], success(), { sleep, random: () => 1 });
    expect(stored.actions[0]?.state).toBe("succeeded");
    expect(stored.actions[0]?.attempts.map((attempt) => attempt.error ?? "ok")).toEqual(["Error: flake 1", "Error: flake 2", "ok"]);
    expect(delays).toEqual([100, 200]);
  });

  it("stops at the delivery's time budget and leaves the next attempt to the sweep", async () => {
    // The runtime's clock jumps 20 s per attempt and per wait: the 52 s budget ends the third attempt.
    let now = 1_000_000;
    runtime = testRuntime({}, { now: () => now });
    const slow = custom({
      name: "slow",
      handler: () => {
        now += 20_000;
        throw new Error("still down");
      },
    });
    const stored = await route([{ on: "*", actions: [slow] }], success(), { sleep: async (ms) => void (now += ms) });
    // Still pending, its next attempt scheduled in the store's due-time index: nothing is dropped at the budget.
    expect(stored.actions[0]?.state).toBe("pending");
    expect(stored.actions[0]?.attempts.length).toBeLessThan(4);
    expect(stored.actions[0]?.last_error).toBe("Error: still down");
    expect(Date.parse(stored.actions[0]?.next_attempt_at ?? "")).toBeGreaterThanOrEqual(now);
    const due = await runtime.store.claimDue(Date.parse(stored.actions[0]?.next_attempt_at ?? "") + 1, 10, 1_000);
    expect(due.map((lease) => lease.item)).toEqual([`a|${stored.id}|slow`]);
  });
});

describe("saving progress", () => {
  it("tries a failed save again after the runtime's sleep, so the record does not stay pending", async () => {
    const { store } = runtime;
    const commitAction = store.commitAction.bind(store);
    let failures = 2;
    store.commitAction = (...args) => (failures-- > 0 ? Promise.reject(new Error("store down")) : commitAction(...args));
    const { sleep, delays } = recordingSleep();
    const stored = await route([{ on: "*", actions: [custom({ name: "noop", handler: () => undefined })] }], success(), { sleep });
    expect(delays).toEqual([100, 200]);
    expect(stored).toMatchObject({ routing: "done", actions: [{ name: "noop", state: "succeeded" }] });
    expect(logsOf(runtime, "could not save delivery progress; retrying")).toHaveLength(1);
  });
});

describe("a handler's context", () => {
  it("holds what an action needs — ids, attempt, signal, fetch, log, clock — and not the runtime", async () => {
    const contexts: ActionContext[] = [];
    const fetched: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      fetched.push(String(input));
      return new Response("ok");
    };
    const look = custom({
      name: "look",
      handler: async (_event, context) => {
        contexts.push(context);
        await context.fetch("https://example.test/hook", { signal: context.signal });
        context.log.info("looked", { at: context.now() });
      },
    });
    const stored = await route([{ on: "*", actions: [look] }], success(), { fetch, now: () => 1_700_000_000_000 });
    expect(contexts).toHaveLength(1);
    expect(Object.keys(contexts[0] ?? {}).sort()).toEqual(["action", "attempt", "delivery_id", "fetch", "log", "now", "replay", "signal"]);
    expect(contexts[0]).toMatchObject({ delivery_id: stored.id, action: "look", attempt: 1, replay: false });
    expect(fetched).toEqual(["https://example.test/hook"]);
    expect(logsOf(runtime, "looked")).toEqual([expect.objectContaining({ delivery_id: stored.id, action: "look", at: 1_700_000_000_000 })]);
  });
});

describe("definition", () => {
  const noop = custom({ name: "noop", handler: () => undefined });
  it("refuses unknown events, duplicate names, reserved names and empty actions when the routes load", () => {
    expect(() => defineRoutes([{ on: "run.sucess", actions: [noop] } as unknown as Route])).toThrow(
      /route #1: unknown event "run.sucess"; use one of run.success, .*or "\*"/,
    );
    expect(() =>
      defineRoutes([
        { on: "*", actions: [custom({ name: "same", handler: () => undefined })] },
        { on: "run.error", actions: [custom({ name: "same", handler: () => undefined })] },
      ]),
    ).toThrow(/Two different actions are named "same"/);
    expect(() => defineRoutes([{ on: "*", actions: [] }])).toThrow(/actions must be a non-empty list/);
    expect(() => custom({ name: "env:mine", handler: () => undefined })).toThrow(/Invalid action name/);
    expect(() => custom({ name: "ok", handler: () => undefined, retry: { retries: 99 } })).toThrow(/`retries` must be an integer from 0 to 10/);
    expect(() => custom({ name: "ok", handler: () => undefined, retry: { timeoutMs: 0 } })).toThrow(/`timeoutMs` must be a finite number >= 1/);
    // The same action object in two routes is one action.
    expect(() => defineRoutes([{ on: "*", actions: [noop] }, { on: "run.error", actions: [noop] }])).not.toThrow();
  });

  it("retries for at least 24 hours by default, and the earlier backoff style still fits one function's budget", () => {
    const schedule = resolvePolicy({}, runtime.config.retrySchedule);
    expect(schedule.delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(worstCaseMs(resolvePolicy({ retries: RETRY_DEFAULTS.retries }, [])) + 2 * PAUSE_CHECK_TIMEOUT_MS).toBeLessThanOrEqual(DISPATCH_BUDGET_MS);
    expect(DISPATCH_BUDGET_MS).toBeLessThan(60_000);
  });
});

describe("run.paused", () => {
  it("reads the thread of a successful run and routes run.paused when it waits on a human", async () => {
    const reads: string[] = [];
    const onPaused = spy("on-paused");
    const onSuccess = spy("on-success");
    const delivery = deliveryFrom("hitl_interrupt");
    const stored = await route(
      [
        { on: "run.paused", actions: [onPaused.action] },
        { on: "run.success", actions: [onSuccess.action] },
      ],
      delivery,
      {
        readThreadState: async (threadId) => {
          reads.push(threadId);
          return HITL_STATE;
        },
      },
    );
    expect(reads).toEqual([delivery.thread_id]);
    expect(stored.status).toBe("success");
    expect(stored.event).toBe("run.paused");
    expect(stored.pause).toEqual({ interrupts: [{ id: "i1", value: { question: "Approve?", input: "x" } }], next: ["ask"] });
    // Re-planned for the new event: the success route's action is not on the record.
    expect(names(stored)).toEqual(["on-paused"]);
    expect(onPaused.seen).toEqual(["run.paused"]);
    expect(onSuccess.seen).toEqual([]);
  });

  it("routes run.success when the thread is done", async () => {
    const onSuccess = spy("on-success");
    const stored = await route(
      [
        { on: "run.paused", actions: [custom({ name: "never", handler: () => undefined })] },
        { on: "run.success", actions: [onSuccess.action] },
      ],
      deliveryFrom("hitl_interrupt"),
      { readThreadState: async () => DONE_STATE },
    );
    expect(stored.event).toBe("run.success");
    expect(stored.pause).toBeUndefined();
    expect(names(stored)).toEqual(["on-success"]);
  });

  it("makes no extra call when no route that could handle the run listens for run.paused", async () => {
    let reads = 0;
    const readThreadState = async () => {
      reads += 1;
      return HITL_STATE;
    };
    await route([{ on: "run.success", actions: [custom({ name: "a", handler: () => undefined })] }], deliveryFrom("hitl_interrupt"), { readThreadState });
    await route([{ on: "run.paused", graph_id: "agent", actions: [custom({ name: "b", handler: () => undefined })] }], deliveryFrom("hitl_interrupt"), {
      readThreadState,
    });
    await route([{ on: "*", actions: [custom({ name: "c", handler: () => undefined })] }], failure(), { readThreadState });
    // A stateless run has no thread to resume.
    await route([{ on: "*", actions: [custom({ name: "d", handler: () => undefined })] }], deliveryFrom("stateless_runs_wait"), { readThreadState });
    expect(reads).toBe(0);
    // "*" does listen for run.paused.
    const stored = await route([{ on: "*", actions: [custom({ name: "e", handler: () => undefined })] }], deliveryFrom("hitl_interrupt"), { readThreadState });
    expect(reads).toBe(1);
    expect(stored.event).toBe("run.paused");
  });

  it("routes run.success and records why when the thread state cannot be read", async () => {
    let reads = 0;
    const onSuccess = spy("on-success");
    const stored = await route([{ on: ["run.success", "run.paused"], actions: [onSuccess.action] }], deliveryFrom("hitl_interrupt"), {
      readThreadState: async () => {
        reads += 1;
        throw new Error("LangGraph is down");
      },
    });
    expect(reads).toBe(2);
    expect(stored.event).toBe("run.success");
    expect(stored.pause_check_error).toBe("Error: LangGraph is down");
    expect(onSuccess.seen).toEqual(["run.success"]);
  });

  it("reads pauses from tasks' interrupts, from next alone, or from top-level interrupts", () => {
    expect(pauseOf(HITL_STATE)?.interrupts).toHaveLength(1);
    expect(pauseOf({ next: ["review"], tasks: [] })).toEqual({ interrupts: [], next: ["review"] });
    expect(pauseOf({ next: [], tasks: [], interrupts: [{ value: "why?" }] })).toEqual({ interrupts: [{ value: "why?" }], next: [] });
    expect(pauseOf(DONE_STATE)).toBeUndefined();
    expect(pauseOf(null)).toBeUndefined();
  });
});

describe("environment defaults", () => {
  let slackReceiver: TestReceiver;
  beforeEach(async () => {
    slackReceiver = await new TestReceiver().listen();
  });
  afterEach(async () => {
    await slackReceiver.close();
  });

  it("SLACK_WEBHOOK_URL posts run.error, run.timeout and run.paused — not success, interrupted or rollback", async () => {
    runtime = testRuntime({ SLACK_WEBHOOK_URL: `${slackReceiver.url}/services/T0/B0/secretpath` });
    const seams = { readThreadState: async () => HITL_STATE };
    const events: Record<string, string[]> = {};
    for (const [name, delivery] of [
      ["error", failure()],
      ["timeout", failure({ run_id: "t", status: "timeout" })],
      ["interrupted", failure({ run_id: "i", status: "interrupted" })],
      ["rollback", failure({ run_id: "r", status: "rollback" })],
      ["paused", deliveryFrom("hitl_interrupt")],
      ["success", deliveryFrom("stateless_runs_wait")],
    ] as const) {
      events[name] = names(await route([], delivery, seams));
    }
    expect(events).toEqual({
      error: ["env:slack"],
      timeout: ["env:slack"],
      interrupted: [],
      rollback: [],
      paused: ["env:slack"],
      success: [],
    });
    expect(slackReceiver.requests).toHaveLength(3);
    const texts = slackReceiver.requests.map((request) => (request.body as { text: string }).text);
    expect(texts[0]).toBe(":x: Run of error_graph failed: boom for input=err");
    // The question, not the interrupt's JSON (lib/hitl/render.ts).
    expect(texts[2]).toBe(":raised_hand: Run of hitl is waiting for a human: Approve?");
  });

  it("applies alongside the routes file, and to named runs too", async () => {
    runtime = testRuntime({ SLACK_WEBHOOK_URL: slackReceiver.url });
    const mine = spy("mine");
    const stored = await route([{ name: "nightly", on: "run.error", actions: [mine.action] }], failure({ metadata: { relay_route: "nightly" } }));
    expect(names(stored)).toEqual(["mine", "env:slack"]);
    expect(names(await route([{ on: "run.error", actions: [mine.action] }], failure({ run_id: "other" }), {}, { envDefaults: false }))).toEqual([
      "mine",
    ]);
  });

  it("keeps the Slack URL out of records and logs when Slack refuses", async () => {
    slackReceiver.respond = () => ({ status: 404, body: "no_service" });
    const url = `${slackReceiver.url}/services/T0/B0/secretpath`;
    runtime = testRuntime({ SLACK_WEBHOOK_URL: url });
    const stored = await route([], failure());
    expect(stored.actions[0]).toMatchObject({ state: "failed", last_error: "Slack answered 404: no_service" });
    expect(JSON.stringify([stored, runtime.logs])).not.toContain("secretpath");
  });
});

describe("slack message", () => {
  it("says what ran, how it ended, how long it took, the ids and the error", () => {
    const delivery = failure();
    const message = slackMessage(eventOf(delivery));
    const text = JSON.stringify(message.blocks);
    expect(message.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Run of error_graph failed", emoji: true } });
    for (const part of [delivery.assistant_id, delivery.thread_id, delivery.run_id, "*Graph*", "`error`", "*Duration*", "boom for input=err"]) {
      expect(text).toContain(part);
    }
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(undefined)).toBe("unknown");
  });

  it("escapes Slack markup in values and says what a paused run waits for", () => {
    const delivery = deliveryFrom("hitl_interrupt");
    delivery.event = "run.paused";
    delivery.pause = { interrupts: [{ value: "<@channel> approve & ship?" }], next: ["ask"] };
    const message = slackMessage(eventOf(delivery));
    const text = JSON.stringify(message);
    expect(text).toContain("*Waiting for*");
    expect(text).toContain("&lt;@channel&gt; approve &amp; ship?");
    expect(text).not.toContain("<@channel>");
  });
});

describe("chain", () => {
  function fakeStartRun() {
    const calls: { request: StartRunRequest; publicUrl: string | undefined }[] = [];
    const startRun: RunStarter = async (request, context) => {
      calls.push({ request, publicUrl: context.runtime.config.publicUrl });
      return { run_id: `run-${calls.length}`, thread_id: "thread-new", assistant_id: request.assistant_id, status: "pending" };
    };
    return { startRun, calls };
  }

  it("starts the next run with input from the finished run, this deployment's public URL, and depth + 1", async () => {
    const { startRun, calls } = fakeStartRun();
    const next = chain({
      assistant_id: "agent",
      input: (event) => ({ messages: [{ role: "user", content: String((event.values as { output?: string }).output) }] }),
      route: "second",
      metadata: { pipeline: "demo" },
    });
    const stored = await route([{ on: "run.success", actions: [next] }], success(), { startRun });
    expect(calls).toEqual([
      {
        publicUrl: "https://relay.test",
        request: {
          assistant_id: "agent",
          // The same key for every attempt and replay of this action on this delivery (lib/trigger/start-once.ts).
          dedupe_key: chainKeyFor(stored.id, "chain"),
          thread_id: "new",
          input: { messages: [{ role: "user", content: "echo: create" }] },
          route: "second",
          metadata: { pipeline: "demo", relay_chain_depth: 1, relay_chain_parent_run_id: stored.run_id },
        },
      },
    ]);
    expect(stored.actions[0]).toMatchObject({ type: "chain", state: "succeeded" });
    expect(stored.actions[0]?.attempts[0]?.result).toEqual({ run_id: "run-1", thread_id: "thread-new", assistant_id: "agent" });
  });

  it("refuses past the depth limit (default 5), recording a failure and starting nothing", async () => {
    const { startRun, calls } = fakeStartRun();
    const loop = chain({ assistant_id: "agent" });
    const atFour = await route([{ on: "run.success", actions: [loop] }], success({ run_id: "d4", metadata: { relay_chain_depth: 4 } }), {
      startRun,
    });
    expect(atFour.actions[0]?.state).toBe("succeeded");
    expect(calls[0]?.request.metadata?.["relay_chain_depth"]).toBe(5);
    const atFive = await route([{ on: "run.success", actions: [loop] }], success({ run_id: "d5", metadata: { relay_chain_depth: 5 } }), {
      startRun,
    });
    expect(calls).toHaveLength(1);
    expect(atFive.actions[0]).toMatchObject({
      state: "failed",
      last_error: expect.stringMatching(/^chain depth limit reached: .*relay_chain_depth=5 and the limit is 5; no run was started/),
    });
    expect(atFive.actions[0]?.attempts).toHaveLength(1);
    expect(chainDepthOf({ relay_chain_depth: "2" })).toBe(2);
    expect(chainDepthOf({ relay_chain_depth: -1 })).toBe(Number.POSITIVE_INFINITY);
  });

  it("is not retried by default: a failed start is a dead letter", async () => {
    let calls = 0;
    const startRun: RunStarter = async () => {
      calls += 1;
      throw new Error("LangGraph unreachable");
    };
    const stored = await route([{ on: "run.success", actions: [chain({ assistant_id: "agent", thread: "none" })] }], success(), { startRun });
    expect(calls).toBe(1);
    expect(stored.actions[0]).toMatchObject({ state: "failed", last_error: "Error: LangGraph unreachable" });
  });
});

describe("through the receiver", () => {
  it("records the callback before the ack, confirms it, then runs its actions and records their outcome", async () => {
    const router = defineRoutes([{ on: "run.error", actions: [custom({ name: "noted", handler: () => undefined })] }]);
    const response = await handleWebhook(
      new Request("https://relay.test/api/webhook?token=static-token-for-tests-0123456789", { method: "POST", body: JSON.stringify(fixture("error_graph_create")) }),
      runtime,
      router,
    );
    const ack = (await response.json()) as { delivery_id: string };
    await runtime.idle();
    const stored = await runtime.store.get(ack.delivery_id);
    expect(stored?.routing).toBe("done");
    // No LANGGRAPH_API_URL here: a static-token callback is routed as received (a receive-only relay).
    expect(stored?.verification).toMatchObject({ state: "confirmed", by: "receive-only" });
    expect(stored?.actions).toEqual([expect.objectContaining({ name: "noted", state: "succeeded" })]);
    expect(logsOf(runtime, "webhook received")[0]?.["duplicate"]).toBe(false);
  });
});
