// Property-based fuzzing of every endpoint with hostile input: random bodies (deep nesting, huge
// strings, wrong types, invalid UTF-8, prototype-pollution keys), random headers, content types and
// tokens. Whatever arrives: never a 5xx except the designed ones, never a crash, always the pinned
// error shape, and no token or secret ever echoed in a response or a log line.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as crons from "../../api/crons.js";
import * as deliveries from "../../api/deliveries.js";
import * as trigger from "../../api/trigger.js";
import * as webhook from "../../api/webhook.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { fixture as readFixture } from "../support/kit.js";
import type { Handler } from "../../lib/http/methods.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { assertLogsClean, assertPinned, RUNS, send, tokenShaped } from "../support/fuzz.js";
import { installTestRuntime, TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

const fixture = readFixture("thread_runs_create");

const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  // Payload-shaped objects with random values in the fields the relay reads.
  fc
    .record({
      run_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(fixture["run_id"])),
      thread_id: fc.oneof(fc.string(), fc.constant(fixture["thread_id"]), fc.array(fc.string())),
      assistant_id: fc.oneof(fc.string(), fc.constant(fixture["assistant_id"])),
      status: fc.oneof(fc.constantFrom("success", "error", "timeout", "interrupted", "rollback"), fc.string(), fc.integer()),
      error: fc.oneof(fc.string(), fc.object(), fc.constant(null), fc.integer()),
      values: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 4 })),
      metadata: fc.oneof(fc.object(), fc.string(), fc.constant(null)),
      kwargs: fc.oneof(fc.object(), fc.constant({ webhook: `https://x.test/api/webhook?token=${TEST_STATIC_TOKEN}` })),
    }, { requiredKeys: [] })
    .map((fields) => JSON.stringify({ ...fixture, ...fields })),
  // Prototype-pollution keys at the top and where the relay redacts.
  fc.constantFrom(
    `{"__proto__":{"polluted":1},"run_id":"p","thread_id":"t","assistant_id":"a","status":"success"}`,
    `{"run_id":"p","thread_id":"t","assistant_id":"a","status":"success","kwargs":{"config":{"configurable":{"__proto__":{"polluted":1}},"metadata":{"constructor":{"prototype":{"polluted":1}}}}}}`,
    `{"run_id":"p","thread_id":"t","assistant_id":"a","status":"__proto__"}`,
    `{"run_id":"constructor","thread_id":"t","assistant_id":"a","status":"prototype"}`,
  ),
  // Deep nesting and huge strings.
  fc.integer({ min: 900, max: 20_000 }).map((depth) => `{"run_id":"d","thread_id":"t","assistant_id":"a","status":"success","values":${"[".repeat(depth)}${"]".repeat(depth)}}`),
  fc.integer({ min: 1, max: 3 }).map((mb) => JSON.stringify({ ...fixture, run_id: `big-${mb}`, values: { s: "x".repeat(mb * 1_000_000) } })),
);

const body = fc.oneof(
  { weight: 8, arbitrary: jsonText.map((text): string | Uint8Array<ArrayBuffer> => text) },
  // Invalid UTF-8 and raw bytes.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => new Uint8Array(bytes)) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])) },
);

const contentType = fc.oneof(
  fc.constantFrom("application/json", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""),
  fc.string({ maxLength: 40 }),
);

