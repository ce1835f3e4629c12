// What the relay removes from a Run payload before keeping it: the webhook URL's secrets, and every
// value under a secret-looking key (or a REDACT_KEYS name) at any depth of config, context and metadata.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/env.js";
import { keyWords, MAX_REDACTION_DEPTH, redactTree, secretKeyTest } from "../../lib/model/redaction.js";
import { REDACTED, redactPayload, redactUrl, runPayloadSchema, type RunPayload } from "../../lib/model/run-payload.js";

type Json = Record<string, unknown>;

const run = (fields: Json): RunPayload =>
  runPayloadSchema.parse({ run_id: "r", thread_id: "t", assistant_id: "a", status: "success", ...fields });

const kwargsOf = (payload: RunPayload): Json => payload.kwargs ?? {};

describe("redactUrl", () => {
  it.each([
    ["https://a.test/api/webhook?token=v1.x.y", "https://a.test/api/webhook"],
    ["https://a.test/api/webhook?token=abc&keep=1", "https://a.test/api/webhook?keep=1"],
    ["https://a.test/api/webhook?keep=1&token=abc", "https://a.test/api/webhook?keep=1"],
    ["https://a.test/api/webhook?a=1&token=abc&b=2", "https://a.test/api/webhook?a=1&b=2"],
    ["https://a.test/hook?token=a&x-vercel-protection-bypass=b", "https://a.test/hook"],
    ["https://a.test/hook?x-vercel-protection-bypass=b&token=a&z=1", "https://a.test/hook?z=1"],
    ["https://a.test/hook?a=1&token=abc#frag", "https://a.test/hook?a=1#frag"],
    ["https://a.test/hook?mytoken=1&token_type=x", "https://a.test/hook?mytoken=1&token_type=x"],
    ["https://a.test/hook?token=a&token=b", "https://a.test/hook"],
  ])("%s → %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it("decodes disguised parameter names and strips credentials via the full parser", () => {
    expect(redactUrl("https://a.test/hook?tok%65n=secret&k=1")).toBe("https://a.test/hook?k=1");
    expect(redactUrl("https://user:pass@a.test/hook?token=secret")).toBe("https://a.test/hook");
  });

  it("replaces an unparsable URL whole", () => {
    expect(redactUrl("not a url token=secret")).toBe(REDACTED);
  });
});

describe("which keys are secret", () => {
  const isSecret = secretKeyTest();

  it("splits keys into words at separators and camelCase boundaries", () => {
    expect(keyWords("openaiAPIKey")).toEqual(["openai", "api", "key"]);
    expect(keyWords("x-api-key")).toEqual(["x", "api", "key"]);
    expect(keyWords("db.Password_hash")).toEqual(["db", "password", "hash"]);
    expect(keyWords("XAuthToken")).toEqual(["x", "auth", "token"]);
  });

  it.each([
    "authorization",
    "Proxy-Authorization",
    "cookie",
    "Set-Cookie",
    "token",
    "x-auth-token",
    "accessToken",
    "accesstoken",
    "refresh_token",
    "id_token",
    "token_count",
    "x-api-key",
    "api_key",
    "apiKey",
    "openai_api_key",
    "OPENAI_API_KEY",
    "OPENAI_APIKEY",
    "openaiApiKey",
    "aws_secret_access_key",
    "access-key",
    "private_key",
    "client_secret",
    "clientSecret",
    "password",
    "db.password",
    "passwd",
    "pwd",
    "credentials",
    "x-hub-signature-256",
    "access_tokens",
    "jwt",
  ])("%s is secret", (key) => {
    expect(isSecret(key)).toBe(true);
  });

  it.each([
    "assistant_id",
    "thread_id",
    "run_id",
    "graph_id",
    "checkpoint_id",
    "cron_id",
    "max_tokens",
    "maxTokens",
    "total_tokens",
    "tokens",
    "cache_key",
    "key",
    "user-agent",
    "x-request-id",
    "langgraph_auth_user_id",
    "model",
  ])("%s is kept", (key) => {
    expect(isSecret(key)).toBe(false);
  });
});

