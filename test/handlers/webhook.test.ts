// The receiver through its real Vercel export, driven with `new Request(...)`.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as webhook from "../../api/webhook.js";
import { alternateDeliveryIdFor, deliveryIdFor } from "../../lib/model/delivery.js";
import { reconciledRecord } from "../../lib/reconcile/record.js";
import { storeUnavailable } from "../../lib/shared/errors.js";
import type { DeliveryRouter } from "../../lib/routing/delivery-router.js";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";
import { durableOf } from "../support/stores.js";
import { mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { installTestRuntime, TEST_SECRET, TEST_STATIC_TOKEN, type TestRuntime } from "../support/runtime.js";
import { expectError } from "../support/errors.js";
import { fixture } from "../support/kit.js";

type Json = Record<string, unknown>;
const FIXTURES = ["thread_runs_create", "stateless_runs_wait", "error_graph_create", "hitl_interrupt"] as const;

function post(body: string | Uint8Array<ArrayBuffer>, options: { token?: string | null; headers?: Record<string, string>; query?: string } = {}) {
  const token = options.token === undefined ? TEST_STATIC_TOKEN : options.token;
  const query = options.query ?? (token === null ? "" : `?token=${encodeURIComponent(token)}`);
  return webhook.POST(
    new Request(`https://relay.test/api/webhook${query}`, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8", ...options.headers },
      body,
    }),
  );
}


let runtime: TestRuntime;
beforeEach(() => {
  runtime = installTestRuntime();
});
afterEach(async () => {
  await runtime.idle();
  setRuntime(undefined);
});

describe("POST /api/webhook accepts every shape LangGraph sends", () => {
  it.each(FIXTURES)("records the JS server's %s callback (text/plain) once", async (name) => {
    const payload = fixture(name);
    const response = await post(JSON.stringify(payload));
    expect(response.status).toBe(200);
    const ack = (await response.json()) as Json;
    const id = deliveryIdFor(String(payload["run_id"]), String(payload["status"]));
    expect(ack).toEqual({ ok: true, delivery_id: id, duplicate: false });
    const record = await runtime.store.get(id);
    expect(record).toMatchObject({
      event: `run.${String(payload["status"])}`,
      run_id: payload["run_id"],
      thread_id: payload["thread_id"],
      assistant_id: payload["assistant_id"],
      auth: "static",
    });
    // Extra fields are kept as received.
    expect(record?.payload["multitask_strategy"]).toBe("reject");
  });

  it("records the Python server's shape: application/json, error as object, values null, rollback and timeout", async () => {
    const base = fixture("error_graph_create");
    for (const [status, error] of [
      ["error", { error: "ValueError", message: "boom" }],
      ["rollback", null],
      ["timeout", undefined],
      ["some_future_status", "text"],
    ] as const) {
      const payload: Json = { ...base, run_id: `py-${status}`, status, values: null, new_field: { x: 1 } };
      if (error === undefined) delete payload["error"];
      else payload["error"] = error;
      const response = await post(JSON.stringify(payload), { headers: { "content-type": "application/json" } });
      expect(response.status).toBe(200);
      const record = await runtime.store.get(deliveryIdFor(`py-${status}`, status));
      expect(record?.event).toBe(`run.${status}`);
      expect(record?.payload.values).toBeNull();
      expect(record?.payload["new_field"]).toEqual({ x: 1 });
    }
  });

  it("accepts a body without values (stateless) and without a content-type", async () => {
    const payload = fixture("stateless_runs_wait");
    expect(payload["values"]).toBeUndefined();
    const response = await webhook.POST(
      new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
        method: "POST",
        body: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    expect(response.status).toBe(200);
  });
});

describe("POST /api/webhook authentication", () => {
  const payload = fixture("thread_runs_create");
  const threadId = String(payload["thread_id"]);

  it("accepts a minted token bound to the payload's thread", async () => {
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId });
    const response = await post(JSON.stringify(payload), { token });
    expect(response.status).toBe(200);
    expect((await runtime.store.get(deliveryIdFor(String(payload["run_id"]), "success")))?.auth).toBe("minted");
  });

  it("refuses a minted token for another thread with 401, recording nothing", async () => {
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId: "another-thread" });
    await expectError(await post(JSON.stringify(payload), { token }), 401, "unauthorized", /another thread/);
    expect(await runtime.store.get(deliveryIdFor(String(payload["run_id"]), "success"))).toBeUndefined();
  });

  it("refuses an expired minted token", async () => {
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId, ttlSeconds: 60, now: Date.now() - 120_000 });
    await expectError(await post(JSON.stringify(payload), { token }), 401, "unauthorized", /expired/);
  });

  it("accepts the static token as a bearer header", async () => {
    const response = await post(JSON.stringify(payload), {
      token: null,
      headers: { authorization: `Bearer ${TEST_STATIC_TOKEN}` },
    });
    expect(response.status).toBe(200);
  });

  it("answers 401 for a missing or wrong token, without echoing it", async () => {
    await expectError(await post(JSON.stringify(payload), { token: null }), 401, "unauthorized", /Missing/);
    const message = await expectError(await post(JSON.stringify(payload), { token: "wrong-token-value" }), 401, "unauthorized");
    expect(message).not.toContain("wrong-token-value");
  });

  it("fails closed when no secret is configured: 401 to the caller, the variables named in the log only", async () => {
    const runtime = installTestRuntime({ WEBHOOK_SECRET: "", WEBHOOK_TOKEN: "" });
    const message = await expectError(await post(JSON.stringify(payload)), 401, "unauthorized");
    expect(message).not.toMatch(/WEBHOOK_SECRET|WEBHOOK_TOKEN/);
    expect(runtime.logs.join("\n")).toMatch(/WEBHOOK_SECRET.*WEBHOOK_TOKEN/);
  });

  it("explains an invalid configuration to a caller with a valid token only; anyone else gets 401", async () => {
    // The process runtime is built from process.env on first use, as on Vercel.
    setRuntime(undefined);
    vi.stubEnv("REDIS_URL", "http://not-redis");
    vi.stubEnv("WEBHOOK_TOKEN", TEST_STATIC_TOKEN);
    try {
      await expectError(await post(JSON.stringify(payload)), 500, "not_configured", /REDIS_URL/);
      // Still serving, still refusing: nothing is accepted with a broken configuration.
      await expectError(await post(JSON.stringify(payload)), 500, "not_configured", /REDIS_URL/);
      const stranger = await expectError(await post(JSON.stringify(payload), { token: "not-a-token-of-ours" }), 401, "unauthorized");
      expect(stranger).not.toMatch(/REDIS_URL|configur/i);
    } finally {
      vi.unstubAllEnvs();
      setRuntime(undefined);
    }
  });
});

