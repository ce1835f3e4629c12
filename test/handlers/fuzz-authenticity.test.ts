// Property-based fuzzing of the rules that keep a callback LangGraph's own and the relay's setup its
// own business (issue #11), through the real api/ exports: a status not in LangGraph's spelling is a
// 400; a forged callback carrying a valid minted token for a run it was not minted for is recorded as
// rejected and never reaches a route; a caller without a credential never learns anything of a broken
// configuration; the read-only INSPECTOR_TOKEN reads and does nothing else. The general hostile-input
// fuzzing of every endpoint is fuzz.test.ts.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as crons from "../../api/crons.js";
import * as deliveries from "../../api/deliveries.js";
import * as trigger from "../../api/trigger.js";
import * as webhook from "../../api/webhook.js";
import type { Handler } from "../../lib/http/methods.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { runPayloadSchema } from "../../lib/model/run-payload.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { mintedTokenId, mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { assertLogsClean, assertPinned, RUNS, send, tokenShaped } from "../support/fuzz.js";
import { fixture } from "../support/kit.js";
import { installTestRuntime, TEST_SECRET, TEST_STATIC_TOKEN, type TestRuntime } from "../support/runtime.js";

const FORWARD_SECRET = "whsec_ZnV6ei1mb3J3YXJkLXNlY3JldA==";
const INSPECTOR_TOKEN = "fuzz-inspector-read-only-token-0123456789";
const LOWERCASE_STATUS = /^[a-z][a-z_]{0,31}$/;

const apis = {
  webhook: webhook as unknown as Record<string, Handler>,
  trigger: trigger as unknown as Record<string, Handler>,
  crons: crons as unknown as Record<string, Handler>,
  deliveries: deliveries as unknown as Record<string, Handler>,
};
type Endpoint = keyof typeof apis;

/** A fetch that records what the routes send (the environment's forward) and answers 200. */
function recordingFetch(): { fetch: typeof fetch; sent: string[] } {
  const sent: string[] = [];
  const fake = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    sent.push(`${String(input instanceof Request ? input.url : input)} ${typeof init?.body === "string" ? init.body : ""}`);
    return new Response("ok", { status: 200 });
  };
  return { fetch: fake as typeof fetch, sent };
}

function callback(token: string, body: unknown): Request {
  return new Request(`https://relay.test/api/webhook?token=${encodeURIComponent(token)}`, {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8" },
    body: JSON.stringify(body),
  });
}

describe("fuzz: statuses only in LangGraph's own spelling", () => {
  let runtime: TestRuntime;
  beforeAll(() => {
    runtime = installTestRuntime();
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
  });

  /** Near misses of the known statuses, and anything else that is not a lowercase identifier. */
  const misspelled = fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc
        .tuple(fc.constantFrom("success", "error", "timeout", "interrupted", "rollback"), fc.nat(9))
        .map(([status, variant]) =>
          [
            status.toUpperCase(),
            `${status.charAt(0).toUpperCase()}${status.slice(1)}`,
            `${status} `,
            ` ${status}`,
            `${status}\n`,
            `${status}-1`,
            `run.${status}`,
            status.replace("s", "ſ"),
            `${status}\u0000`,
            `${status}${"_".repeat(32)}`,
          ][variant] ?? status.toUpperCase(),
        ),
    )
    .filter((status) => !LOWERCASE_STATUS.test(status));

  it("answers 400 invalid_body to any other spelling, and records nothing", async () => {
    await fc.assert(
      fc.asyncProperty(misspelled, async (status) => {
        const outcome = await send(apis.webhook, callback(TEST_STATIC_TOKEN, { ...fixture("thread_runs_create"), run_id: randomUUID(), status }));
        assertPinned(outcome, [400], []);
        expect(JSON.parse(outcome.text)).toMatchObject({ error: { code: "invalid_body" } });
      }),
      { numRuns: 300 * RUNS },
    );
    expect((await runtime.store.list({ limit: 10 })).deliveries).toEqual([]);
  });
});

/** A token the ledger never heard of: only LangGraph's record can judge its callbacks. */
const UNKNOWN_TO_THE_LEDGER = "unknown to the ledger";
/** Ids the LangGraph SDK will not put in a path: LangGraph cannot be asked about them. */
const unaskable = (runId: string, threadId: string): boolean => [runId, threadId].some((id) => id === "." || id === "..");