const method = fc.oneof({ weight: 9, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS") });

describe("fuzz /api/webhook", () => {
  let runtime: TestRuntime;
  beforeAll(() => {
    runtime = installTestRuntime();
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
  });

  it("answers every hostile request with a designed status and the pinned shape", async () => {
    const minted = mintWebhookToken([TEST_SECRET], { kind: "run" });
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.option(fc.oneof(tokenShaped, fc.constant(minted), fc.constant(`${minted.slice(0, -2)}AA`)), { nil: undefined }),
        fc.option(fc.oneof(tokenShaped.map((t) => `Bearer ${t}`), fc.string({ maxLength: 60 })), { nil: undefined }),
        contentType,
        method,
        async (payload, token, authorization, type, verb) => {
          const headers: Record<string, string> = {};
          if (type !== "") headers["content-type"] = type.replace(/[\r\n]/g, "");
          if (authorization !== undefined) headers["authorization"] = authorization.replace(/[\r\n]/g, "");
          const url = `https://relay.test/api/webhook${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`;
          let request: Request;
          try {
            request = new Request(url, { method: verb, headers, ...(verb === "POST" ? { body: payload } : {}) });
          } catch {
            return; // not a request an HTTP server could receive (e.g. an invalid header value)
          }
          const outcome = await send(webhook as unknown as Record<string, Handler>, request);
          const presented = [token ?? "", authorization ?? ""].filter((t) => t !== TEST_STATIC_TOKEN);
          assertPinned(outcome, [200, 400, 401, 405, 413], presented);
          assertLogsClean(runtime.logs, presented);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 4000 * RUNS },
    );
    // Prototype pollution did not happen.
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 300_000);
});

const anyJsonValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

/** Trigger bodies: mostly the real fields with random (often wrong) values, sometimes junk. */
const triggerBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          mode: fc.oneof(fc.constantFrom("create", "wait", "stream", "cron"), anyJsonValue),
          assistant_id: fc.oneof(fc.constantFrom("agent", "missing"), anyJsonValue),
          thread_id: fc.oneof(fc.constantFrom("new", "2f4b3c1e-8d9a-4b5c-9e0f-1a2b3c4d5e6f"), anyJsonValue),
          input: fc.oneof(fc.constant({ messages: [{ role: "user", content: "Hello!" }] }), anyJsonValue),
          metadata: anyJsonValue,
          config: anyJsonValue,
          stream_mode: fc.oneof(fc.constantFrom("values", "updates"), anyJsonValue),
          multitask_strategy: fc.oneof(fc.constantFrom("reject", "enqueue"), anyJsonValue),
          after_seconds: anyJsonValue,
          schedule: fc.oneof(fc.constant("*/5 * * * *"), anyJsonValue),
          timezone: anyJsonValue,
          route: anyJsonValue,
          webhook: fc.constant("https://attacker.test/steal"),
        },
        { requiredKeys: [] },
      )
      .map((body) => JSON.stringify(body)),
  },
  // Plausible, mostly valid requests, so the paths past validation are fuzzed too.
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          mode: fc.constantFrom("create", "wait", "stream"),
          assistant_id: fc.constantFrom("agent", "missing"),
          thread_id: fc.constantFrom("new", "2f4b3c1e-8d9a-4b5c-9e0f-1a2b3c4d5e6f"),
          input: fc.oneof(fc.constant({ messages: [{ role: "user", content: "Hello!" }] }), fc.object({ maxDepth: 2 })),
          metadata: fc.object({ maxDepth: 1 }),
          route: fc.string({ minLength: 1, maxLength: 30 }),
        },
        { requiredKeys: ["assistant_id"] },
      )
      .map((body) => JSON.stringify(body)),
  },
  { weight: 2, arbitrary: jsonText },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":1},"assistant_id":"agent"}', '{"assistant_id":"agent","constructor":{"prototype":{"polluted":1}}}') },
);

