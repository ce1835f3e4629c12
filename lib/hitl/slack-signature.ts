// Verifying that a request to /api/slack is Slack's: `X-Slack-Signature` is `v0=` + hex
// HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the app's signing secret
// (SLACK_SIGNING_SECRET), and the timestamp must be within five minutes of our clock so that a
// captured request cannot be replayed later. The bytes received are verified, never a re-serialised
// body; the comparison is constant time over SHA-256 digests (neither content nor length leaks).
// Slack's own documented example passes (test/unit/hitl-slack-signature.test.ts).
import { createHmac, timingSafeEqual } from "node:crypto";
import { sha256 } from "../shared/digest.js";
import { unauthorized } from "../shared/errors.js";

/** How far the timestamp may be from our clock, either way: Slack's own recommendation. */
export const SLACK_TOLERANCE_SECONDS = 5 * 60;

export interface SlackSignedRequest {
  /** `X-Slack-Request-Timestamp`: Unix seconds. */
  timestamp: string | null;
  /** `X-Slack-Signature`: `v0=<64 hex>`. */
  signature: string | null;
  body: Uint8Array;
}

const TIMESTAMP = /^\d{1,12}$/;

/** Checks the headers alone (present, well-formed, timestamp fresh): before the body is read. */
export function checkSlackHeaders(request: Omit<SlackSignedRequest, "body">, nowMs: number): void {
  const { timestamp, signature } = request;
  if (timestamp === null || signature === null || timestamp === "" || signature === "") {
    throw unauthorized("Missing X-Slack-Request-Timestamp or X-Slack-Signature: this endpoint takes Slack's interactivity requests only.");
  }
  if (!TIMESTAMP.test(timestamp)) throw unauthorized("X-Slack-Request-Timestamp is not a Unix time in seconds.");
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > SLACK_TOLERANCE_SECONDS) {
    throw unauthorized(`X-Slack-Request-Timestamp is more than ${SLACK_TOLERANCE_SECONDS / 60} minutes from the relay's clock: refused as a possible replay.`);
  }
}

/** The `v0=` signature Slack sends for `body` at `timestamp`. */
export function slackSignature(secret: string, timestamp: string, body: Uint8Array | string): string {
  const mac = createHmac("sha256", secret);
  mac.update(`v0:${timestamp}:`);
  mac.update(body);
  return `v0=${mac.digest("hex")}`;
}

/** Throws 401 unless the request carries Slack's signature of its exact bytes, made within the window. */
export function verifySlackSignature(request: SlackSignedRequest, secret: string, nowMs: number): void {
  checkSlackHeaders(request, nowMs);
  const expected = slackSignature(secret, request.timestamp as string, request.body);
  // Digests of both sides: equal lengths for timingSafeEqual, and the presented value's length hidden.
  if (!timingSafeEqual(sha256(expected), sha256(request.signature as string))) {
    throw unauthorized("X-Slack-Signature does not match: check SLACK_SIGNING_SECRET (the app's Signing Secret, under Basic Information).");
  }
}
