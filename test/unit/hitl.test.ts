// lib/hitl's pure parts: Slack's signature (with Slack's own documented example as a known-answer
// vector), signed resume references (tampered, expired, of the other kind, rotated keys), what a
// decision resumes a run with, and the Slack payload's response_url held to Slack's host.
import { describe, expect, it } from "vitest";
import { checkSlackHeaders, slackSignature, SLACK_TOLERANCE_SECONDS, verifySlackSignature } from "../../lib/hitl/slack-signature.js";
import { pausedAtMs, resumeUrl, signReference, verifyReference } from "../../lib/hitl/references.js";
import { decisionResume, decisionValue, hitlRequestOf } from "../../lib/hitl/resume-values.js";
import { isSlackResponseUrl, parseSlackClick } from "../../lib/hitl/slack-interaction.js";
import { stillWaiting } from "../../lib/hitl/resume.js";
import { renderInterrupt, summariseInterrupt } from "../../lib/hitl/render.js";
import { RelayError } from "../../lib/shared/errors.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";

/** Slack's example in "Verifying requests from Slack" (api.slack.com/authentication/verifying-requests-from-slack). */
const SLACK_EXAMPLE = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: "1531420618",
  body:
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};
const exampleNow = Number(SLACK_EXAMPLE.timestamp) * 1000;
const bytes = (text: string) => new TextEncoder().encode(text);

