// lib/security/api-auth.ts: the bearer check of /api/trigger, /api/crons and /api/deliveries.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { requireTriggerToken } from "../../lib/security/api-auth.js";
import { RelayError } from "../../lib/shared/errors.js";

const request = (authorization?: string) =>
  new Request("https://relay.test/api/trigger", {
    method: "POST",
    headers: authorization === undefined ? {} : { authorization },
  });

function failure(fn: () => unknown): RelayError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RelayError);
    return error as RelayError;
  }
  throw new Error("expected a RelayError");
}

const config = { triggerTokens: ["current-token", "previous-token"] };

describe("requireTriggerToken", () => {
  it("accepts the current token and identifies the caller by the token's hash", () => {
    const caller = requireTriggerToken(request("Bearer current-token"), config);
    expect(caller.id).toBe(createHash("sha256").update("current-token").digest("hex"));
    expect(caller.id).not.toContain("current-token");
  });

  it("accepts every token of a rotated list, each as its own caller", () => {
    const a = requireTriggerToken(request("Bearer current-token"), config);
    const b = requireTriggerToken(request("bearer   previous-token"), config);
    expect(a.id).not.toBe(b.id);
  });

  it("refuses a missing header with 401 and a Bearer challenge", () => {
    const error = failure(() => requireTriggerToken(request(), config));
    expect(error.status).toBe(401);
    expect(error.code).toBe("unauthorized");
    expect(error.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("refuses a wrong token with 401 without echoing it", () => {
    const error = failure(() => requireTriggerToken(request("Bearer current-tokenX"), config));
    expect(error.status).toBe(401);
    expect(error.message).not.toContain("current-token");
  });

  it("refuses a prefix of a valid token", () => {
    expect(failure(() => requireTriggerToken(request("Bearer current"), config)).status).toBe(401);
  });

  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer a b"], ["current-token"]])(
    "answers a malformed header (%s) with 400",
    (header) => {
      const error = failure(() => requireTriggerToken(request(header), config));
      expect(error.status).toBe(400);
      expect(error.code).toBe("invalid_request");
    },
  );

  it("refuses everything with 500 naming TRIGGER_TOKEN when none is configured", () => {
    for (const header of [undefined, "Bearer ", "Bearer undefined", "Bearer "]) {
      const error = failure(() => requireTriggerToken(request(header), { triggerTokens: [] }));
      expect(error.status).toBe(500);
      expect(error.code).toBe("not_configured");
      expect(error.message).toContain("TRIGGER_TOKEN");
    }
  });
});
