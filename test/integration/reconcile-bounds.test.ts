// The reconciliation step's own rules (lib/reconcile/reconcile.ts), on the injected clock: a LangGraph
// out of reach (a real closed port) is a look, and the next one backs off; a run still going past its
// token's expiry is given up as unknown, logged at error once; one run that cannot be looked at never
// stops the others; a sweep looks at a bounded number of runs; a run another sweep reconciled is not
// recorded twice. What LangGraph says about real runs is test/integration/reconcile-langgraph.test.ts.
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../lib/langgraph/run-record.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { MAX_RECHECK_MS, reconcileLostCallbacks, recheckDelay } from "../../lib/reconcile/reconcile.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import { MemoryRunLedger } from "../../lib/stores/memory-run-ledger.js";
import { freePort } from "../support/ports.js";
import { createTestRuntime, type TestRuntime } from "../support/runtime.js";

const MINUTE_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Setup {
  runtime: TestRuntime;
  ledger: MemoryRunLedger;
  clock: { now: number };
  /** Puts a run entry created `agoMs` before now, bound to a run on a thread; answers its ids. */
  run(agoMs: number, lifetimeMs?: number): Promise<{ tokenId: string; runId: string; threadId: string }>;
}

async function setup(env: Record<string, string>, readRun?: (threadId: string, runId: string) => Promise<RunRecord>): Promise<Setup> {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const ledger = new MemoryRunLedger({ now });
  const runtime = createTestRuntime(
    { RECONCILE_AFTER: "1m", ...env },
    {
      now,
      ledger,
      store: new MemoryDeliveryStore({ now }),
      readThreadState: async () => ({ values: { output: "done" }, next: [], tasks: [] }),
      ...(readRun === undefined ? {} : { readRun }),
    },
  );
  return {
    runtime,
    ledger,
    clock,
    async run(agoMs, lifetimeMs = 72 * 60 * MINUTE_MS) {
      const tokenId = randomBytes(12).toString("base64url");
      const runId = randomUUID();
      const threadId = randomUUID();
      await ledger.put({ token_id: tokenId, kind: "run", assistant_id: "agent", thread_id: threadId, created_at: iso(clock.now - agoMs), expires_at: iso(clock.now - agoMs + lifetimeMs) });
      await ledger.bindRun(tokenId, runId, threadId);
      return { tokenId, runId, threadId };
    },
  };
}

const seen: string[] = [];
const router = defineRoutes([{ on: "*", actions: [custom({ name: "note", handler: (event) => void seen.push(event.run_id) })] }]);

const ended = (runId: string, threadId: string): RunRecord => ({
  status: "success",
  webhook: undefined,
  run: { run_id: runId, thread_id: threadId, assistant_id: "agent", status: "success", metadata: {}, kwargs: {} },
});

describe("reconciliation step", () => {
  it("backs off: RECONCILE_AFTER, doubled after each look, at most 6 hours apart", () => {
    expect([1, 2, 3, 4].map((looks) => recheckDelay(15 * MINUTE_MS, looks))).toEqual([30, 60, 120, 240].map((m) => m * MINUTE_MS));
    expect(recheckDelay(15 * MINUTE_MS, 40)).toBe(MAX_RECHECK_MS);
  });

  it("counts a LangGraph out of reach as a look and looks again later, then gives up as unknown once the token would have expired", async () => {
    const closed = await freePort();
    const { runtime, ledger, clock, run } = await setup({ LANGGRAPH_API_URL: `http://127.0.0.1:${closed}` });
    const { tokenId, runId } = await run(2 * MINUTE_MS, 10 * MINUTE_MS);

    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 1, unknown: 0 });
    expect(await ledger.get(tokenId)).toMatchObject({ reconcile_attempts: 1, reconcile_next_at: iso(clock.now + 2 * MINUTE_MS) });
    expect(runtime.entries.some((line) => line["level"] === "warn" && line["run_id"] === runId)).toBe(true);
    // Not due yet: nothing is asked.
    clock.now += MINUTE_MS;
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 0, unknown: 0 });

    clock.now += MINUTE_MS;
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 1, unknown: 0 });
    // The next look (4 minutes on) would come after the token's expiry: this one is the last.
    clock.now += 4 * MINUTE_MS;
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 0, unknown: 1 });
    expect(await ledger.get(tokenId)).toMatchObject({ reconcile_outcome: "unknown", reconcile_attempts: 2 });
    const errors = runtime.entries.filter((line) => line["level"] === "error" && line["run_id"] === runId);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.["msg"]).toMatch(/gave up.*unknown/);
    clock.now += 6 * MINUTE_MS;
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 0, unknown: 0 });
  });

  it("one run that cannot be looked at does not stop the others, and a sweep looks at 50 runs at most", async () => {
    const failing = new Set<string>();
    const { runtime, run } = await setup({ LANGGRAPH_API_URL: "http://langgraph.test" }, async (threadId, runId) => {
      if (failing.has(runId)) throw new Error("HTTP 500: boom");
      return ended(runId, threadId);
    });
    const runs = [];
    for (let n = 0; n < 60; n++) runs.push(await run((70 - n) * 1000 + 2 * MINUTE_MS));
    failing.add(runs[0]!.runId);
    failing.add(runs[1]!.runId);
    const counts = await reconcileLostCallbacks(runtime, router);
    expect(counts).toEqual({ reconciled: 48, deferred: 2, unknown: 0 });
    await runtime.idle();
    // The oldest first: the 50 oldest were looked at, the 10 newest wait for the next sweep.
    for (const { runId } of runs.slice(2, 50)) expect((await runtime.store.get(deliveryIdFor(runId, "success")))?.source).toBe("reconciled");
    for (const { runId } of runs.slice(50)) expect(await runtime.store.get(deliveryIdFor(runId, "success"))).toBeUndefined();
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 10, deferred: 0, unknown: 0 });
  });

  it("a run recorded by a sweep at the same time is recorded and routed once", async () => {
    const { runtime, run } = await setup({ LANGGRAPH_API_URL: "http://langgraph.test" }, async (threadId, runId) => ended(runId, threadId));
    const { runId } = await run(2 * MINUTE_MS);
    const before = seen.filter((id) => id === runId).length;
    const [a, b] = await Promise.all([reconcileLostCallbacks(runtime, router), reconcileLostCallbacks(runtime, router)]);
    await runtime.idle();
    expect(a.reconciled + b.reconciled).toBe(1);
    expect(seen.filter((id) => id === runId).length - before).toBe(1);
  });

  it("without LANGGRAPH_API_URL there is nothing to ask, and nothing is listed", async () => {
    const { runtime, ledger, run } = await setup({});
    const { tokenId } = await run(2 * MINUTE_MS);
    expect(await reconcileLostCallbacks(runtime, router)).toEqual({ reconciled: 0, deferred: 0, unknown: 0 });
    expect((await ledger.get(tokenId))?.reconcile_attempts).toBeUndefined();
  });
});
