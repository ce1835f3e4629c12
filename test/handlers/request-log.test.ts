// Every refused or failed request leaves one structured line (status, code, method, path, the run id
// where the body had one, never a token), and a Redis that cannot be reached is named in the answer:
// the variable to fix and its address without credentials, with a read told apart from a write.
import { afterEach, describe, expect, it } from "vitest";
import * as deliveriesApi from "../../api/deliveries.js";
import { RedisDecisionStore } from "../../lib/stores/decision-store.js";
import * as sweepApi from "../../api/sweep.js";
import * as triggerApi from "../../api/trigger.js";
import * as webhookApi from "../../api/webhook.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { fixture } from "../support/kit.js";
import { freePort } from "../support/ports.js";
import { installTestRuntime, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

let runtime: TestRuntime | undefined;
afterEach(async () => {
  await runtime?.store.close();
  runtime = undefined;
  setRuntime(undefined);
});

const wrongToken = "a-wrong-webhook-token-0123456789abcdef";
const callback = (body: unknown, token: string) =>
  new Request(`https://relay.test/api/webhook?token=${token}`, { method: "POST", body: JSON.stringify(body) });

function lineOf(test: TestRuntime, status: number) {
  const lines = test.entries.filter((entry) => entry["status"] === status && typeof entry["path"] === "string");
  expect(lines, test.logs.join("\n")).toHaveLength(1);
  return lines[0]!;
}

describe("the request's log line", () => {
  it("a webhook refused with 401: warn, code, method and path, never the token in its query", async () => {
    runtime = installTestRuntime();
    const response = await webhookApi.POST(callback(fixture("thread_runs_create"), wrongToken));
    expect(response.status).toBe(401);
    expect(lineOf(runtime, 401)).toMatchObject({ level: "warn", msg: "request refused", code: "unauthorized", method: "POST", path: "/api/webhook" });
    expect(runtime.logs.join("\n")).not.toContain(wrongToken);
  });

  it("a trigger refused with 400 names the field, and not the bearer token", async () => {
    runtime = installTestRuntime();
    const response = await triggerApi.POST(
      new Request("https://relay.test/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ mode: "wait" }),
      }),
    );
    expect(response.status).toBe(400);
    const line = lineOf(runtime, 400);
    expect(line).toMatchObject({ level: "warn", msg: "request refused", code: "invalid_body", method: "POST", path: "/api/trigger" });
    expect(String(line["error"])).toContain("assistant_id");
    expect(runtime.logs.join("\n")).not.toContain(TEST_TRIGGER_TOKEN);
  });

  it("a wrong method: 405 refused, logged", async () => {
    runtime = installTestRuntime();
    const response = await webhookApi.PUT(new Request("https://relay.test/api/webhook", { method: "PUT" }));
    expect(response.status).toBe(405);
    expect(lineOf(runtime, 405)).toMatchObject({ msg: "request refused", code: "method_not_allowed", method: "PUT" });
  });
});

describe("the sweep's line", () => {
  it("an idle sweep (nothing due) writes no info line: npm run dev sweeps every 5 s", async () => {
    runtime = installTestRuntime();
    for (let i = 0; i < 3; i++) {
      const response = await sweepApi.POST(
        new Request("https://relay.test/api/sweep", { method: "POST", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } }),
      );
      expect(response.status).toBe(200);
    }
    expect(runtime.entries.filter((entry) => entry["msg"] === "sweep done")).toHaveLength(0);
  });
});

describe("a failed run's line names the run", () => {
  const post = (body: unknown) =>
    triggerApi.POST(
      new Request("https://relay.test/api/trigger", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );

  it("a wait run that failed (502 run_failed) logs the run id its x-run-id header carries", async () => {
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url });
      langgraph.nextWaitValues = { __error__: { error: "ValueError", message: "boom" } };
      const response = await post({ assistant_id: "agent", mode: "wait", thread_id: "new" });
      expect(response.status).toBe(502);
      const runId = response.headers.get("x-run-id");
      expect(runId).toMatch(/^[0-9a-f-]{36}$/);
      expect(lineOf(runtime, 502)).toMatchObject({ msg: "request failed", code: "run_failed", run_id: runId, thread_id: response.headers.get("x-thread-id") });
    } finally {
      await langgraph.stop();
    }
  });

  it("a webhook body that is not a Run but names a run_id: 400 invalid_body, its line names that run", async () => {
    runtime = installTestRuntime();
    const response = await webhookApi.POST(callback({ run_id: "4f1c2c9e-0000-4000-8000-000000000001", status: 42 }, TEST_STATIC_TOKEN));
    expect(response.status).toBe(400);
    expect(lineOf(runtime, 400)).toMatchObject({ code: "invalid_body", run_id: "4f1c2c9e-0000-4000-8000-000000000001" });
  });
});