describe("POST /api/webhook bad input", () => {
  it("answers 400 invalid_json for malformed JSON", async () => {
    await expectError(await post("{not json"), 400, "invalid_json");
    await expectError(await post(""), 400, "invalid_json");
    await expectError(await post(new Uint8Array([0xff, 0xfe, 0x7b])), 400, "invalid_json");
  });

  it.each([
    ["run_id", { run_id: undefined }],
    ["thread_id", { thread_id: 42 }],
    ["assistant_id", { assistant_id: "" }],
    ["status", { status: null }],
    ["error", { error: 42 }],
    ["metadata", { metadata: "x" }],
  ])("answers 400 invalid_body naming %s", async (field, change) => {
    const payload = { ...fixture("thread_runs_create"), ...change };
    await expectError(await post(JSON.stringify(payload)), 400, "invalid_body", new RegExp(field));
  });

  it("answers 400 for JSON that is not an object", async () => {
    for (const body of ["[]", "null", "42", '"run"']) {
      await expectError(await post(body), 400, "invalid_body", /not a LangGraph Run/);
    }
  });

  it("answers 413 for a body over the limit, declared or streamed", async () => {
    installTestRuntime({ WEBHOOK_MAX_BYTES: "1024" });
    const big = JSON.stringify({ ...fixture("thread_runs_create"), values: { blob: "x".repeat(2000) } });
    await expectError(await post(big), 413, "payload_too_large", /1024 bytes/);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(400)));
        controller.close();
      },
    });
    const response = await webhook.POST(
      new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
        method: "POST",
        body: streamed,
        duplex: "half",
      } as RequestInit),
    );
    await expectError(response, 413, "payload_too_large");
  });

  it("accepts a body just under the default 4.5 MiB cap", async () => {
    const payload = { ...fixture("thread_runs_create"), run_id: "big", values: { blob: "x".repeat(4_600_000) } };
    const response = await post(JSON.stringify(payload));
    expect(response.status).toBe(200);
  });

  it.each(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] as const)("answers %s with 405 and Allow: POST", async (method) => {
    const response = await webhook[method](new Request("https://relay.test/api/webhook", { method }));
    expect(response.headers.get("allow")).toBe("POST");
    await expectError(response, 405, "method_not_allowed", new RegExp(method));
  });

  it("keeps serving after bad input", async () => {
    await post("{");
    await post("[]", { token: "nope" });
    expect((await post(JSON.stringify(fixture("thread_runs_create")))).status).toBe(200);
  });
});

