// Fuzzing /api/slack and /api/resume with hostile input: bad forms, bad JSON in `payload`, wrong
// types, huge bodies, missing or wrong headers and signatures, forged references, wrong methods.
// Whatever arrives: a designed status, the pinned error shape, no secret in an answer or a log line,
// and no request sent anywhere (Slack's response_url is only ever called for a verified click).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as resumeApi from "../../api/resume.js";
import * as slackApi from "../../api/slack.js";
import type { Handler } from "../../lib/http/methods.js";
import { signReference } from "../../lib/hitl/references.js";
import { slackSignature } from "../../lib/hitl/slack-signature.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { assertLogsClean, assertPinned, RUNS, send, tokenShaped } from "../support/fuzz.js";
import { installTestRuntime, TEST_SECRET, type TestRuntime } from "../support/runtime.js";

const SLACK_SECRET = "fuzz-slack-signing-secret-0123456789";

let runtime: TestRuntime;
const outgoing: string[] = [];

beforeAll(() => {
  runtime = installTestRuntime(
    { SLACK_SIGNING_SECRET: SLACK_SECRET },
    {
      fetch: async (input) => {
        outgoing.push(String(input instanceof Request ? input.url : input));
        return new Response(null, { status: 200 });
      },
    },
  );
});
afterAll(async () => {
  await runtime.idle();
  setRuntime(undefined);
});

const junk = fc.oneof(fc.string({ maxLength: 60 }), fc.integer(), fc.constant(null), fc.boolean(), fc.object({ maxDepth: 2 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }));
const reference = fc.oneof(
  tokenShaped,
  fc.constant(signReference("slack", [TEST_SECRET], { deliveryId: deliveryIdFor("r", "success"), pausedAtMs: Date.now(), ttlMs: 3_600_000 })),
  fc.constant(signReference("link", [TEST_SECRET], { deliveryId: deliveryIdFor("r", "success"), pausedAtMs: Date.now(), ttlMs: 3_600_000 })),
  fc.constant(signReference("slack", ["another-secret"], { deliveryId: deliveryIdFor("r", "success"), pausedAtMs: Date.now(), ttlMs: 3_600_000 })),
);

/** Interactivity payloads: Slack's shape with random (often wrong) values, or junk. */
const payloadJson = fc.oneof(
  fc
    .record(
      {
        type: fc.oneof(fc.constant("block_actions"), fc.string({ maxLength: 20 }), junk),
        user: fc.oneof(fc.record({ id: fc.oneof(fc.string({ maxLength: 20 }), junk), username: fc.oneof(fc.string({ maxLength: 20 }), junk) }, { requiredKeys: [] }), junk),
        actions: fc.oneof(fc.array(fc.record({ action_id: fc.oneof(fc.constantFrom("approve", "reject"), fc.string({ maxLength: 10 }), junk), value: fc.oneof(reference, junk) }, { requiredKeys: [] }), { maxLength: 3 }), junk),
        response_url: fc.oneof(
          fc.constantFrom("https://hooks.slack.com/actions/T/1/x", "http://127.0.0.1:9/x", "https://hooks.slack.com.evil.test/x", "https://evil.test/x", "file:///etc/passwd"),
          fc.webUrl(),
          junk,
        ),
        message: fc.oneof(fc.record({ blocks: fc.oneof(fc.array(fc.object({ maxDepth: 1 }), { maxLength: 3 }), junk) }), junk),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 100 }),
  fc.constantFrom('{"__proto__":{"polluted":1},"type":"block_actions"}', "{", "[]", "null", '"x"'),
);