describe("fuzz: forged callbacks with a valid minted token", () => {
  const langgraph = new FakeLangGraph();
  const forwards = recordingFetch();
  let runtime: TestRuntime;
  /** Tokens this deployment minted, each valid and each for something other than the forged run. */
  const tokens: { name: string; token: string; threadId?: string }[] = [];

  beforeAll(async () => {
    await langgraph.start();
    runtime = installTestRuntime(
      { LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: "https://forward.test/hooks", FORWARD_SECRET },
      { fetch: forwards.fetch },
    );
    const { ledger } = runtime;
    const now = Date.now();
    const entry = (token: string, kind: "run" | "cron", threadId?: string) => ({
      token_id: mintedTokenId(token),
      kind,
      assistant_id: "agent",
      ...(threadId === undefined ? {} : { thread_id: threadId }),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + 86_400_000).toISOString(),
    });
    const mint = (kind: "run" | "cron", threadId?: string) =>
      mintWebhookToken([TEST_SECRET], { kind, threadId, environment: runtime.config.deploymentEnvironment });

    // A stateless run's token, the run known to the ledger.
    const stateless = mint("run");
    await ledger.put(entry(stateless, "run"));
    await ledger.bindRun(mintedTokenId(stateless), randomUUID(), randomUUID());
    tokens.push({ name: "stateless run", token: stateless });
    // A thread run's token: the forged callbacks name its thread, or the token refuses them (401).
    const threadId = randomUUID();
    const threaded = mint("run", threadId);
    await ledger.put(entry(threaded, "run", threadId));
    await ledger.bindRun(mintedTokenId(threaded), randomUUID());
    tokens.push({ name: "thread run", token: threaded, threadId });
    // A token the ledger never heard of (an older relay's, or its entry expired): LangGraph has no such run.
    tokens.push({ name: UNKNOWN_TO_THE_LEDGER, token: mint("run") });
    // The token of a cron deleted through the relay.
    const cron = mint("cron");
    await ledger.put(entry(cron, "cron"));
    await ledger.bindCron(mintedTokenId(cron), randomUUID());
    await ledger.revoke(mintedTokenId(cron));
    tokens.push({ name: "revoked cron", token: cron });
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
    await langgraph.stop();
  });

  it("records each one as rejected, with its token's id, and routes none of them", async () => {
    const recorded = new Map<string, number>();
    const forged = fc.record({
      which: fc.nat(tokens.length - 1),
      runId: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })),
      ownThread: fc.boolean(),
      status: fc.oneof(fc.constantFrom("success", "error", "timeout", "interrupted"), fc.stringMatching(/^[a-z][a-z_]{0,20}$/)),
      values: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 3 })),
      metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(forged, async ({ which, runId, ownThread, status, values, metadata }) => {
        const chosen = tokens[which];
        if (chosen === undefined) throw new Error(`no token ${which}`);
        const { token, threadId } = chosen;
        const body = {
          ...fixture("thread_runs_create"),
          run_id: runId,
          thread_id: ownThread && threadId !== undefined ? threadId : randomUUID(),
          status,
          values,
          metadata,
        };
        const outcome = await send(apis.webhook, callback(token, body));
        // A thread-bound token refuses another thread at once; everything else is recorded, then judged.
        assertPinned(outcome, threadId !== undefined && body.thread_id !== threadId ? [401] : [200], [token]);
        await runtime.idle();
        if (outcome.status === 200) {
          const ack = JSON.parse(outcome.text) as { delivery_id: string };
          const record = await runtime.store.get(ack.delivery_id);
          if (chosen.name === UNKNOWN_TO_THE_LEDGER && unaskable(runId, body.thread_id)) {
            // The SDK refuses "." and ".." as a path segment: LangGraph cannot be asked, as in an outage.
            // Unverified, so routed only where a route opted in — and none does here.
            expect(record?.verification).toMatchObject({ state: "unverified", reason: expect.stringMatching(/could not be asked/) });
            expect(record?.routing).toBe("no_route");
          } else {
            expect(record?.verification).toMatchObject({ state: "rejected" });
            expect(record?.routing).toBe("skipped");
          }
          expect(record?.actions).toEqual([]);
          expect(record?.token_id).toBe(mintedTokenId(token));
          expect(JSON.stringify(record)).not.toContain(token);
          recorded.set(chosen.name, (recorded.get(chosen.name) ?? 0) + 1);
        }
        expect(forwards.sent).toEqual([]);
        assertLogsClean(runtime.logs, [token]);
        runtime.logs.length = 0;
      }),
      { numRuns: 600 * RUNS },
    );
    // Every kind of token got forgeries past authentication, to the verdict.
    expect([...recorded.keys()].sort()).toEqual(tokens.map((entry) => entry.name).sort());
  }, 120_000);
});

