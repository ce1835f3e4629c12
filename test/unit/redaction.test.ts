import { describe, expect, it } from "vitest";
import { REDACTED, redactPayload, redactUrl, runPayloadSchema } from "../../lib/model/run-payload.js";

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

describe("redactPayload", () => {
  it("leaves payloads without kwargs untouched and never follows __proto__ keys", () => {
    const payload = runPayloadSchema.parse(
      JSON.parse(
        '{"run_id":"r","thread_id":"t","assistant_id":"a","status":"success","kwargs":{"config":{"configurable":{"__proto__":{"polluted":true},"api_key":"k"}}}}',
      ),
    );
    const redacted = redactPayload(payload);
    const configurable = (redacted.kwargs?.["config"] as { configurable: Record<string, unknown> }).configurable;
    expect(configurable["api_key"]).toBe(REDACTED);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    const bare = runPayloadSchema.parse({ run_id: "r", thread_id: "t", assistant_id: "a", status: "success" });
    expect(redactPayload(bare)).toBe(bare);
  });
});