describe("redactPayload", () => {
  it("redacts nested objects and arrays of objects anywhere in kwargs.config", () => {
    const payload = run({
      kwargs: {
        config: {
          configurable: {
            thread_id: "t",
            headers: { authorization: "Bearer h1", "x-request-id": "req-1" },
            providers: [{ name: "openai", api_key: "k1" }, { name: "local" }, [{ password: "p1" }]],
          },
          tags: ["a", "b"],
          recursion_limit: 25,
        },
      },
    });
    const config = kwargsOf(redactPayload(payload))["config"];
    expect(config).toEqual({
      configurable: {
        thread_id: "t",
        headers: { authorization: REDACTED, "x-request-id": "req-1" },
        providers: [{ name: "openai", api_key: REDACTED }, { name: "local" }, [{ password: REDACTED }]],
      },
      tags: ["a", "b"],
      recursion_limit: 25,
    });
    expect(Array.isArray((config as { configurable: Json }).configurable["providers"])).toBe(true);
  });

  it("redacts kwargs.context, kwargs.metadata and the payload's metadata", () => {
    const payload = run({
      metadata: { graph_id: "agent", openai_api_key: "m1", owner: { session_token: "m2", name: "ann" } },
      kwargs: {
        context: { user: { id: "u1", credentials: { user: "u", pass: "c1" } }, "X-Api-Key": "c2" },
        metadata: { openaiApiKey: "k1", relay_route: "billing" },
      },
    });
    const redacted = redactPayload(payload);
    expect(redacted.metadata).toEqual({ graph_id: "agent", openai_api_key: REDACTED, owner: { session_token: REDACTED, name: "ann" } });
    expect(kwargsOf(redacted)["context"]).toEqual({ user: { id: "u1", credentials: REDACTED }, "X-Api-Key": REDACTED });
    expect(kwargsOf(redacted)["metadata"]).toEqual({ openaiApiKey: REDACTED, relay_route: "billing" });
  });

  it("redacts camelCase, kebab-case and upper-case spellings alike", () => {
    const keys = ["clientSecret", "x-auth-token", "Set-Cookie", "OPENAI_APIKEY", "privateKey", "proxy-authorization"];
    const payload = run({ kwargs: { config: { configurable: Object.fromEntries(keys.map((key) => [key, `v-${key}`])) } } });
    const configurable = (kwargsOf(redactPayload(payload))["config"] as { configurable: Json }).configurable;
    for (const key of keys) expect(configurable[key]).toBe(REDACTED);
  });

  it("keeps the ids LangGraph sets, token counts and other harmless keys", () => {
    const kept = {
      assistant_id: "a",
      thread_id: "t",
      run_id: "r",
      graph_id: "g",
      checkpoint_id: "c",
      cron_id: "k",
      max_tokens: 512,
      maxTokens: 512,
      total_tokens: 9,
      cache_key: "ck",
      "user-agent": "node",
    };
    const payload = run({ metadata: { ...kept }, kwargs: { config: { configurable: { ...kept } }, context: { ...kept } } });
    const redacted = redactPayload(payload);
    expect(redacted).toBe(payload);
  });

  it("leaves graph input, commands and values alone: they are the user's data", () => {
    const payload = run({
      kwargs: { input: { token: "input-token" }, command: { resume: { password: "pw" } } },
      values: { api_key: "state-value" },
    });
    expect(redactPayload(payload)).toBe(payload);
  });

  it("redacts the names listed in REDACT_KEYS as whole keys, case-insensitive, - and _ alike", () => {
    const config = loadConfig({ REDACT_KEYS: " Tenant-Ref, internal_note ,," });
    expect(config.redactKeys).toEqual(["Tenant-Ref", "internal_note"]);
    expect(loadConfig({}).redactKeys).toEqual([]);
    const payload = run({
      kwargs: {
        context: { tenant_ref: "x1", "TENANT-REF": "x2", "internal-note": "x3", tenant_ref_id: "kept", nested: [{ Internal_Note: "x4" }] },
      },
    });
    expect(kwargsOf(redactPayload(payload, config.redactKeys))["context"]).toEqual({
      tenant_ref: REDACTED,
      "TENANT-REF": REDACTED,
      "internal-note": REDACTED,
      tenant_ref_id: "kept",
      nested: [{ Internal_Note: REDACTED }],
    });
    // Without the extra names, these keys are not secret.
    expect(redactPayload(payload)).toBe(payload);
    // The ids the relay reads cannot be listed away.
    const ids = run({ metadata: { graph_id: "agent" } });
    expect(redactPayload(ids, ["graph_id"]).metadata).toEqual({ graph_id: "agent" });
  });

  it("keeps __proto__ keys as data, redacts below them, and never touches Object.prototype", () => {
    const payload = runPayloadSchema.parse(
      JSON.parse(
        '{"run_id":"r","thread_id":"t","assistant_id":"a","status":"success","metadata":{"__proto__":{"polluted":true,"api_key":"m"}},' +
          '"kwargs":{"config":{"configurable":{"__proto__":{"polluted":true},"api_key":"k"}},"context":{"__proto__":{"token":"c","polluted":true}}}}',
      ),
    );
    const redacted = redactPayload(payload);
    const configurable = (kwargsOf(redacted)["config"] as { configurable: Json }).configurable;
    expect(configurable["api_key"]).toBe(REDACTED);
    expect(Object.getPrototypeOf(configurable)).toBe(Object.prototype);
    const context = kwargsOf(redacted)["context"] as Json;
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(context, "__proto__")?.value).toEqual({ token: REDACTED, polluted: true });
    expect(Object.getOwnPropertyDescriptor(redacted.metadata, "__proto__")?.value).toEqual({ polluted: true, api_key: REDACTED });
    expect(({} as Json)["polluted"]).toBeUndefined();
  });

  it("walks a 5,000-deep config without throwing, and what lies below the depth limit is gone", () => {
    let deep: Json = { api_key: "bottom-secret" };
    for (let level = 0; level < 5000; level++) deep = { level: deep };
    const payload = run({ kwargs: { config: { configurable: deep } } });
    const redacted = redactPayload(payload);
    let node: unknown = kwargsOf(redacted)["config"];
    let depth = 0;
    while (typeof node === "object" && node !== null) {
      node = Object.values(node)[0];
      depth++;
    }
    expect(node).toBe(REDACTED);
    expect(depth).toBeLessThanOrEqual(MAX_REDACTION_DEPTH);
    // At the depth the receiver accepts, nothing is cut: only the secret goes.
    let accepted: Json = { api_key: "s", note: "n" };
    for (let level = 0; level < 900; level++) accepted = { level: accepted };
    let bottom = redactTree(accepted, secretKeyTest()) as Json;
    for (let level = 0; level < 900; level++) bottom = bottom["level"] as Json;
    expect(bottom).toEqual({ api_key: REDACTED, note: "n" });
  });

  it("removes the webhook URL's token, copies only what changed, and is idempotent", () => {
    const configurable = { thread_id: "t", "user-agent": "node" };
    const payload = run({
      kwargs: { webhook: "https://relay.test/api/webhook?token=v1.a.b&keep=1", config: { configurable }, context: { api_key: "k" } },
    });
    const redacted = redactPayload(payload);
    expect(kwargsOf(redacted)["webhook"]).toBe("https://relay.test/api/webhook?keep=1");
    expect(kwargsOf(redacted)["config"]).toBe(kwargsOf(payload)["config"]);
    expect(kwargsOf(redacted)["context"]).toEqual({ api_key: REDACTED });
    // The payload received is not changed.
    expect(kwargsOf(payload)["context"]).toEqual({ api_key: "k" });
    expect(redactPayload(redacted)).toBe(redacted);
    const bare = run({});
    expect(redactPayload(bare)).toBe(bare);
  });
});