describe("POST /api/webhook redaction", () => {
  it("removes the token and bypass secret from kwargs.webhook and credential-like configurable entries", async () => {
    const payload = fixture("thread_runs_create");
    const kwargs = payload["kwargs"] as Json;
    const token = mintWebhookToken([TEST_SECRET], { kind: "run", threadId: String(payload["thread_id"]) });
    kwargs["webhook"] = `https://relay.test/api/webhook?token=${token}&x-vercel-protection-bypass=bypass-secret-value&keep=1`;
    const configurable = (kwargs["config"] as Json)["configurable"] as Json;
    Object.assign(configurable, {
      "x-api-key": "api-key-value",
      authorization: "Bearer header-token-value",
      cookie: "session=cookie-value",
      "x-secret-thing": "secret-value",
      password: "password-value",
      "x-request-id": "req-1",
    });
    const response = await post(JSON.stringify(payload), { token });
    expect(response.status).toBe(200);
    const record = await runtime.store.get(deliveryIdFor(String(payload["run_id"]), "success"));
    const stored = JSON.stringify(record);
    for (const secret of [token, "bypass-secret-value", "api-key-value", "header-token-value", "cookie-value", "secret-value", "password-value"]) {
      expect(stored).not.toContain(secret);
      expect(runtime.logs.join("\n")).not.toContain(secret);
    }
    const storedKwargs = record?.payload.kwargs as Json;
    expect(storedKwargs["webhook"]).toBe("https://relay.test/api/webhook?keep=1");
    const storedConfigurable = (storedKwargs["config"] as Json)["configurable"] as Json;
    expect(storedConfigurable["x-request-id"]).toBe("req-1");
    expect(storedConfigurable["run_id"]).toBe(payload["run_id"]);
    expect(storedConfigurable["x-api-key"]).toBe("[redacted]");
  });
});