const slackBody = fc.oneof(
  { weight: 6, arbitrary: payloadJson.map((json) => `payload=${encodeURIComponent(json)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom("ssl_check=1&token=x", "payload=", "payload=%E0%A4%A", "a=1&payload=1&payload=2", "") },
  { weight: 1, arbitrary: fc.integer({ min: 257, max: 600 }).map((kb) => `payload=${"x".repeat(kb * 1024)}`) },
);

const methods = fc.oneof({ weight: 9, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS") });

describe("fuzz /api/slack", () => {
  it("answers every hostile request with a designed status and the pinned shape, and calls nobody", async () => {
    await fc.assert(
      fc.asyncProperty(
        slackBody,
        fc.constantFrom("signed", "wrong-secret", "stale", "no-signature", "no-timestamp", "garbage"),
        fc.option(fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain"), { nil: undefined }),
        methods,
        async (body, signing, type, verb) => {
          const now = Math.floor(Date.now() / 1000);
          const timestamp = String(signing === "stale" ? now - 301 : now);
          const headers: Record<string, string> = {};
          if (type !== undefined) headers["content-type"] = type;
          if (signing !== "no-timestamp") headers["x-slack-request-timestamp"] = signing === "garbage" ? "12ab" : timestamp;
          if (signing !== "no-signature") headers["x-slack-signature"] = signing === "garbage" ? "v0=zz" : slackSignature(signing === "wrong-secret" ? "nope" : SLACK_SECRET, timestamp, body);
          const request = new Request("https://relay.test/api/slack", { method: verb, headers, ...(verb === "POST" ? { body } : {}) });
          const outcome = await send(slackApi as unknown as Record<string, Handler>, request);
          assertPinned(outcome, [200, 400, 401, 405, 413], []);
          // Headers are judged before the body is read; a wrong signature once it is (a huge body is 413 first).
          if (verb === "POST" && signing !== "signed") expect(outcome.status).toBe(signing === "wrong-secret" && outcome.status === 413 ? 413 : 401);
          expect(outcome.text).not.toContain(SLACK_SECRET);
          assertLogsClean(runtime.logs, [SLACK_SECRET]);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 1500 * RUNS },
    );
    await runtime.idle();
    // No reference verified (none names a delivery of this relay with a valid kind and key), so nothing was sent.
    expect(outgoing.filter((url) => !url.startsWith("https://hooks.slack.com/"))).toEqual([]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 300_000);
});

describe("fuzz /api/resume", () => {
  it("answers every hostile request with a designed status and the pinned shape", async () => {
    const resumeBody = fc.oneof(
      fc.record({ resume: fc.jsonValue({ maxDepth: 3 }) }).map((value) => JSON.stringify(value)),
      fc.record({ decision: fc.oneof(fc.constantFrom("approve", "reject"), junk) }).map((value) => JSON.stringify(value)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 100 }),
      fc.constantFrom('{"resume":1,"decision":"approve"}', '{"__proto__":{"polluted":1},"resume":1}', "{", ""),
      fc.integer({ min: 257, max: 400 }).map((kb) => JSON.stringify({ resume: "x".repeat(kb * 1024) })),
      fc.integer({ min: 1001, max: 5000 }).map((depth) => `{"resume":${"[".repeat(depth)}${"]".repeat(depth)}}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(reference, fc.constant(signReference("link", [TEST_SECRET], { deliveryId: deliveryIdFor("r", "success"), pausedAtMs: 0, ttlMs: 60_000 }))), { nil: undefined }),
        resumeBody,
        methods,
        async (token, body, verb) => {
          const url = `https://relay.test/api/resume${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`;
          const request = new Request(url, { method: verb, headers: { "content-type": "application/json" }, ...(verb === "POST" ? { body } : {}) });
          const outcome = await send(resumeApi as unknown as Record<string, Handler>, request);
          // 404: a validly signed link to a delivery this relay does not hold.
          assertPinned(outcome, [400, 401, 404, 405, 413], []);
          assertLogsClean(runtime.logs, []);
          runtime.logs.length = 0;
        },
      ),
      { numRuns: 1500 * RUNS },
    );
    expect(outgoing.filter((url) => !url.startsWith("https://hooks.slack.com/"))).toEqual([]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 300_000);
});

describe("unconfigured", () => {
  it("refuses every Slack request with 401 when SLACK_SIGNING_SECRET is unset (fail closed), and says why in the log", async () => {
    const quiet = installTestRuntime({});
    try {
      const body = "payload=%7B%7D";
      const timestamp = String(Math.floor(Date.now() / 1000));
      const outcome = await send(slackApi as unknown as Record<string, Handler>, new Request("https://relay.test/api/slack", {
        method: "POST",
        headers: { "x-slack-request-timestamp": timestamp, "x-slack-signature": slackSignature("", timestamp, body) },
        body,
      }));
      assertPinned(outcome, [401], []);
      expect(quiet.logs.join("\n")).toMatch(/SLACK_SIGNING_SECRET is not set/);
    } finally {
      setRuntime(runtime);
    }
  });
});