// Variables a configuration error names; a caller without a credential must see none of them.
const CONFIGURATION_WORDS =
  /not_configured|configur|REDIS_URL|FORWARD_|SLACK_|WEBHOOK_SECRET|WEBHOOK_TOKEN|TRIGGER_TOKEN|INSPECTOR_TOKEN|LANGGRAPH_API_URL|PUBLIC_URL|VERCEL/i;

/** Credentials of the broken setups: long and random enough that no fuzzed token is one of them. */
const CONFIGURED = {
  TRIGGER_TOKEN: "broken-setup-trigger-token-5f0c1d9e7a3b",
  INSPECTOR_TOKEN: "broken-setup-inspector-token-8e2a4c6b1d0f",
  WEBHOOK_TOKEN: "broken-setup-static-webhook-token-3c7e9a1b",
  WEBHOOK_SECRET: "broken-setup-webhook-secret",
};

/** Environments the relay cannot run with, each complete (every variable it reads from the test's process is set). */
const BROKEN_SETUPS: Record<string, string>[] = [
  { ...CONFIGURED, REDIS_URL: "http://not-redis.test" },
  { ...CONFIGURED, FORWARD_URL: "https://forward.test", FORWARD_SECRET: "not-a-whsec-secret" },
  { ...CONFIGURED, TRIGGER_TOKEN: "too-short-trigger-token" },
  { ...CONFIGURED, WEBHOOK_MAX_BYTES: "-5" },
  // Valid, but with no credential at all: every endpoint refuses, and says why in the log only.
  { TRIGGER_TOKEN: "", INSPECTOR_TOKEN: "", WEBHOOK_TOKEN: "", WEBHOOK_SECRET: "" },
];
const STUBBED = ["REDIS_URL", "FORWARD_URL", "FORWARD_SECRET", "WEBHOOK_MAX_BYTES", "LANGGRAPH_API_URL", "PUBLIC_URL", ...Object.keys(CONFIGURED)];

describe("fuzz: a broken configuration is never explained to a caller without a credential", () => {
  const logged: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    setRuntime(undefined);
  });

  it("answers 400, 401 or 405 and names nothing of the setup, while the log says what is wrong", async () => {
    // The process runtime is built from process.env on each request, as on a cold Vercel function.
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void logged.push(String(line)));
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const reached = new Set<number>();
    const credential = fc.oneof(
      fc.constant({}),
      tokenShaped.map((token) => ({ authorization: `Bearer ${token}` })),
      fc.string({ maxLength: 40 }).map((header) => ({ authorization: header })),
      tokenShaped.map((token) => ({ query: token })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(BROKEN_SETUPS.length - 1),
        fc.constantFrom<Endpoint>("webhook", "trigger", "crons", "deliveries"),
        fc.constantFrom("GET", "HEAD", "POST", "DELETE", "PUT"),
        credential,
        fc.oneof(fc.constant(JSON.stringify(fixture("thread_runs_create"))), fc.constant('{"assistant_id":"agent"}'), fc.string({ maxLength: 60 })),
        async (setup, endpoint, method, presented, body) => {
          vi.unstubAllEnvs();
          for (const name of STUBBED) vi.stubEnv(name, BROKEN_SETUPS[setup]?.[name] ?? "");
          setRuntime(undefined);
          const url = new URL(`https://relay.test/api/${endpoint}`);
          if ("query" in presented) url.searchParams.set("token", presented.query);
          let request: Request;
          try {
            request = new Request(url, {
              method,
              headers: "authorization" in presented ? { authorization: presented.authorization.replace(/[\r\n]/g, "") } : {},
              ...(method === "POST" ? { body } : {}),
            });
          } catch {
            return; // not a request an HTTP server could receive
          }
          const outcome = await send(apis[endpoint], request);
          reached.add(setup);
          const tokens = [("query" in presented ? presented.query : ""), ("authorization" in presented ? presented.authorization : "")];
          expect(Object.values(CONFIGURED).some((value) => tokens.some((token) => token.includes(value)))).toBe(false);
          if (method === "HEAD") expect([400, 401, 405]).toContain(outcome.status);
          else assertPinned(outcome, [400, 401, 405], tokens);
          expect(outcome.text).not.toMatch(CONFIGURATION_WORDS);
        },
      ),
      { numRuns: 400 * RUNS },
    );
    // Every broken setup was reached, and explained where the operator reads it.
    expect(reached.size).toBe(BROKEN_SETUPS.length);
    expect(logged.some((line) => line.includes("configuration error"))).toBe(true);
    expect(logged.join("\n")).toMatch(/REDIS_URL/);
  }, 120_000);
});

