import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RelayError } from "../../lib/shared/errors.js";
import {
  assertScopeAllows,
  authenticateWebhook,
  bearerToken,
  matchesAnyToken,
  mintWebhookToken,
  verifyMintedToken,
} from "../../lib/security/webhook-tokens.js";

const NOW = Date.UTC(2026, 0, 1);
const HOUR = 3600_000;

function expectUnauthorized(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).status).toBe(401);
    expect((error as RelayError).message).toMatch(message);
    return;
  }
  throw new Error("expected a 401");
}

/** Re-encodes a token's claims with one field changed, keeping the original signature. */
function withClaims(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [version, claims, signature] = token.split(".") as [string, string, string];
  const decoded = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as Record<string, unknown>;
  change(decoded);
  return `${version}.${Buffer.from(JSON.stringify(decoded)).toString("base64url")}.${signature}`;
}

describe("mintWebhookToken / verifyMintedToken", () => {
  it("round-trips a run token's scope", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", threadId: "t-1", ttlSeconds: 3600, now: NOW });
    const scope = verifyMintedToken(token, ["k1"], NOW + HOUR - 1000);
    expect(scope).toMatchObject({ kind: "run", threadId: "t-1", expiresAt: NOW / 1000 + 3600 });
    expect(scope.nonce).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it("mints a different token (nonce) every time", () => {
    const a = mintWebhookToken(["k1"], { kind: "run", now: NOW });
    const b = mintWebhookToken(["k1"], { kind: "run", now: NOW });
    expect(a).not.toBe(b);
  });

  it("mints cron tokens without expiry", () => {
    const token = mintWebhookToken(["k1"], { kind: "cron", now: NOW });
    const scope = verifyMintedToken(token, ["k1"], NOW + 10 * 365 * 24 * HOUR);
    expect(scope.kind).toBe("cron");
    expect(scope.expiresAt).toBeUndefined();
  });

  it("defaults run tokens to 72 hours", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", now: NOW });
    expect(verifyMintedToken(token, ["k1"], NOW + 72 * HOUR - 1000).expiresAt).toBe(NOW / 1000 + 72 * 3600);
    expectUnauthorized(() => verifyMintedToken(token, ["k1"], NOW + 72 * HOUR), /expired/);
  });

  it("lives as long as a delayed run needs: after_seconds on top of the run's time", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", ttlSeconds: 3600, afterSeconds: 7200, now: NOW });
    expect(verifyMintedToken(token, ["k1"], NOW + 3 * HOUR - 1000).expiresAt).toBe(NOW / 1000 + 3 * 3600);
    expectUnauthorized(() => verifyMintedToken(token, ["k1"], NOW + 3 * HOUR), /expired/);
  });

  it("never outlives the delivery records of its run: a run too far ahead is refused at minting", () => {
    const tooFar = () => mintWebhookToken(["k1"], { kind: "run", ttlSeconds: 72 * 3600, afterSeconds: 365 * 86_400, maxLifetimeSeconds: 30 * 86_400 });
    expect(tooFar).toThrow(/after its delivery records expire/);
    try {
      tooFar();
    } catch (error) {
      expect((error as RelayError).status).toBe(400);
    }
    expect(() => mintWebhookToken(["k1"], { kind: "run", ttlSeconds: 3600, afterSeconds: 3600, maxLifetimeSeconds: 30 * 86_400 })).not.toThrow();
    // A run time longer than the records live is cut to their lifetime (the memory store keeps 24 h).
    const capped = mintWebhookToken(["k1"], { kind: "run", ttlSeconds: 72 * 3600, maxLifetimeSeconds: 24 * 3600, now: NOW });
    expect(verifyMintedToken(capped, ["k1"], NOW).expiresAt).toBe(NOW / 1000 + 24 * 3600);
  });

  it("names its deployment environment: a preview token fails in production, and the claim cannot be edited", () => {
    const preview = mintWebhookToken(["k1"], { kind: "run", environment: "preview", now: NOW });
    expect(verifyMintedToken(preview, ["k1"], NOW, "preview").environment).toBe("preview");
    expectUnauthorized(() => verifyMintedToken(preview, ["k1"], NOW, "production"), /another deployment environment/);
    const edited = withClaims(preview, (claims) => (claims["d"] = "production"));
    expectUnauthorized(() => verifyMintedToken(edited, ["k1"], NOW, "production"), /Invalid webhook token/);
  });

  it("signs with the first key and verifies with every key of a rotation list", () => {
    const oldToken = mintWebhookToken(["old"], { kind: "run", now: NOW });
    const newToken = mintWebhookToken(["new", "old"], { kind: "run", now: NOW });
    expect(verifyMintedToken(oldToken, ["new", "old"], NOW).kind).toBe("run");
    expect(verifyMintedToken(newToken, ["new", "old"], NOW).kind).toBe("run");
    expect(verifyMintedToken(newToken, ["new"], NOW).kind).toBe("run");
    expectUnauthorized(() => verifyMintedToken(newToken, ["old"], NOW), /Invalid/);
  });

  it("refuses a token signed with another key", () => {
    const token = mintWebhookToken(["attacker"], { kind: "run", now: NOW });
    expectUnauthorized(() => verifyMintedToken(token, ["k1"], NOW), /Invalid webhook token/);
  });

  it("refuses a tampered payload (thread, expiry, kind)", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", threadId: "t-1", now: NOW });
    for (const change of [
      (c: Record<string, unknown>) => (c["t"] = "t-2"),
      (c: Record<string, unknown>) => (c["e"] = Number(c["e"]) + 3600),
      (c: Record<string, unknown>) => (c["s"] = "cron"),
      (c: Record<string, unknown>) => delete c["e"],
    ]) {
      expectUnauthorized(() => verifyMintedToken(withClaims(token, change), ["k1"], NOW), /Invalid/);
    }
  });

  it("refuses a tampered or truncated signature, including another spelling of the same bytes", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", now: NOW });
    // Every other last character: some differ only in base64url's spare bits and decode to the same
    // bytes, and must be refused all the same.
    for (const last of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".replace(token.at(-1) ?? "", "")) {
      expectUnauthorized(() => verifyMintedToken(token.slice(0, -1) + last, ["k1"], NOW), /Invalid/);
    }
    expectUnauthorized(() => verifyMintedToken(token.slice(0, -10), ["k1"], NOW), /Invalid/);
    expectUnauthorized(() => verifyMintedToken(token + ".x", ["k1"], NOW), /Invalid/);
    expectUnauthorized(() => verifyMintedToken("v2" + token.slice(2), ["k1"], NOW), /Invalid/);
  });

  it("refuses to mint without a secret, naming WEBHOOK_SECRET", () => {
    expect(() => mintWebhookToken([], { kind: "run" })).toThrow(/WEBHOOK_SECRET/);
  });

  it("verifies a known-answer vector (tokens minted by earlier versions keep verifying)", () => {
    const vector =
      "v1.eyJzIjoicnVuIiwibiI6ImUtZWUwMV9QNXRIQ3FGdE0iLCJ0IjoidGhyZWFkLWthdiIsImUiOjE3NjcyMjkyMDB9.Tfdtu2YX0TQt8k90cqUmpHtiZ8ApYc3YHEz6HD9WZKA";
    // The format, recomputed independently: HMAC-SHA256 over "v1.<base64url claims>".
    const [version, claims, signature] = vector.split(".") as [string, string, string];
    expect(createHmac("sha256", "kav-secret-1").update(`${version}.${claims}`).digest("base64url")).toBe(signature);
    expect(verifyMintedToken(vector, ["kav-secret-1"], NOW)).toEqual({
      kind: "run",
      threadId: "thread-kav",
      expiresAt: 1767229200,
      nonce: "e-ee01_P5tHCqFtM",
    });
  });
});

