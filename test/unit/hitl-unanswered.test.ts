// Unanswered pauses (lib/hitl/unanswered.ts): a run.paused route's `unanswered` option acted on once
// its time has passed with no decision — a reminder (the route's actions once more, once), or a
// decision as the button would make it (channel `timeout`), never after a human answered. Time comes
// from the runtime's clock; LangGraph is replaced by its captured thread state and a recording starter.
import { afterEach, describe, expect, it } from "vitest";
import { runSweep } from "../../lib/sweep/sweep.js";
import { resumePause } from "../../lib/hitl/resume.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { defineRoutes, slack, type Route } from "../../lib/routing/index.js";
import type { StartRunRequest } from "../../lib/runtime/runtime.js";
import { deliveryFrom, recordingSleep, TestReceiver, testRuntime, type LoggedRuntime } from "../support/routing.js";

const HITL_STATE = {
  next: ["ask"],
  tasks: [{ id: "t1", name: "ask", error: null, interrupts: [{ id: "i1", value: { question: "Approve?", input: "x" } }] }],
};
const HOUR = 3_600_000;

const receivers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function setup(routes: (url: string) => readonly Route[]) {
  const receiver = await new TestReceiver().listen();
  receivers.push(receiver);
  const router = defineRoutes(routes(receiver.url), { envDefaults: false });
  const started: StartRunRequest[] = [];
  let clock = Date.now();
  const runtime: LoggedRuntime = testRuntime(
    {},
    {
      now: () => clock,
      sleep: recordingSleep().sleep,
      readThreadState: async () => HITL_STATE,
      readThreadRuns: async () => [],
      // The resumed runs go on (the captured state stays as it is): an answer holds its pause.
      readRun: async () => ({ status: "running", webhook: undefined }),
      startRun: async (request) => {
        started.push(request);
        return { run_id: `resumed-${started.length}`, thread_id: request.thread_id ?? null, assistant_id: request.assistant_id, status: "pending" };
      },
    },
  );
  const delivery: DeliveryRecord = deliveryFrom("hitl_interrupt");
  delivery.received_at = new Date(clock).toISOString();
  delivery.actions = router.plan(delivery, runtime);
  await runtime.store.claim(delivery);
  await router.dispatch(delivery, runtime);
  const advance = (ms: number) => {
    clock += ms;
  };
  // The due work only (the pauses' items among it): what the unanswered pauses came to.
  const sweep = async () => {
    const { reminded, timed_out } = await runSweep(runtime, router, { deadline: clock + 10_000, steps: [] });
    return { reminded, timed_out };
  };
  return { receiver, router, runtime, started, delivery, advance, sweep };
}

describe("unanswered pauses", () => {
  it("decide as the button would once the time has passed with no answer, and only once", async () => {
    const { runtime, started, delivery, advance, sweep } = await setup((url) => [
      { on: "run.paused", unanswered: { after: "1h", then: "reject" }, decisions: { reject: "timed out" }, actions: [slack({ url })] },
    ]);
    expect((await runtime.store.get(delivery.id))?.event).toBe("run.paused");
    advance(HOUR - 1000);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 0 });
    expect(started).toEqual([]);
    advance(2000);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 1 });
    expect(started).toEqual([expect.objectContaining({ thread_id: delivery.thread_id, command: { resume: "timed out" }, multitask_strategy: "reject" })]);
    expect(await runtime.decisions.list(delivery.id)).toEqual([expect.objectContaining({ channel: "timeout", decision: "reject", by: "timeout", run_id: "resumed-1" })]);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 0 });
    expect(started).toHaveLength(1);
  });

  it("leave a pause a human answered alone", async () => {
    const { runtime, started, delivery, advance, sweep } = await setup((url) => [{ on: "run.paused", unanswered: { after: "1h", then: "approve" }, actions: [slack({ url })] }]);
    await resumePause({ deliveryId: delivery.id, channel: "inspector", by: "inspector", answer: { decision: "approve" } }, runtime);
    advance(2 * HOUR);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 0 });
    expect(started).toHaveLength(1);
  });

  it("take over a claim abandoned by a function that died before resuming, but not a live one", async () => {
    const { runtime, started, delivery, advance } = await setup((url) => [{ on: "run.paused", actions: [slack({ url })] }]);
    const stale = { channel: "slack" as const, decision: "approve" as const, by: "ann", at: new Date(runtime.now()).toISOString() };
    await runtime.decisions.claim(delivery.id, stale, 3600);
    advance(60_000);
    await expect(resumePause({ deliveryId: delivery.id, channel: "inspector", by: "inspector", answer: { decision: "reject" } }, runtime)).rejects.toMatchObject({ status: 409, code: "already_decided" });
    expect(started).toHaveLength(0);
    advance(2 * 60_000);
    const resumed = await resumePause({ deliveryId: delivery.id, channel: "inspector", by: "inspector", answer: { decision: "reject" } }, runtime);
    expect(started).toHaveLength(1);
    expect(await runtime.decisions.list(delivery.id)).toEqual([expect.objectContaining({ channel: "inspector", decision: "reject", run_id: resumed.run_id })]);
  });

  it("record a resume value redacted like payloads, while LangGraph gets it whole", async () => {
    const { runtime, started, delivery } = await setup((url) => [{ on: "run.paused", actions: [slack({ url })] }]);
    await resumePause({ deliveryId: delivery.id, channel: "link", by: "resume link", answer: { resume: { note: "ok", api_key: "sk-live-123" } } }, runtime);
    expect(started[0]?.command).toEqual({ resume: { note: "ok", api_key: "sk-live-123" } });
    const [decision] = await runtime.decisions.list(delivery.id);
    expect(decision?.value).toEqual({ note: "ok", api_key: "[redacted]" });
    expect(JSON.stringify(decision)).not.toContain("sk-live-123");
  });

  it("keep a big resume value by its size only, while LangGraph gets it whole", async () => {
    const { runtime, started, delivery } = await setup((url) => [{ on: "run.paused", actions: [slack({ url })] }]);
    const big = { text: "x".repeat(20_000) };
    await resumePause({ deliveryId: delivery.id, channel: "link", by: "resume link", answer: { resume: big } }, runtime);
    expect(started[0]?.command).toEqual({ resume: big });
    expect((await runtime.decisions.list(delivery.id))[0]?.value).toEqual({ cut: expect.stringMatching(/^the value \(20011 bytes of JSON\) is over 16384 bytes/) });
  });

  it("are acted on by the sweep (/api/sweep), whose answer counts them", async () => {
    const { runtime, router, started, advance } = await setup((url) => [{ on: "run.paused", unanswered: { after: "1h", then: "approve" }, actions: [slack({ url })] }]);
    advance(2 * HOUR);
    const counts = await runSweep(runtime, router, { deadline: runtime.now() + 20_000 });
    expect(counts).toMatchObject({ reminded: 0, timed_out: 1 });
    expect(started).toEqual([expect.objectContaining({ command: { resume: { approved: true, by: "timeout" } } })]);
  });

  it("remind by running the route's actions once more, once", async () => {
    const { receiver, advance, sweep } = await setup((url) => [{ on: "run.paused", unanswered: { after: "30m", then: "remind" }, actions: [slack({ url })] }]);
    expect(receiver.requests).toHaveLength(1);
    advance(HOUR);
    expect(await sweep()).toEqual({ reminded: 1, timed_out: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.raw).toBe(receiver.requests[0]?.raw);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 0 });
    expect(receiver.requests).toHaveLength(2);
  });
});

