// Webhook tokens. The trigger mints one per run (or per cron) and puts it in the webhook URL it hands
// to LangGraph; the receiver verifies it. A minted token is `v1.<claims>.<mac>`: base64url JSON claims
// (scope, thread, expiry, deployment environment, and a random id) and an HMAC-SHA256 over
// `v1.<claims>` with the first key of WEBHOOK_SECRET. The id names the token in the run ledger, which
// says which run (or cron) the token is for: a valid signature alone confirms nothing (see
// lib/verification/confirm.ts). Records and logs carry the id, never the token.
// Every listed key verifies, so keys rotate without downtime. Static WEBHOOK_TOKEN values are accepted
// too, for hand-made URLs and LangGraph's `webhooks.headers`.
// All comparisons are constant time over SHA-256 digests, so neither content nor length leaks.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { badRequest, notConfigured, unauthorized } from "../shared/errors.js";
import { sha256 } from "../shared/digest.js";

const VERSION = "v1";

export type TokenKind = "run" | "cron";

/** What a minted token says about the callback it may authenticate. */
export interface TokenScope {
  kind: TokenKind;
  /** The thread the token was minted for; absent for stateless runs and stateless crons. */
  threadId?: string;
  /** Expiry as Unix seconds; absent for crons, which call back until deleted (the ledger revokes them). */
  expiresAt?: number;
  /** The deployment environment the token was minted in (`production`, `preview`, …); absent on older relays' tokens. */
  environment?: string;
  /** The token's random id: its key in the run ledger. */
  nonce: string;
}

export interface MintOptions {
  kind: TokenKind;
  threadId?: string | undefined;
  /** How long a run may take, in seconds: a run token lives this long after the run may start. Ignored for crons. @default 72 h */
  ttlSeconds?: number;
  /** A delayed run (`after_seconds`) starts this much later: its token lives that much longer. */
  afterSeconds?: number | undefined;
  /**
   * The longest a token may live: the retention of the delivery records that deduplicate its run's
   * callback. A token that outlived them could deliver its run's event a second time. Exceeding it is a
   * 400 (the caller asked for a run too far ahead).
   */
  maxLifetimeSeconds?: number | undefined;
  /** The deployment environment the token is valid in; a token of another environment fails. */
  environment?: string | undefined;
  /** Clock in milliseconds, injectable for tests. */
  now?: number;
}

/** The credential a request presented, once verified. */
/** `token`: the token that authenticated the callback (for a static one, whichever matched). */
export type WebhookCredential = { type: "minted"; scope: TokenScope; token: string } | { type: "static"; token: string };

export interface WebhookAuthConfig {
  webhookSecrets: readonly string[];
  webhookTokens: readonly string[];
  /** This deployment's environment: minted tokens of another one are refused. */
  deploymentEnvironment?: string | undefined;
}

interface Claims {
  s: TokenKind;
  t?: string;
  e?: number;
  d?: string;
  n: string;
}


const mac = (key: string, data: string): Buffer => createHmac("sha256", key).update(data).digest();