describe("POST /api/webhook records exactly once", () => {
  it("answers a repeat with duplicate: true and the same delivery id", async () => {
    const body = JSON.stringify(fixture("thread_runs_create"));
    const first = (await (await post(body)).json()) as Json;
    const second = (await (await post(body)).json()) as Json;
    expect(first["duplicate"]).toBe(false);
    expect(second).toEqual({ ok: true, delivery_id: first["delivery_id"], duplicate: true });
  });

  it("answers duplicate: true to a late real callback whose run reconciliation recorded beside a forged copy that took the first id", async () => {
    const real = fixture("thread_runs_create");
    const runId = String(real["run_id"]);
    // A forged copy (another body, same run and status) arrives first and takes the run's first id.
    const forged = (await (await post(JSON.stringify({ ...real, values: { forged: true } }))).json()) as Json;
    expect(forged).toMatchObject({ delivery_id: deliveryIdFor(runId, "success"), duplicate: false });
    // The real callback never came; reconciliation recorded the run beside it (lib/reconcile/reconcile.ts).
    const made = reconciledRecord({ run: real, status: "success", checkpoint: undefined }, { now: runtime.now(), tokenId: "t-1", redactKeys: [] });
    if ("invalid" in made) throw new Error(made.invalid);
    made.id = alternateDeliveryIdFor(runId, "success", "reconciled");
    expect((await runtime.store.claim(made)).duplicate).toBe(false);
    // The real callback, late: recorded already, as the reconciled delivery.
    const late = (await (await post(JSON.stringify(real))).json()) as Json;
    expect(late).toEqual({ ok: true, delivery_id: made.id, duplicate: true });
    expect((await runtime.store.list({ limit: 10 })).deliveries.map((record) => record.id).sort()).toEqual([forged["delivery_id"], made.id].sort());
  });

  it("treats the same run with another status as another delivery", async () => {
    const payload = fixture("thread_runs_create");
    await post(JSON.stringify(payload));
    const other = (await (await post(JSON.stringify({ ...payload, status: "error" }))).json()) as Json;
    expect(other["duplicate"]).toBe(false);
  });

  it("records one of 200 concurrent copies and hands only that one to the router", async () => {
    const dispatched: string[] = [];
    const router: DeliveryRouter = {
      plan: () => [],
      dispatch: async (delivery) => {
        dispatched.push(delivery.id);
      },
    };
    const body = JSON.stringify(fixture("error_graph_create"));
    const request = () =>
      new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, { method: "POST", body });
    const acks = await Promise.all(
      Array.from({ length: 200 }, () => handleWebhook(request(), runtime, router).then((r) => r.json() as Promise<Json>)),
    );
    expect(acks.filter((ack) => ack["duplicate"] === false)).toHaveLength(1);
    expect(new Set(acks.map((ack) => ack["delivery_id"])).size).toBe(1);
    expect((await runtime.store.list({ limit: 10 })).deliveries).toHaveLength(1);
    await runtime.idle();
    expect(dispatched).toEqual([acks[0]?.["delivery_id"]]);
  });

  it("records a delivery that no route handles as no_route, with its verdict, in one save after the ack", async () => {
    let saves = 0;
    const store = runtime.store;
    const counted = installTestRuntime(
      {},
      {
        store: wrapStore(store, {
          save: async (record) => {
            saves += 1;
            return store.save(record);
          },
          // The plan of nothing: the verdict, and the routing item out of the due-time index, in one write.
          commitPlan: async (...args) => {
            saves += 1;
            return store.commitPlan(...args);
          },
        }),
      },
    );
    const payload = fixture("error_graph_create");
    expect((await post(JSON.stringify(payload))).status).toBe(200);
    await counted.idle();
    const stored = await store.get(deliveryIdFor(String(payload["run_id"]), "error"));
    expect(stored?.routing).toBe("no_route");
    expect(stored?.verification?.state).toBe("confirmed");
    expect(saves).toBe(1);
  });

  it("answers 503 and records nothing when the store fails, so LangGraph retries", async () => {
    const failing = wrapStore(runtime.store, {
      claim: async () => {
        throw storeUnavailable(new Error("connection refused"));
      },
    });
    installTestRuntime({}, { store: failing });
    await expectError(await post(JSON.stringify(fixture("thread_runs_create"))), 503, "store_unavailable");
  });

  it("logs one line per callback without the token", async () => {
    const token = mintWebhookToken([TEST_SECRET], { kind: "run" });
    const payload = fixture("stateless_runs_wait");
    await post(JSON.stringify(payload), { token });
    const lines = runtime.logs.map((line) => JSON.parse(line) as Json).filter((line) => line["msg"] === "webhook received");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ run_id: payload["run_id"], status: "success", duplicate: false });
    // No event yet: a success may become run.paused once routing has asked LangGraph.
    expect(lines[0]).not.toHaveProperty("event");
    expect(typeof lines[0]?.["ms"]).toBe("number");
    expect(runtime.logs.join("\n")).not.toContain(token);
  });
});

/** A store that delegates to `inner` except for the given methods. */
function wrapStore(inner: DeliveryStore, overrides: Partial<Pick<DeliveryStore, "claim" | "save" | "commitPlan">>): DeliveryStore {
  return {
    kind: inner.kind,
    claim: overrides.claim ?? ((record) => inner.claim(record)),
    save: overrides.save ?? ((record) => inner.save(record)),
    get: (id) => inner.get(id),
    list: (options) => inner.list(options),
    claimRouting: (key, id) => inner.claimRouting(key, id),
    close: () => inner.close(),
    ...durableOf(inner),
    ...(overrides.commitPlan === undefined ? {} : { commitPlan: overrides.commitPlan }),
  };
}


describe("POST /api/webhook deep nesting", () => {
  it("refuses a body nested deeper than 1000 levels with 400, and accepts 900", async () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const payload = (depth: number) =>
      JSON.stringify({ ...fixture("thread_runs_create"), run_id: `deep-${depth}` }).replace(
        '"values":{',
        `"values":{"deep":${nested(depth)},`,
      );
    await expectError(await post(payload(5000)), 400, "invalid_json", /deeper than 1000/);
    expect((await post(payload(900))).status).toBe(200);
    // What was recorded can be read back (and so listed and forwarded).
    expect(JSON.stringify(await runtime.store.get(deliveryIdFor("deep-900", "success")))).toContain("deep");
  });
});