describe("REDIS_URL pointing at a closed port", () => {
  it("a callback is answered 503 naming REDIS_URL and the address (no password), and its line names the run", async () => {
    const port = await freePort();
    runtime = installTestRuntime({ REDIS_URL: `redis://default:redis-password-not-logged@127.0.0.1:${port}/0` });
    const body = fixture("thread_runs_create");
    const response = await webhookApi.POST(callback(body, TEST_STATIC_TOKEN));
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("store_unavailable");
    expect(error.message).toContain("REDIS_URL");
    expect(error.message).toContain(`redis://127.0.0.1:${port}`);
    expect(error.message).toContain("nothing was recorded");
    expect(error.message).not.toContain("redis-password-not-logged");

    const line = lineOf(runtime, 503);
    expect(line).toMatchObject({ level: "error", msg: "request failed", code: "store_unavailable", path: "/api/webhook", run_id: body["run_id"] });
    const logs = runtime.logs.join("\n");
    expect(logs).not.toContain("redis-password-not-logged");
    expect(logs).not.toContain(TEST_STATIC_TOKEN);
  });

  it("a read says that the read failed, not that nothing was recorded", async () => {
    const port = await freePort();
    runtime = installTestRuntime({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const response = await deliveriesApi.GET(
      new Request("https://relay.test/api/deliveries", { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } }),
    );
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.message).toContain(`Redis at redis://127.0.0.1:${port}, REDIS_URL`);
    expect(error.message).toContain("could not be read");
    expect(error.message).not.toContain("nothing was recorded");
    expect(lineOf(runtime, 503)).toMatchObject({ msg: "request failed", method: "GET", path: "/api/deliveries" });
  });

  it("a trigger's 503 names the store, Redis, REDIS_URL and the address (no password)", async () => {
    const port = await freePort();
    const langgraph = new FakeLangGraph();
    await langgraph.start();
    try {
      runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url, REDIS_URL: `redis://default:redis-password-not-logged@127.0.0.1:${port}` });
      for (const headers of [{}, { "idempotency-key": "order-1" }]) {
        const response = await triggerApi.POST(
          new Request("https://relay.test/api/trigger", {
            method: "POST",
            headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json", ...headers },
            body: JSON.stringify({ assistant_id: "agent", mode: "create" }),
          }),
        );
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(response.status, error.message).toBe(503);
        expect(error.message).toMatch(/^The (run ledger|idempotency store)\b/);
        expect(error.message).toContain(`(Redis at redis://127.0.0.1:${port}, REDIS_URL)`);
        expect(error.message).not.toContain("redis-password-not-logged");
      }
    } finally {
      await langgraph.stop();
    }
  });

  it("the sweep's 503 names REDIS_URL and says that nothing was attempted, not that nothing was recorded", async () => {
    const port = await freePort();
    runtime = installTestRuntime({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const response = await sweepApi.POST(
      new Request("https://relay.test/api/sweep", { method: "POST", headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } }),
    );
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.message).toContain(`Redis at redis://127.0.0.1:${port}, REDIS_URL`);
    expect(error.message).toContain("nothing was attempted");
    expect(error.message).not.toContain("nothing was recorded");
  });

  it("the decision store's 503 names Redis, REDIS_URL and the address, and says nothing was resumed", async () => {
    const port = await freePort();
    const store = new RedisDecisionStore({ url: `redis://default:redis-password-not-logged@127.0.0.1:${port}`, prefix: "test:hitl:" });
    try {
      const error = await store.claim("dlv_1", { channel: "inspector", decision: "approve", at: new Date(0).toISOString() }, 60).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toBe(`The decision store (Redis at redis://127.0.0.1:${port}, REDIS_URL) did not answer, so nothing was resumed. Retry later.`);
    } finally {
      await store.close();
    }
  });
});
