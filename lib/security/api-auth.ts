// Bearer authentication of the relay's own callers with TRIGGER_TOKEN (full access: /api/trigger,
// /api/crons, replaying deliveries) or INSPECTOR_TOKEN (read-only: listing and reading deliveries, the
// inspector page). Fails closed: with no token configured every request is refused, never accepted —
// and the caller is told only that it is not authorised (the configuration problem goes to the log, see
// lib/handlers/quiet-errors.ts). Comparison is constant time against every configured token (rotation).
import { sha256Hex } from "../shared/digest.js";
import type { Config } from "../config/env.js";
import { notConfigured, RelayError } from "../shared/errors.js";
import { bearerToken, matchesAnyToken } from "./webhook-tokens.js";

/** What a caller may do: `full` (start runs, manage crons, replay) or `read` (list and read deliveries). */
export type Access = "full" | "read";

/** Who called, once authenticated. */
export interface ApiCaller {
  /**
   * A stable, non-reversible id of the token presented (SHA-256, hex). Scopes per-caller state such
   * as idempotency keys without ever storing the token.
   */
  id: string;
  access: Access;
}

/** @deprecated name kept for readers of older code: an authenticated caller of the API. */
export type TriggerCaller = ApiCaller;

export type ApiAuthConfig = Pick<Config, "triggerTokens"> & { inspectorTokens?: Config["inspectorTokens"] | undefined };

const NO_TOKENS: readonly string[] = [];

const CHALLENGE = { "www-authenticate": 'Bearer realm="langgraph-relay"' };

/** The access a bearer token grants, or undefined when it matches no configured token. */
export function accessOf(token: string, config: ApiAuthConfig): Access | undefined {
  // Both lists are always compared, so the time taken does not tell which kind of token matched.
  const full = matchesAnyToken(token, config.triggerTokens);
  const read = matchesAnyToken(token, config.inspectorTokens ?? NO_TOKENS);
  return full ? "full" : read ? "read" : undefined;
}

/**
 * Checks `Authorization: Bearer <token>` for the access the endpoint needs.
 * 500 `not_configured` when no token that could grant it is configured (answered as 401 to callers
 * that present no valid credential), 400 for a header that is not a Bearer credential, 401 for a
 * missing or wrong token, 403 for a read-only token where full access is needed.
 */
export function requireApiToken(request: Request, config: ApiAuthConfig, needed: Access): ApiCaller {
  if (config.triggerTokens.length === 0 && (needed === "full" || (config.inspectorTokens ?? NO_TOKENS).length === 0)) {
    throw notConfigured(
      needed === "full"
        ? "TRIGGER_TOKEN is not set: this endpoint refuses every request until it is."
        : "Neither TRIGGER_TOKEN nor INSPECTOR_TOKEN is set: this endpoint refuses every request until one is.",
    );
  }
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    throw new RelayError(401, "unauthorized", "Missing Authorization header: send `Authorization: Bearer <token>`.", {
      headers: CHALLENGE,
    });
  }
  const token = bearerToken(header);
  if (token === undefined) {
    // A malformed credential is the caller's bug, not a failed login (hono's bearer-auth does the same).
    throw new RelayError(400, "invalid_request", "The Authorization header must be `Bearer <token>`.", {
      headers: CHALLENGE,
    });
  }
  const access = accessOf(token, config);
  if (access === undefined) throw new RelayError(401, "unauthorized", "Invalid bearer token.", { headers: CHALLENGE });
  if (needed === "full" && access !== "full") {
    throw new RelayError(403, "forbidden", "This token is read-only (INSPECTOR_TOKEN): this needs TRIGGER_TOKEN.");
  }
  return { id: sha256Hex(token), access };
}

/** Full access: /api/trigger, /api/crons and replay. */
export function requireTriggerToken(request: Request, config: ApiAuthConfig): ApiCaller {
  return requireApiToken(request, config, "full");
}
