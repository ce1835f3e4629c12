// The forward action against a real loopback receiver that verifies every request with
// standardwebhooks' Webhook.verify: signatures, stable ids, retries on 5xx, final 4xx, timeouts, and
// errors recorded without secrets.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import { defineRoutes, forward } from "../../lib/routing/index.js";
import type { Router } from "../../lib/routing/index.js";
import {
  deliveryFrom,
  logsOf,
  newSecret,
  recordingSleep,
  TestReceiver,
  testRuntime,
  type LoggedRuntime,
} from "../support/routing.js";

const SECRET = newSecret();
let receiver: TestReceiver;
let runtime: LoggedRuntime;

beforeEach(async () => {
  receiver = await new TestReceiver(SECRET).listen();
  runtime = testRuntime();
});
afterEach(async () => {
  await receiver.close();
});

/**
 * A router forwarding every event to the receiver, on a runtime whose retry waits are recorded, not
 * waited, and whose RETRY_SCHEDULE is 500 ms, 1 s, 2 s.
 */
function forwardRouter(options: { secret?: string; retry?: Parameters<typeof forward>[0]["retry"]; url?: string } = {}) {
  const { sleep, delays } = recordingSleep();
  runtime = testRuntime({ RETRY_SCHEDULE: "500ms,1s,2s" }, { sleep });
  const router = defineRoutes([
    { on: "*", actions: [forward({ url: options.url ?? `${receiver.url}/hooks?key=query-secret`, secret: options.secret ?? SECRET, retry: options.retry ?? {} })] },
  ]);
  return { router, delays };
}

async function route(router: Router, name = "thread_runs_create") {
  const delivery = deliveryFrom(name);
  delivery.actions = router.plan(delivery, runtime);
  await runtime.store.claim(delivery);
  await router.dispatch(delivery, runtime);
  const stored = await runtime.store.get(delivery.id);
  if (stored === undefined) throw new Error("delivery not stored");
  return stored;
}