describe("authenticateWebhook", () => {
  const config = { webhookSecrets: ["k1"], webhookTokens: ["static-1", "static-2"] };
  const presented = (queryToken: string | null, authorization: string | null = null) => ({ queryToken, authorization });

  it("accepts a minted token in ?token=", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", threadId: "t", now: NOW });
    expect(authenticateWebhook(presented(token), config, NOW)).toMatchObject({ type: "minted", scope: { threadId: "t" } });
  });

  it("accepts any static token by query and by bearer header, and says which one authenticated", () => {
    expect(authenticateWebhook(presented("static-2"), config, NOW)).toEqual({ type: "static", token: "static-2" });
    expect(authenticateWebhook(presented(null, "Bearer static-1"), config, NOW)).toEqual({ type: "static", token: "static-1" });
    expect(authenticateWebhook(presented(null, "bearer   static-1"), config, NOW)).toEqual({ type: "static", token: "static-1" });
    // A query token that matches nothing beside a header that does: the header's token authenticated.
    expect(authenticateWebhook(presented("another-relays-token", "Bearer static-1"), config, NOW)).toEqual({ type: "static", token: "static-1" });
  });

  it("refuses a missing token, a wrong one, and a token of another scheme", () => {
    expectUnauthorized(() => authenticateWebhook(presented(null), config, NOW), /Missing webhook token/);
    expectUnauthorized(() => authenticateWebhook(presented("static-3"), config, NOW), /Invalid/);
    expectUnauthorized(() => authenticateWebhook(presented(null, "Bearer nope"), config, NOW), /Invalid/);
    expectUnauthorized(() => authenticateWebhook(presented(null, "Basic c3RhdGljLTE="), config, NOW), /Missing/);
    expectUnauthorized(() => authenticateWebhook(presented(""), config, NOW), /Invalid/);
  });

  it("does not accept a minted token as a static one, nor a static token prefix", () => {
    expectUnauthorized(() => authenticateWebhook(presented("static"), config, NOW), /Invalid/);
    expectUnauthorized(() => authenticateWebhook(presented("static-1x"), config, NOW), /Invalid/);
  });

  it("refuses an expired minted token even when a valid static header is also sent", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", ttlSeconds: 1, now: NOW });
    expectUnauthorized(() => authenticateWebhook(presented(token, "Bearer static-1"), config, NOW + 5000), /expired/);
  });

  it("fails closed when nothing is configured, naming both variables", () => {
    try {
      authenticateWebhook(presented("anything"), { webhookSecrets: [], webhookTokens: [] }, NOW);
      throw new Error("expected a refusal");
    } catch (error) {
      expect((error as RelayError).status).toBe(500);
      expect((error as RelayError).message).toMatch(/WEBHOOK_SECRET.*WEBHOOK_TOKEN/);
    }
  });

  it("binds a minted token to its thread", () => {
    const token = mintWebhookToken(["k1"], { kind: "run", threadId: "t-1", now: NOW });
    const credential = authenticateWebhook(presented(token), config, NOW);
    expect(() => assertScopeAllows(credential, "t-1")).not.toThrow();
    expectUnauthorized(() => assertScopeAllows(credential, "t-2"), /another thread/);
    // Stateless tokens carry no thread and accept whichever thread the platform created.
    const stateless = authenticateWebhook(presented(mintWebhookToken(["k1"], { kind: "run", now: NOW })), config, NOW);
    expect(() => assertScopeAllows(stateless, "any")).not.toThrow();
  });
});

describe("token helpers", () => {
  it("parses bearer headers strictly", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
  });

  it("matches against every candidate", () => {
    expect(matchesAnyToken("b", ["a", "b", "c"])).toBe(true);
    expect(matchesAnyToken("d", ["a", "b", "c"])).toBe(false);
    expect(matchesAnyToken("", [])).toBe(false);
  });
});