describe("fuzz /api/trigger and /api/crons", () => {
  let runtime: TestRuntime;
  const langgraph = new FakeLangGraph();
  beforeAll(async () => {
    await langgraph.start();
    runtime = installTestRuntime({ LANGGRAPH_API_URL: langgraph.url, PUBLIC_URL: "https://relay.test" });
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
    await langgraph.stop();
  });

  it("answers every hostile trigger request with a designed status and the pinned shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        triggerBody,
        fc.option(fc.oneof(fc.constant(`Bearer ${TEST_TRIGGER_TOKEN}`), tokenShaped.map((t) => `Bearer ${t}`), fc.string({ maxLength: 40 })), { nil: undefined }),
        fc.option(fc.string({ minLength: 1, maxLength: 80 }), { nil: undefined }),
        contentType,
        method,
        async (payload, authorization, idempotencyKey, type, verb) => {
          const headers: Record<string, string> = {};
          if (type !== "") headers["content-type"] = type;
          if (authorization !== undefined) headers["authorization"] = authorization;
          if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
          let request: Request;
          try {
            request = new Request("https://relay.test/api/trigger", { method: verb, headers, ...(verb === "POST" ? { body: payload } : {}) });
          } catch {
            return;
          }
          const response = await (trigger as unknown as Record<string, Handler>)[verb]!(request);
          // A stream is read to its end: errors inside it must not escape either.
          const outcome = { status: response.status, text: await response.text() };
          const presented = [authorization ?? "", idempotencyKey ?? ""].filter((t) => t !== `Bearer ${TEST_TRIGGER_TOKEN}`);
          assertPinned(outcome, [200, 201, 202, 400, 401, 404, 405, 409, 413, 422], presented);
          assertLogsClean(runtime.logs, presented);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 3000 * RUNS },
    );
    // Some of the random bodies were valid and reached LangGraph, so the paths past validation were fuzzed too.
    expect(langgraph.requests.length).toBeGreaterThan(20);
    // The attacker's webhook never reached LangGraph: the relay always sets its own.
    expect(langgraph.requests.some((r) => JSON.stringify(r.body ?? {}).includes("attacker.test"))).toBe(false);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 300_000);

  it("answers every hostile crons request with a designed status and the pinned shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "DELETE", "POST", "PUT"),
        fc.dictionary(
          fc.oneof(fc.constantFrom("cron_id", "assistant_id", "thread_id", "limit", "offset"), fc.string({ maxLength: 10 })),
          fc.oneof(fc.string({ maxLength: 60 }), fc.integer().map(String), fc.constant("-1"), fc.constant("1e309")),
          { maxKeys: 4 },
        ),
        fc.option(fc.oneof(fc.constant(`Bearer ${TEST_TRIGGER_TOKEN}`), tokenShaped.map((t) => `Bearer ${t}`)), { nil: undefined }),
        async (verb, query, authorization) => {
          const url = new URL("https://relay.test/api/crons");
          for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
          const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
          const response = await (crons as unknown as Record<string, Handler>)[verb]!(new Request(url, { method: verb, headers }));
          const outcome = { status: response.status, text: await response.text() };
          const presented = [authorization ?? ""].filter((t) => t !== `Bearer ${TEST_TRIGGER_TOKEN}`);
          assertPinned(outcome, [200, 400, 401, 404, 405, 422], presented);
          assertLogsClean(runtime.logs, presented);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 1500 * RUNS },
    );
  }, 300_000);
});

describe("fuzz /api/deliveries", () => {
  let runtime: TestRuntime;
  const ids: string[] = [];
  beforeAll(async () => {
    runtime = installTestRuntime();
    // A few real deliveries, so that valid ids, cursors and replays are in the mix.
    for (let n = 0; n < 5; n++) {
      const response = await webhook.POST(
        new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
          method: "POST",
          body: JSON.stringify({ ...fixture, run_id: `fuzz-${n}`, status: n % 2 === 0 ? "success" : "error" }),
        }),
      );
      ids.push(((await response.json()) as { delivery_id: string }).delivery_id);
    }
    await runtime.idle();
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
  });

  it("answers every hostile deliveries request with a designed status and the pinned shape", async () => {
    const queryValue = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(...["1", "0", "-5", "201", "abc", "1e3", "failed", "pending", "run.error", "dlv_000000000000000000000000"]),
      fc.integer({ min: 0, max: 4 }).map((i) => `dlv_${"0".repeat(24)}`.slice(0, 28 - i)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "HEAD", "PUT", "DELETE"),
        fc.dictionary(
          fc.oneof(fc.constantFrom("id", "replay", "action", "limit", "cursor", "event", "action_state", "assistant_id", "thread_id", "run_id"), fc.string({ maxLength: 8 })),
          fc.oneof(queryValue, fc.constantFrom(...ids)),
          { maxKeys: 5 },
        ),
        fc.option(fc.oneof(fc.constant(`Bearer ${TEST_TRIGGER_TOKEN}`), tokenShaped.map((t) => `Bearer ${t}`), fc.string({ maxLength: 40 })), { nil: undefined }),
        async (verb, query, authorization) => {
          const url = new URL("https://relay.test/api/deliveries");
          for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
          const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
          let request: Request;
          try {
            request = new Request(url, { method: verb, headers });
          } catch {
            return;
          }
          const response = await (deliveries as unknown as Record<string, Handler>)[verb]!(request);
          const outcome = { status: response.status, text: await response.text() };
          const presented = [authorization ?? ""].filter((t) => t !== `Bearer ${TEST_TRIGGER_TOKEN}`);
          if (verb === "HEAD") {
            expect(outcome.text).toBe("");
            expect([200, 400, 401, 404]).toContain(outcome.status);
          } else {
            assertPinned(outcome, [200, 400, 401, 404, 405, 409], presented);
          }
          assertLogsClean(runtime.logs, presented);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 1500 * RUNS },
    );
  }, 300_000);
});
