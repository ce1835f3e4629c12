// Signed references to a paused delivery: what a resume link (`/api/resume?token=…`) and a Slack
// button's `value` carry instead of any credential. A reference is `<kind>.<claims>.<mac>`: base64url
// JSON claims (the delivery id and an expiry) and an HMAC-SHA256 over `<kind>.<claims>` with a key
// derived from WEBHOOK_SECRET (the first signs, every listed key verifies, so keys rotate). The kind is
// signed too: a Slack button's value — visible to everyone in the channel, and able to approve or
// reject only — is never accepted as a resume link, which resumes with any value.
//
// References are deterministic per delivery (the expiry counts from the run's end, not from when the
// reference is made), so that a forwarded `run.paused` body is byte for byte the same on every retry.
// Whether a reference was used is not in it: the decision store's one claim per delivery makes every
// reference to one pause one-time (lib/hitl/resume.ts).
import { createHmac, timingSafeEqual } from "node:crypto";
import { sha256 } from "../shared/digest.js";
import { notConfigured, RelayError, unauthorized } from "../shared/errors.js";
import { isDeliveryId } from "../model/delivery.js";

export type ReferenceKind = "link" | "slack";

const PREFIX: Record<ReferenceKind, string> = { link: "rl1", slack: "rs1" };

/** Path of the resume endpoint, relative to the public base URL. */
export const RESUME_PATH = "/api/resume";

interface Claims {
  d: string;
  e: number;
}

/** The signing key of references, derived from one WEBHOOK_SECRET: never the secret itself. */
function keyOf(secret: string): Buffer {
  return createHmac("sha256", secret).update("langgraph-relay resume reference v1").digest();
}

const mac = (secret: string, data: string): string => createHmac("sha256", keyOf(secret)).update(data).digest("base64url");

export interface SignOptions {
  deliveryId: string;
  /** When the pause began (ms): the run's end. The reference expires `ttlMs` later. */
  pausedAtMs: number;
  ttlMs: number;
}

/** Signs a reference with the first secret. Throws `not_configured` when WEBHOOK_SECRET is unset. */
export function signReference(kind: ReferenceKind, secrets: readonly string[], options: SignOptions): string {
  const secret = secrets[0];
  if (secret === undefined) throw notConfigured("WEBHOOK_SECRET is not set: the relay cannot sign resume links.");
  const claims: Claims = { d: options.deliveryId, e: Math.floor((options.pausedAtMs + options.ttlMs) / 1000) };
  const body = `${PREFIX[kind]}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${mac(secret, body)}`;
}

/** A reference that verified but has expired: a 401 whose code tells the Slack handler to say so. */
export const expiredReference = () => new RelayError(401, "expired", "This resume link has expired: the pause can still be answered from the inspector.");

/**
 * The delivery a reference names. 401 `unauthorized` when it is malformed, of the wrong kind or
 * tampered with; 401 `expired` when it verified but its time is up.
 */
export function verifyReference(kind: ReferenceKind, reference: string, secrets: readonly string[], nowMs: number): string {
  if (secrets.length === 0) throw notConfigured("WEBHOOK_SECRET is not set: the relay cannot verify resume links.");
  const parts = reference.split(".");
  const [prefix, claimsPart, signature] = parts;
  const invalid = () => unauthorized("Invalid resume link: it was not issued by this relay, or it was changed.");
  if (parts.length !== 3 || prefix !== PREFIX[kind] || claimsPart === undefined || signature === undefined || reference.length > 1024) {
    throw invalid();
  }
  const presented = sha256(signature);
  let valid = false;
  // Every key is tried, never exiting early; compared as text so that only the exact signature passes.
  for (const secret of secrets) {
    if (timingSafeEqual(sha256(mac(secret, `${prefix}.${claimsPart}`)), presented)) valid = true;
  }
  if (!valid) throw invalid();
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(claimsPart, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const { d, e } = (typeof claims === "object" && claims !== null ? claims : {}) as Partial<Record<keyof Claims, unknown>>;
  if (typeof d !== "string" || !isDeliveryId(d) || typeof e !== "number" || !Number.isFinite(e)) throw invalid();
  if (Math.floor(nowMs / 1000) >= e) throw expiredReference();
  return d;
}

/**
 * When a paused run's pause began, for references that come out the same every time: the run's end as
 * LangGraph reported it, else its last update, else `fallbackMs`.
 */
export function pausedAtMs(run: { run_ended_at?: string | null | undefined; updated_at?: string | null | undefined }, fallbackMs: number): number {
  for (const value of [run.run_ended_at, run.updated_at]) {
    const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return fallbackMs;
}

/** `<base>/api/resume?token=<reference>`: the link a forwarded run.paused carries. */
export function resumeUrl(baseUrl: string, reference: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${RESUME_PATH}`;
  url.search = "";
  url.hash = "";
  url.searchParams.set("token", reference);
  return url.toString();
}
