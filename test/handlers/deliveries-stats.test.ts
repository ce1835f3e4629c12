// GET /api/deliveries?stats=1, the inspector's health strip, through the real Vercel export: callbacks
// per minute of the last hour, failed deliveries and failed runs, a bound on what one answer reads,
// and the LangSmith facts the page links with (a URL, never the key).
import { afterEach, describe, expect, it } from "vitest";
import * as deliveries from "../../api/deliveries.js";
import type { StatsAnswer } from "../../lib/inspector/stats.js";
import { STATS_MAX_RECORDS } from "../../lib/inspector/stats.js";
import type { ActionState, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { expectError } from "../support/errors.js";
import { expectDocumented } from "../support/openapi.js";
import { fixture } from "../support/kit.js";
import { installTestRuntime, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

const INSPECTOR_TOKEN = "stats-inspector-read-only-token-0123456789";
/** The injected clock: an offset of the real one, in the middle of a minute. */
const NOW = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;

let runtime: TestRuntime | undefined;
afterEach(async () => {
  await runtime?.idle();
  setRuntime(undefined);
  runtime = undefined;
});

function install(env: Record<string, string> = {}): TestRuntime {
  runtime = installTestRuntime({ INSPECTOR_TOKEN, ...env }, { now: () => NOW });
  return runtime;
}

function get(query: string, token: string | null = TEST_TRIGGER_TOKEN): Promise<Response> {
  return deliveries.GET(
    new Request(`https://relay.test/api/deliveries${query}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } }),
  );
}

/** The answer, checked against the OpenAPI document's schema for it. */
async function stats(token?: string): Promise<StatsAnswer> {
  const response = await get("?stats=1", token);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await expectDocumented(response, "/api/deliveries", "GET")) as StatsAnswer;
}

let serial = 0;
/** A routed delivery received `agoMs` before NOW, with one action in `state` (none for no route). */
function record(agoMs: number, options: { status?: string; action?: ActionState } = {}): DeliveryRecord {
  const base = runPayloadSchema.parse(fixture("thread_runs_create"));
  serial += 1;
  const payload = { ...base, run_id: `stats-run-${serial}`, status: options.status ?? "success" };
  const delivery = newDeliveryRecord(redactPayload(payload), { receivedAt: new Date(NOW - agoMs), auth: "static" });
  delivery.routing = options.action === undefined ? "no_route" : "done";
  if (options.action !== undefined) {
    delivery.actions = [{ name: "forward", type: "forward", state: options.action, attempts: [], updated_at: delivery.received_at }];
  }
  return delivery;
}

describe("GET /api/deliveries?stats=1", () => {
  it("counts the last hour's callbacks per minute, the deliveries that failed and the runs that failed", async () => {
    const { store } = install();
    const records = [
      record(5_000, { action: "succeeded" }),
      record(10_000, { action: "failed" }),
      record(20_000, { status: "error", action: "succeeded" }),
      record(90_000, { action: "pending" }),
      record(30 * 60_000),
      record(59 * 60_000, { status: "timeout", action: "failed" }),
      // Older than the window: not counted.
      record(61 * 60_000, { action: "failed" }),
      record(3 * 3_600_000, { action: "failed" }),
    ];
    for (const item of records) await store.claim(item);

    const { stats: figures } = await stats();
    expect(figures).toMatchObject({ callbacks: 6, failed: 2, run_errors: 2, pending: 1, complete: true, bucket_ms: 60_000 });
    expect(figures.buckets).toHaveLength(60);
    // Aligned to the clock's minutes, oldest first, ending with the current minute.
    expect(Date.parse(figures.until)).toBe(Math.floor(NOW / 60_000) * 60_000 + 60_000);
    expect(Date.parse(figures.until) - Date.parse(figures.since)).toBe(3_600_000);
    expect(figures.buckets.every((bucket) => Date.parse(bucket.start) % 60_000 === 0)).toBe(true);
    const last = figures.buckets.at(-1);
    expect(last).toMatchObject({ callbacks: 3, failed: 1, run_errors: 1 });
    expect(figures.buckets.at(-2)).toMatchObject({ callbacks: 1, failed: 0 });
    expect(figures.buckets.reduce((sum, bucket) => sum + bucket.callbacks, 0)).toBe(6);
  });

  it("answers zeros for an empty store, and the read-only INSPECTOR_TOKEN may ask", async () => {
    install();
    const { stats: figures } = await stats(INSPECTOR_TOKEN);
    expect(figures).toMatchObject({ callbacks: 0, failed: 0, run_errors: 0, pending: 0, complete: true });
    expect(figures.buckets.every((bucket) => bucket.callbacks === 0)).toBe(true);
  });

  it(`reads at most ${STATS_MAX_RECORDS} records, and says the counts are then lower bounds`, async () => {
    const { store } = install();
    for (let n = 0; n < STATS_MAX_RECORDS + 50; n++) await store.claim(record(1_000 + n * 100, { action: "succeeded" }));
    const { stats: figures } = await stats();
    expect(figures.complete).toBe(false);
    expect(figures.callbacks).toBe(STATS_MAX_RECORDS);
  });

  it("names the deployment for a LangSmith link only when LANGSMITH_API_KEY is set, and never the key or URL credentials", async () => {
    install({ LANGGRAPH_API_URL: "https://lg.example.test" });
    expect((await stats()).langsmith).toBeNull();
    await runtime?.idle();

    const key = "lsv2_pt_stats_test_key_0123456789abcdef";
    install({ LANGSMITH_API_KEY: key, LANGGRAPH_API_URL: "https://user:pass@my-deploy.example.test/base/?x=1" });
    const response = await get("?stats=1");
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(key);
    expect(text).not.toContain("pass");
    expect((JSON.parse(text) as StatsAnswer).langsmith).toEqual({
      studio_thread_url: "https://smith.langchain.com/studio/thread/",
      deployment_url: "https://my-deploy.example.test/base",
    });
  });

  it("refuses anything but stats=1 alone, and a missing or wrong token, in the pinned shape", async () => {
    install();
    await expectError(await get("?stats=2"), 400, "invalid_request", /stats=1/);
    await expectError(await get("?stats=1&limit=5"), 400, "invalid_request", /stats=1 alone/);
    await expectError(await get("?stats=1&stats=1"), 400, "invalid_request", /more than once/);
    await expectError(await get("?stats=1", null), 401, "unauthorized");
    await expectError(await get("?stats=1", "wrong-token-0123456789"), 401, "unauthorized");
  });
});