describe("forward", () => {
  it("POSTs {type, run} signed so that Webhook.verify accepts it", async () => {
    const { router } = forwardRouter();
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.verified).toBe(true);
    expect(request?.url).toBe("/hooks?key=query-secret");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["webhook-id"]).toBe(forwardMessageId(stored.id, "forward"));
    expect(request?.headers["webhook-signature"]).toMatch(/^v1,/);
    const body = request?.body as { type: string; run: Record<string, unknown> };
    expect(body.type).toBe("run.success");
    expect(body.run["run_id"]).toBe(stored.run_id);
    // The run is the redacted payload: the webhook URL's token never leaves the relay.
    expect(String((body.run["kwargs"] as Record<string, unknown>)["webhook"])).not.toContain("token=");
    expect(stored.routing).toBe("done");
    expect(stored.actions).toEqual([
      expect.objectContaining({ name: "forward", type: "forward", state: "succeeded" }),
    ]);
    expect(stored.actions[0]?.attempts).toEqual([
      expect.objectContaining({ number: 1, ok: true, http_status: 200 }),
    ]);
  });

  it("is rejected by a receiver that verifies with another secret", async () => {
    const { router } = forwardRouter({ secret: newSecret() });
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.verified).toBe(false);
    expect(receiver.requests[0]?.verifyError).toMatch(/signature/i);
    expect(stored.actions[0]).toMatchObject({ state: "failed", attempts: [{ number: 1, ok: false, http_status: 400 }] });
  });

  it("delivers exactly once after 500, 500, 200 — three attempts, one webhook-id", async () => {
    receiver.respond = (request) => (request.n <= 2 ? { status: 500, body: "try later" } : { status: 200 });
    const { router, delays } = forwardRouter();
    const stored = await route(router);
    expect(receiver.requests.map((request) => request.verified)).toEqual([true, true, true]);
    expect(new Set(receiver.requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
    const record = stored.actions[0];
    expect(record?.state).toBe("succeeded");
    expect(record?.attempts.map((attempt) => [attempt.number, attempt.ok, attempt.http_status])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, true, 200],
    ]);
    expect(record?.attempts[0]?.error).toMatch(/answered 500: try later/);
    expect(record?.last_error).toBeUndefined();
    // The retry schedule's first two steps.
    expect(delays).toEqual([500, 1000]);
  });

  it("gives up after one attempt on a 400 and records the failure", async () => {
    receiver.respond = () => ({ status: 400, body: "bad payload" });
    const { router, delays } = forwardRouter();
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(stored.actions[0]).toMatchObject({ state: "failed", last_error: expect.stringMatching(/answered 400: bad payload/) });
    expect(stored.actions[0]?.attempts).toHaveLength(1);
    expect(logsOf(runtime, "action failed")).toEqual([
      expect.objectContaining({ delivery_id: stored.id, action: "forward", state: "failed", attempts: 1, ms: expect.any(Number) }),
    ]);
  });

  it("times out on a receiver that never answers, and retries within its bounds", async () => {
    receiver.respond = () => "hang";
    const { router } = forwardRouter({ retry: { timeoutMs: 150, retries: 1 } });
    const started = Date.now();
    const stored = await route(router);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(receiver.requests).toHaveLength(2);
    expect(stored.actions[0]?.state).toBe("failed");
    expect(stored.actions[0]?.attempts.map((attempt) => attempt.error)).toEqual([
      "timed out after 150 ms",
      "timed out after 150 ms",
    ]);
  });

  it("honours Retry-After on 429 up to the schedule's longest step", async () => {
    receiver.respond = (request) => (request.n === 1 ? { status: 429, headers: { "retry-after": "2" } } : { status: 204 });
    const first = forwardRouter();
    expect((await route(first.router)).actions[0]?.state).toBe("succeeded");
    expect(first.delays).toEqual([2000]);

    // An hour asked for: each retry waits the longest step (2 s) instead, until the schedule is spent.
    receiver.respond = () => ({ status: 429, headers: { "retry-after": "3600" } });
    const second = forwardRouter();
    const stored = await route(second.router, "error_graph_create");
    expect(second.delays).toEqual([2000, 2000, 2000]);
    expect(stored.actions[0]).toMatchObject({ state: "failed", last_error: expect.stringMatching(/answered 429/), dead_at: expect.any(String) });
  });

  it("does not follow redirects", async () => {
    receiver.respond = () => ({ status: 302, headers: { location: "http://127.0.0.1:1/elsewhere" } });
    const { router } = forwardRouter();
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(1);
    expect(stored.actions[0]).toMatchObject({ state: "failed", last_error: expect.stringMatching(/302 \(redirects are not followed\)/) });
  });

  it("records network errors without the URL's query or the secret", async () => {
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    const { router } = forwardRouter({ url: `http://127.0.0.1:${port}/hooks?key=query-secret`, retry: { retries: 1 } });
    const stored = await route(router);
    const record = stored.actions[0];
    expect(record?.state).toBe("failed");
    expect(record?.attempts).toHaveLength(2);
    expect(record?.last_error).toMatch(/could not be reached: fetch failed: .*ECONNREFUSED/);
    const everything = JSON.stringify([stored, runtime.logs]);
    expect(everything).not.toContain("query-secret");
    expect(everything).not.toContain(SECRET);
    receiver = await new TestReceiver(SECRET).listen(); // for afterEach
  });

  it("sends nothing without a secret and records not_configured", async () => {
    const router = defineRoutes([{ on: "*", actions: [forward({ url: receiver.url, secret: undefined })] }]);
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(0);
    expect(stored.actions[0]).toMatchObject({
      state: "failed",
      last_error: expect.stringMatching(/^not_configured: .*no secret/),
    });
  });

  it("FORWARD_URL forwards every event by default; without FORWARD_SECRET it fails closed", async () => {
    runtime = testRuntime({ FORWARD_URL: `${receiver.url}/env`, FORWARD_SECRET: SECRET });
    const router = defineRoutes([]);
    for (const name of ["thread_runs_create", "error_graph_create"]) {
      const stored = await route(router, name);
      expect(stored.actions).toEqual([expect.objectContaining({ name: "env:forward", state: "succeeded" })]);
    }
    expect(receiver.requests.map((request) => (request.body as { type: string }).type)).toEqual(["run.success", "run.error"]);

    runtime = testRuntime({ FORWARD_URL: `${receiver.url}/env` });
    const stored = await route(router);
    expect(receiver.requests).toHaveLength(2);
    expect(stored.actions[0]).toMatchObject({
      name: "env:forward",
      state: "failed",
      last_error: expect.stringContaining("not_configured: FORWARD_URL is set but FORWARD_SECRET is not"),
    });
    expect(logsOf(runtime, "action failed")[0]?.["error"]).toMatch(/not_configured/);
  });

  it("refuses a URL that is not http(s) when the routes load", () => {
    expect(() => forward({ url: "ftp://example.com", secret: SECRET })).toThrow(/absolute http\(s\) URL/);
  });
});