/** Constant-time equality of two byte strings of any length. */
function digestsEqual(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

// Digests of configured token lists, computed once per list (the config is parsed once).
const candidateDigests = new WeakMap<readonly string[], Buffer[]>();

/** Constant-time membership: compares against every candidate, never exiting early. */
export function matchesAnyToken(presented: string, candidates: readonly string[]): boolean {
  let digests = candidateDigests.get(candidates);
  if (digests === undefined) {
    digests = candidates.map((candidate) => sha256(candidate));
    candidateDigests.set(candidates, digests);
  }
  const presentedDigest = sha256(presented);
  let matched = false;
  for (const digest of digests) {
    if (timingSafeEqual(presentedDigest, digest)) matched = true;
  }
  return matched;
}

export type RunLifetime = Pick<MintOptions, "ttlSeconds" | "afterSeconds" | "maxLifetimeSeconds">;

/** A delayed run must have at least this long to run and call back before its records expire. */
const MIN_RUN_SECONDS = 3600;

/**
 * How long a run token lives, in seconds: the run's time after its delay, cut so that it never
 * outlives the run's delivery records (a token that did could deliver the run's event a second time,
 * once the record that deduplicates it is gone). A 400 when the delay leaves the run under an hour.
 */
export function assertRunLifetime(options: RunLifetime): number {
  const after = options.afterSeconds ?? 0;
  const lifetime = (options.ttlSeconds ?? 72 * 3600) + after;
  const max = options.maxLifetimeSeconds;
  if (max === undefined) return lifetime;
  if (after + MIN_RUN_SECONDS > max) {
    throw badRequest(
      "invalid_body",
      `The run would call back after its delivery records expire (${Math.round(max / 3600)} h): ` +
        "lower after_seconds, or raise DELIVERY_RETENTION_DAYS.",
    );
  }
  return Math.min(lifetime, max);
}

/** Mints a webhook token signed with the first secret. Throws when no secret is configured. */
export function mintWebhookToken(secrets: readonly string[], options: MintOptions): string {
  const key = secrets[0];
  if (key === undefined) {
    throw notConfigured("WEBHOOK_SECRET is not set: the relay cannot mint webhook tokens.");
  }
  const now = options.now ?? Date.now();
  const claims: Claims = { s: options.kind, n: randomBytes(12).toString("base64url") };
  if (options.threadId !== undefined) claims.t = options.threadId;
  if (options.environment !== undefined) claims.d = options.environment;
  if (options.kind === "run") claims.e = Math.floor(now / 1000) + Math.round(assertRunLifetime(options));
  const body = `${VERSION}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${mac(key, body).toString("base64url")}`;
}

/**
 * The id of a token this deployment just minted (its ledger key). Reads the claims without verifying
 * them: for the minting side only, never to judge a token someone presented.
 */
export function mintedTokenId(token: string): string {
  const claims = parseClaims(token.split(".")[1] ?? "");
  if (claims === undefined) throw new TypeError("not a minted token");
  return claims.n;
}

/** True when the string has the shape of a minted token (not a proof of anything). */
export function looksMinted(token: string): boolean {
  return token.startsWith(`${VERSION}.`) && token.split(".").length === 3;
}

/**
 * Verifies a minted token's signature against every key and returns its scope.
 * Throws 401 on a bad signature or an expired token; claims are only parsed once the MAC matched.
 */
export function verifyMintedToken(
  token: string,
  secrets: readonly string[],
  now: number = Date.now(),
  environment?: string,
): TokenScope {
  const parts = token.split(".");
  const [version, claimsPart, signaturePart] = parts;
  if (parts.length !== 3 || version !== VERSION || claimsPart === undefined || signaturePart === undefined) {
    throw unauthorized("Invalid webhook token.");
  }
  const signed = `${version}.${claimsPart}`;
  // Compared as text, not as decoded bytes: base64url's last character carries spare bits, and
  // decoding would let several spellings of one signature pass. Only the exact token verifies.
  const presented = Buffer.from(signaturePart);
  let valid = false;
  for (const key of secrets) {
    if (digestsEqual(Buffer.from(mac(key, signed).toString("base64url")), presented)) valid = true;
  }
  if (!valid) throw unauthorized("Invalid webhook token.");

  const claims = parseClaims(claimsPart);
  if (claims === undefined) throw unauthorized("Invalid webhook token.");
  if (claims.e !== undefined && Math.floor(now / 1000) >= claims.e) {
    throw unauthorized("Webhook token has expired.");
  }
  if (environment !== undefined && claims.d !== undefined && claims.d !== environment) {
    throw unauthorized("Webhook token was minted for another deployment environment.");
  }
  const scope: TokenScope = { kind: claims.s, nonce: claims.n };
  if (claims.d !== undefined) scope.environment = claims.d;
  if (claims.t !== undefined) scope.threadId = claims.t;
  if (claims.e !== undefined) scope.expiresAt = claims.e;
  return scope;
}

function parseClaims(encoded: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null) return undefined;
    const { s, t, e, d, n } = value as Record<string, unknown>;
    if ((s !== "run" && s !== "cron") || typeof n !== "string") return undefined;
    if (t !== undefined && typeof t !== "string") return undefined;
    if (e !== undefined && typeof e !== "number") return undefined;
    if (d !== undefined && typeof d !== "string") return undefined;
    const claims: Claims = { s, n };
    if (t !== undefined) claims.t = t;
    if (e !== undefined) claims.e = e;
    if (d !== undefined) claims.d = d;
    return claims;
  } catch {
    return undefined;
  }
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | null): string | undefined {
  if (authorization === null) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * Authenticates a webhook callback: a minted token or a static token in `?token=`, or a static
 * token as `Authorization: Bearer`. Refuses (500) when neither WEBHOOK_SECRET nor WEBHOOK_TOKEN is set.
 */
export function authenticateWebhook(
  presented: { queryToken: string | null; authorization: string | null },
  config: WebhookAuthConfig,
  now: number = Date.now(),
): WebhookCredential {
  if (config.webhookSecrets.length === 0 && config.webhookTokens.length === 0) {
    throw notConfigured(
      "The webhook receiver is not configured: set WEBHOOK_SECRET (to verify minted tokens) or WEBHOOK_TOKEN (static tokens).",
    );
  }
  const queryToken = presented.queryToken ?? undefined;
  const headerToken = bearerToken(presented.authorization);
  if (queryToken === undefined && headerToken === undefined) {
    throw unauthorized("Missing webhook token: pass ?token= in the webhook URL or an Authorization: Bearer header.");
  }
  if (queryToken !== undefined) {
    if (looksMinted(queryToken) && config.webhookSecrets.length > 0) {
      // A minted token is judged on its own: an expired or tampered one is refused even if a
      // static token would also match the header.
      return {
        type: "minted",
        scope: verifyMintedToken(queryToken, config.webhookSecrets, now, config.deploymentEnvironment),
        token: queryToken,
      };
    }
    if (matchesAnyToken(queryToken, config.webhookTokens)) return { type: "static", token: queryToken };
  }
  if (headerToken !== undefined && matchesAnyToken(headerToken, config.webhookTokens)) {
    return { type: "static", token: headerToken };
  }
  throw unauthorized("Invalid webhook token.");
}

/** Refuses a callback whose thread is not the one its minted token was issued for. */
export function assertScopeAllows(credential: WebhookCredential, threadId: string): void {
  if (credential.type !== "minted") return;
  const { scope } = credential;
  if (scope.threadId !== undefined && !digestsEqual(Buffer.from(scope.threadId), Buffer.from(threadId))) {
    throw unauthorized("Webhook token was minted for another thread.");
  }
}