describe("unanswered pauses, many of them", () => {
  it("time out an old pause however many newer pauses there are (each pause is its own due item)", async () => {
    const { runtime, router, started, delivery, advance } = await setup((url) => [
      { on: "run.paused", unanswered: { after: "1h", then: "approve" }, actions: [slack({ url })] },
    ]);
    // 250 newer pauses, routed like the first, and answered: none of them is due for anything.
    for (let index = 0; index < 250; index++) {
      advance(1000);
      const other = deliveryFrom("hitl_interrupt", { run_id: `01a21e6f-0000-7000-8000-${String(index).padStart(12, "0")}` });
      other.received_at = new Date(runtime.now()).toISOString();
      other.actions = router.plan(other, runtime);
      await runtime.store.claim(other);
      await router.dispatch(other, runtime);
      expect((await runtime.store.get(other.id))?.event).toBe("run.paused");
      await runtime.decisions.claim(other.id, { channel: "inspector", decision: "approve", at: other.received_at, run_id: `answered-${index}` }, 86_400);
    }
    advance(2 * HOUR);
    const counts = await runSweep(runtime, router, { deadline: runtime.now() + 20_000 });
    expect(counts).toMatchObject({ reminded: 0, timed_out: 1 });
    expect(started).toEqual([expect.objectContaining({ thread_id: delivery.thread_id, command: { resume: { approved: true, by: "timeout" } } })]);
    expect(await runtime.decisions.list(delivery.id)).toEqual([expect.objectContaining({ channel: "timeout", run_id: "resumed-1" })]);
    // Every pause's item is gone once acted on or found answered: the next sweep has nothing to do.
    expect(await runtime.store.dueCount()).toBe(0);
    expect(await runSweep(runtime, router, { deadline: runtime.now() + 20_000 })).toMatchObject({ reminded: 0, timed_out: 0 });
    expect(started).toHaveLength(1);
  });

  it("are bounded per sweep by its item bound, the rest left due for the next", async () => {
    const { runtime, router, started, advance } = await setup((url) => [{ on: "run.paused", unanswered: { after: "1h", then: "reject" }, actions: [slack({ url })] }]);
    for (let index = 0; index < 4; index++) {
      const other = deliveryFrom("hitl_interrupt", { run_id: `01a21e6f-0000-7000-8000-${String(index).padStart(12, "0")}` });
      other.received_at = new Date(runtime.now()).toISOString();
      other.actions = router.plan(other, runtime);
      await runtime.store.claim(other);
      await router.dispatch(other, runtime);
    }
    advance(2 * HOUR);
    expect(await runSweep(runtime, router, { deadline: runtime.now() + 20_000, maxItems: 2, steps: [] })).toMatchObject({ timed_out: 2 });
    expect(await runSweep(runtime, router, { deadline: runtime.now() + 20_000, maxItems: 10, steps: [] })).toMatchObject({ timed_out: 3 });
    expect(started).toHaveLength(5);
  });
});

describe("unanswered pauses whose answer resumed nothing", () => {
  it("are still timed out when a human's answer could not start the resumed run (its decision left open)", async () => {
    const { runtime, started, delivery, advance, sweep } = await setup((url) => [{ on: "run.paused", unanswered: { after: "1h", then: "reject" }, actions: [slack({ url })] }]);
    const open = { channel: "link" as const, decision: "custom" as const, by: "resume link", at: new Date(runtime.now()).toISOString(), error: "the resumed run could not be started", open: true };
    await runtime.decisions.claim(delivery.id, open, 86_400);
    advance(2 * HOUR);
    expect(await sweep()).toEqual({ reminded: 0, timed_out: 1 });
    expect(started).toEqual([expect.objectContaining({ command: { resume: { approved: false, by: "timeout" } } })]);
    expect(await runtime.decisions.list(delivery.id)).toEqual([expect.objectContaining({ channel: "timeout", run_id: "resumed-1" })]);
  });
});