function refusal(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof RelayError) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("Slack's request signature", () => {
  it("passes Slack's own documented example request (known-answer vector)", () => {
    expect(slackSignature(SLACK_EXAMPLE.secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(SLACK_EXAMPLE.signature);
    expect(() =>
      verifySlackSignature({ timestamp: SLACK_EXAMPLE.timestamp, signature: SLACK_EXAMPLE.signature, body: bytes(SLACK_EXAMPLE.body) }, SLACK_EXAMPLE.secret, exampleNow + 30_000),
    ).not.toThrow();
  });

  it("refuses a changed body, a wrong secret, a changed signature, and missing headers with 401", () => {
    const base = { timestamp: SLACK_EXAMPLE.timestamp, signature: SLACK_EXAMPLE.signature, body: bytes(SLACK_EXAMPLE.body) };
    expect(refusal(() => verifySlackSignature({ ...base, body: bytes(`${SLACK_EXAMPLE.body}&x=1`) }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature(base, `${SLACK_EXAMPLE.secret}x`, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature({ ...base, signature: SLACK_EXAMPLE.signature.replace(/.$/, "4") }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature({ ...base, signature: SLACK_EXAMPLE.signature.toUpperCase() }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature({ ...base, signature: null }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature({ ...base, timestamp: null }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
    expect(refusal(() => verifySlackSignature({ ...base, timestamp: "1531420618.5" }, SLACK_EXAMPLE.secret, exampleNow)).status).toBe(401);
  });

  it("refuses a timestamp more than 5 minutes off either way, and accepts one at the edge", () => {
    const headers = { timestamp: SLACK_EXAMPLE.timestamp, signature: SLACK_EXAMPLE.signature };
    const edge = SLACK_TOLERANCE_SECONDS * 1000;
    expect(() => checkSlackHeaders(headers, exampleNow + edge)).not.toThrow();
    expect(() => checkSlackHeaders(headers, exampleNow - edge)).not.toThrow();
    expect(refusal(() => checkSlackHeaders(headers, exampleNow + edge + 1000)).message).toMatch(/more than 5 minutes/);
    expect(refusal(() => checkSlackHeaders(headers, exampleNow - edge - 1000)).status).toBe(401);
  });
});

describe("signed resume references", () => {
  const secrets = ["first-secret", "older-secret"];
  const deliveryId = deliveryIdFor("run-1", "success");
  const pausedAt = Date.parse("2026-01-01T00:00:00Z");
  const ttlMs = 3_600_000;
  const link = signReference("link", secrets, { deliveryId, pausedAtMs: pausedAt, ttlMs });

  it("names the delivery until it expires, and is the same every time it is made", () => {
    expect(verifyReference("link", link, secrets, pausedAt + 1000)).toBe(deliveryId);
    expect(signReference("link", secrets, { deliveryId, pausedAtMs: pausedAt, ttlMs })).toBe(link);
    const expired = refusal(() => verifyReference("link", link, secrets, pausedAt + ttlMs));
    expect(expired).toMatchObject({ status: 401, code: "expired" });
  });

  it("refuses a tampered link: another delivery, a later expiry, a changed signature", () => {
    const [prefix, claims, signature] = link.split(".") as [string, string, string];
    const decoded = JSON.parse(Buffer.from(claims, "base64url").toString()) as { d: string; e: number };
    const forge = (changed: object) => `${prefix}.${Buffer.from(JSON.stringify({ ...decoded, ...changed })).toString("base64url")}.${signature}`;
    for (const forged of [forge({ d: deliveryIdFor("run-2", "success") }), forge({ e: decoded.e + 86_400 }), `${prefix}.${claims}.${signature.slice(0, -2)}AA`, `${link}x`, "", "rl1..", link.replace(/^rl1/, "rs1")]) {
      expect(refusal(() => verifyReference("link", forged, secrets, pausedAt)), forged).toMatchObject({ status: 401, code: "unauthorized" });
    }
  });

  it("keeps the kinds apart: a Slack button's value is not a resume link", () => {
    const slack = signReference("slack", secrets, { deliveryId, pausedAtMs: pausedAt, ttlMs });
    expect(verifyReference("slack", slack, secrets, pausedAt)).toBe(deliveryId);
    expect(refusal(() => verifyReference("link", slack, secrets, pausedAt)).status).toBe(401);
    expect(refusal(() => verifyReference("slack", link, secrets, pausedAt)).status).toBe(401);
  });

  it("verifies with every listed key (rotation) and with no other", () => {
    const old = signReference("link", ["older-secret"], { deliveryId, pausedAtMs: pausedAt, ttlMs });
    expect(verifyReference("link", old, secrets, pausedAt)).toBe(deliveryId);
    expect(refusal(() => verifyReference("link", old, ["first-secret"], pausedAt)).status).toBe(401);
  });

  it("counts from the run's end, and builds the link on the public URL without anything else in it", () => {
    expect(pausedAtMs({ run_ended_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-02T00:00:00Z" }, 5)).toBe(pausedAt);
    expect(pausedAtMs({ run_ended_at: null, updated_at: null }, 5)).toBe(5);
    const url = new URL(resumeUrl("https://relay.example/base/", link));
    expect(url.origin + url.pathname).toBe("https://relay.example/base/api/resume");
    expect([...url.searchParams.keys()]).toEqual(["token"]);
    expect(link).not.toContain("first-secret");
  });
});

describe("what a decision resumes with", () => {
  const plain = { id: "i1", value: { question: "Approve?" } };
  const middleware = {
    id: "i2",
    value: {
      actionRequests: [{ name: "send_email", args: {} }, { name: "delete_file", args: {} }],
      reviewConfigs: [{ actionName: "send_email", allowedDecisions: ["approve", "edit", "reject"] }, { actionName: "delete_file", allowedDecisions: ["approve"] }],
    },
  };

  it("gives a plain interrupt the documented default, or the route's value for the button", () => {
    expect(decisionValue(plain, "approve", "ann")).toEqual({ approved: true, by: "ann" });
    expect(decisionValue(plain, "reject", "ann")).toEqual({ approved: false, by: "ann" });
    expect(decisionValue(plain, "approve", "ann", { approve: "yes" })).toBe("yes");
    expect(decisionValue(plain, "reject", "ann", { approve: "yes", reject: null })).toBeNull();
  });

  it("answers LangChain's HITL middleware with one decision per action request (camelCase and snake_case)", () => {
    expect(decisionValue({ value: { action_requests: [{ name: "a" }, { name: "b" }] } }, "approve", "ann")).toEqual({ decisions: [{ type: "approve" }, { type: "approve" }] });
    expect(decisionValue({ value: { action_requests: [{ name: "a" }], review_configs: [{ action_name: "a", allowed_decisions: ["reject"] }] } }, "reject", "ann")).toEqual({
      decisions: [{ type: "reject", message: "Rejected by ann." }],
    });
    expect(hitlRequestOf(middleware.value)?.allowed).toEqual([["approve", "edit", "reject"], ["approve"]]);
    // A decision a review config does not allow would make the middleware throw: refused first.
    expect(refusal(() => decisionValue(middleware, "reject", "ann"))).toMatchObject({ status: 400 });
  });

  it("resumes several pending interrupts by their ids", () => {
    expect(decisionResume({ interrupts: [plain], next: ["ask"] }, "approve", "ann")).toEqual({ approved: true, by: "ann" });
    expect(decisionResume({ interrupts: [plain, { id: "i3", value: "other" }], next: ["a", "b"] }, "reject", "bob", { reject: "no" })).toEqual({ i1: "no", i3: "no" });
  });

  it("tells a thread still waiting on the recorded interrupts from one that moved on", () => {
    const pause = { interrupts: [plain], next: ["ask"] };
    const waiting = { next: ["ask"], tasks: [{ interrupts: [{ id: "i1", value: {} }] }] };
    expect(stillWaiting(pause, waiting)).toBe(true);
    expect(stillWaiting(pause, { next: ["ask"], tasks: [{ interrupts: [{ id: "i9", value: {} }] }] })).toBe(false);
    expect(stillWaiting(pause, { next: [], tasks: [] })).toBe(false);
    expect(stillWaiting(pause, undefined)).toBe(false);
  });
});

describe("Slack's interactivity payload", () => {
  const payload = (overrides: Record<string, unknown> = {}) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: "block_actions",
        user: { id: "U123ABC", username: "ann" },
        actions: [{ action_id: "approve", value: "rs1.x.y" }],
        response_url: "https://hooks.slack.com/actions/T1/1/abc",
        ...overrides,
      }),
    )}`;

  it("reads the click, and only Slack's own response_url", () => {
    expect(parseSlackClick(payload())).toMatchObject({ decision: "approve", reference: "rs1.x.y", userName: "ann" });
    for (const url of [
      "http://hooks.slack.com/actions/x",
      "https://hooks.slack.com.evil.example/x",
      "https://evil.example/?https://hooks.slack.com/",
      "https://user:pw@hooks.slack.com/x",
      "https://hooks.slack.com:8443/x",
      "https://127.0.0.1/x",
      "not a url",
    ]) {
      expect(refusal(() => parseSlackClick(payload({ response_url: url }))), url).toMatchObject({ status: 400 });
    }
    expect(isSlackResponseUrl(new URL("https://hooks.slack.com/actions/T1/1/abc"))).toBe(true);
  });

  it("ignores what is not a click on our buttons, and refuses what is not Slack's form", () => {
    expect(parseSlackClick("ssl_check=1&token=x")).toBeUndefined();
    expect(parseSlackClick(payload({ type: "view_submission" }))).toBeUndefined();
    expect(parseSlackClick(payload({ actions: [{ action_id: "other", value: "x" }] }))).toBeUndefined();
    expect(refusal(() => parseSlackClick("x=1")).status).toBe(400);
    expect(refusal(() => parseSlackClick("payload=%7Bnot-json")).code).toBe("invalid_json");
    expect(refusal(() => parseSlackClick("payload=%5B1%5D")).status).toBe(400);
    expect(refusal(() => parseSlackClick(payload({ user: "ann" }))).status).toBe(400);
  });
});

describe("what a paused run asks, rendered for Slack", () => {
  it("shows a question in bold with the rest below, a string as it is, escaped either way", () => {
    expect(renderInterrupt({ question: "Ship <@channel> & go?", input: "v2" }, 500)).toBe('*Ship &lt;@channel&gt; &amp; go?*\n```{\n  "input": "v2"\n}```');
    expect(renderInterrupt("approve <!here>?", 500)).toBe("approve &lt;!here&gt;?");
    expect(renderInterrupt({ a: "```<@U1>```" }, 500)).not.toMatch(/<@U1>|```<|>```/);
  });

  it("lists LangChain's HITL-middleware tool calls, one line each with their arguments", () => {
    const value = { actionRequests: [{ name: "send_email", args: { to: "ops@example.com" }, description: "Tool execution requires approval\n\nTool: send_email" }, { name: "delete_file", args: { path: "/tmp/x" } }] };
    expect(renderInterrupt(value, 1000)).toBe(
      '*2 tool calls need approval*\n• *send_email* — Tool execution requires approval\n```{"to":"ops@example.com"}```\n• *delete_file*\n```{"path":"/tmp/x"}```',
    );
    expect(summariseInterrupt(value)).toBe("approve send_email, delete_file?");
  });

  it("stays within its bound, whatever the run asks", () => {
    for (const value of [{ question: "q".repeat(5000), x: "y".repeat(5000) }, "s".repeat(5000), { actionRequests: Array.from({ length: 50 }, (_, i) => ({ name: `t${i}`, args: { v: "z".repeat(500) } })) }, { deep: "w".repeat(9000) }]) {
      expect(renderInterrupt(value, 900).length).toBeLessThanOrEqual(900);
    }
  });
});

