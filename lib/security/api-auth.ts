// Bearer authentication of the relay's own callers (/api/trigger, /api/crons, /api/deliveries) with
// TRIGGER_TOKEN. Fails closed: with no token configured every request is refused with a 500 naming the
// variable, never accepted. Comparison is constant time against every configured token (rotation).
import { sha256Hex } from "../shared/digest.js";
import type { Config } from "../config/env.js";
import { notConfigured, RelayError } from "../shared/errors.js";
import { bearerToken, matchesAnyToken } from "./webhook-tokens.js";

/** Who called, once authenticated. */
export interface TriggerCaller {
  /**
   * A stable, non-reversible id of the token presented (SHA-256, hex). Scopes per-caller state such
   * as idempotency keys without ever storing the token.
   */
  id: string;
}

const CHALLENGE = { "www-authenticate": 'Bearer realm="langgraph-relay"' };

/**
 * Checks `Authorization: Bearer <token>` against `config.triggerTokens`.
 * 500 `not_configured` when TRIGGER_TOKEN is unset, 400 for a header that is not a Bearer credential,
 * 401 for a missing or wrong token.
 */
export function requireTriggerToken(request: Request, config: Pick<Config, "triggerTokens">): TriggerCaller {
  if (config.triggerTokens.length === 0) {
    throw notConfigured("TRIGGER_TOKEN is not set: this endpoint refuses every request until it is.");
  }
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    throw new RelayError(401, "unauthorized", "Missing Authorization header: send `Authorization: Bearer <TRIGGER_TOKEN>`.", {
      headers: CHALLENGE,
    });
  }
  const token = bearerToken(header);
  if (token === undefined) {
    // A malformed credential is the caller's bug, not a failed login (hono's bearer-auth does the same).
    throw new RelayError(400, "invalid_request", "The Authorization header must be `Bearer <TRIGGER_TOKEN>`.", {
      headers: CHALLENGE,
    });
  }
  if (!matchesAnyToken(token, config.triggerTokens)) {
    throw new RelayError(401, "unauthorized", "Invalid bearer token.", { headers: CHALLENGE });
  }
  return { id: sha256Hex(token) };
}
