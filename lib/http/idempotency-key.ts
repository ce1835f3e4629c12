// The `Idempotency-Key` request header: absent, or 1 to 255 printable ASCII characters (Stripe's
// bounds); anything else is a 400 rather than a key silently ignored. What a key does is in
// lib/trigger/idempotency.ts.
import { badRequest } from "../shared/errors.js";

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** The request's Idempotency-Key, trimmed; undefined when it has none. */
export function readIdempotencyKey(request: Request): string | undefined {
  const raw = request.headers.get("idempotency-key");
  if (raw === null) return undefined;
  const key = raw.trim();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw badRequest("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.");
  }
  return key;
}
