// What a failed LangGraph call becomes for the caller: the "Not implemented" answer of a server without
// the feature is a 501 naming the alternative, not a 502 that reads like an outage.
import { describe, expect, it } from "vitest";
import { upstreamError } from "../../lib/langgraph/upstream-errors.js";

/** The SDK's HTTPError, as the JS server's crons routes make it throw. */
const httpError = (status: number, text: string) => Object.assign(new Error(`HTTP ${status}: ${text}`), { status, text });

describe("upstreamError", () => {
  it("turns LangGraph's 500 'Not implemented' into 501 not_implemented naming the alternative", () => {
    const error = upstreamError(httpError(500, "Not implemented"));
    expect(error.status).toBe(501);
    expect(error.code).toBe("not_implemented");
    expect(error.message).toContain("LANGGRAPH_API_URL");
    expect(error.message).toContain("mode create");
  });

  it("keeps any other 500 an upstream_error (502)", () => {
    const error = upstreamError(httpError(500, '{"error":"Error","message":"boom"}'));
    expect(error.status).toBe(502);
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("boom");
  });
});