describe("fuzz: the read-only INSPECTOR_TOKEN", () => {
  const langgraph = new FakeLangGraph();
  const forwards = recordingFetch();
  let runtime: TestRuntime;
  const ids: string[] = [];

  beforeAll(async () => {
    await langgraph.start();
    runtime = installTestRuntime(
      { INSPECTOR_TOKEN, LANGGRAPH_API_URL: langgraph.url, FORWARD_URL: "https://forward.test/hooks", FORWARD_SECRET },
      { fetch: forwards.fetch },
    );
    // Deliveries whose forward failed: what a replay would run again.
    const payload = runPayloadSchema.parse(fixture("thread_runs_create"));
    for (let n = 0; n < 3; n++) {
      const record = newDeliveryRecord({ ...payload, run_id: `inspected-${n}` }, { receivedAt: new Date(), auth: "static" });
      record.verification = { state: "confirmed", by: "langgraph", checked_at: record.received_at };
      record.routing = "done";
      const attempt = { number: 1, started_at: record.received_at, ended_at: record.received_at, duration_ms: 1, ok: false, error: "HTTP 500" };
      record.actions = [{ name: "env:forward", type: "forward", state: "failed", attempts: [attempt], last_error: "HTTP 500", updated_at: record.received_at }];
      await runtime.store.claim(record);
      ids.push(record.id);
    }
  });
  afterAll(async () => {
    await runtime.idle();
    setRuntime(undefined);
    await langgraph.stop();
  });

  it("gets 2xx only for reads, 401 or 403 for anything else, and changes nothing", async () => {
    const before = JSON.stringify((await runtime.store.list({ limit: 200 })).deliveries);
    const query = fc.oneof(
      // Reads the token may make, often enough that some are answered.
      fc.constantFrom<Record<string, string>>({}, { id: ids[0] ?? "" }, { limit: "50" }, { event: "run.success" }, { action_state: "failed" }),
      fc.dictionary(
        fc.constantFrom("id", "replay", "action", "limit", "event", "action_state", "cron_id", "thread_id", "assistant_id"),
        fc.oneof(fc.constantFrom(...ids), fc.constantFrom("1", "env:forward", "failed", "run.success", "50"), fc.string({ maxLength: 20 })),
        { maxKeys: 4 },
      ),
    );
    const body = fc.oneof(
      fc.constant('{"assistant_id":"agent"}'),
      fc.constant('{"mode":"cron","assistant_id":"agent","schedule":"* * * * *"}'),
      fc.constant(JSON.stringify(fixture("thread_runs_create"))),
      fc.string({ maxLength: 40 }),
    );
    const answered = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Endpoint>("webhook", "trigger", "crons", "deliveries"),
        fc.constantFrom("GET", "HEAD", "POST", "DELETE", "PUT", "PATCH"),
        query,
        body,
        fc.constantFrom("header", "query", "both"),
        async (endpoint, method, params, text, where) => {
          const url = new URL(`https://relay.test/api/${endpoint}`);
          for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
          if (where !== "header") url.searchParams.set("token", INSPECTOR_TOKEN);
          const headers: Record<string, string> = where === "query" ? {} : { authorization: `Bearer ${INSPECTOR_TOKEN}` };
          const outcome = await send(apis[endpoint], new Request(url, { method, headers, ...(method === "POST" ? { body: text } : {}) }));
          // The token is a credential in the Authorization header only (in a URL it would end up in logs).
          answered.add(outcome.status);
          const isRead = endpoint === "deliveries" && (method === "GET" || method === "HEAD") && where !== "query";
          if (outcome.status < 300) {
            expect(isRead, `${method} /api/${endpoint} answered ${outcome.status}`).toBe(true);
          } else if (isRead) {
            // A read it may make, asked wrongly: the query refused, or no such delivery.
            expect([400, 404]).toContain(outcome.status);
          } else {
            // 405 is the method no one may use; everything the token could otherwise reach is refused.
            expect([401, 403, 405]).toContain(outcome.status);
          }
          if (method !== "HEAD") assertPinned(outcome, [200, 400, 401, 403, 404, 405], []);
        },
      ),
      { numRuns: 500 * RUNS },
    );
    // Reads were answered, and the rest refused as forbidden, not only as malformed.
    expect([...answered]).toEqual(expect.arrayContaining([200, 401, 403]));
    await runtime.idle();
    // Nothing reached LangGraph, nothing was forwarded or replayed, nothing was recorded.
    expect(langgraph.requests).toEqual([]);
    expect(forwards.sent).toEqual([]);
    expect(JSON.stringify((await runtime.store.list({ limit: 200 })).deliveries)).toBe(before);
  }, 120_000);
});