describe("redactPayload, property: no value under a secret key survives in config, context or metadata", () => {
  const SECRET_KEYS = [
    "api_key",
    "x-api-key",
    "Authorization",
    "proxy-authorization",
    "accessToken",
    "client_secret",
    "password",
    "Set-Cookie",
    "openaiApiKey",
    "OPENAI_API_KEY",
    "x-hub-signature-256",
    "aws_secret_access_key",
    "private-key",
    "refresh_token",
    "db.password",
    "credentials",
    "Tenant_Ref",
  ];
  const SAFE_KEYS = ["assistant_id", "thread_id", "max_tokens", "user-agent", "x-request-id", "model", "items", "cache_key", "__proto__", "constructor"];
  const EXTRA = ["tenant-ref"];

  const entriesToObject = (entries: [string, unknown][]): Json => Object.fromEntries(entries);
  // Everything under a secret key is marked; nothing else is.
  const secretLeaf = fc.nat().map((n) => `s3cr3t-${n}`);
  const secretValue = fc.oneof(
    secretLeaf,
    fc.array(secretLeaf, { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom(...SAFE_KEYS), secretLeaf), { maxLength: 3 }).map(entriesToObject),
  );
  const { tree, objectTree } = fc.letrec<{ tree: unknown; objectTree: Json }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.nat().map((n) => `keep-${n}`),
      fc.constantFrom(1, true, null),
      fc.array(tie("tree"), { maxLength: 4 }),
      tie("objectTree"),
    ),
    objectTree: fc
      .array(fc.oneof(fc.tuple(fc.constantFrom(...SECRET_KEYS), secretValue), fc.tuple(fc.constantFrom(...SAFE_KEYS), tie("tree"))), {
        maxLength: 5,
      })
      .map(entriesToObject),
  }));

  it("holds for random trees of objects and arrays", () => {
    fc.assert(
      fc.property(objectTree, tree, objectTree, objectTree, (metadata, config, context, kwargsMetadata) => {
        const payload = run({ metadata, kwargs: { config, context, metadata: kwargsMetadata, input: { keep: "input" } } });
        const before = JSON.stringify(payload);
        const redacted = redactPayload(payload, EXTRA);
        const after = JSON.stringify(redacted);
        expect(after).not.toMatch(/s3cr3t/);
        // Everything not under a secret key is still there, and the input object is unchanged.
        expect(after.match(/keep-\d+/g) ?? []).toEqual(before.match(/keep-\d+/g) ?? []);
        expect(JSON.stringify(payload)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });
});
