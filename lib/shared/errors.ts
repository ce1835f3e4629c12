// One error type for every failure the relay answers on purpose. It carries the HTTP status and a
// stable machine-readable code; `lib/http/errors.ts` turns it into the pinned error shape in one place.

export type ErrorCode =
  | "invalid_json"
  | "invalid_body"
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "conflict"
  | "upstream_error"
  | "store_unavailable"
  | "not_configured"
  | "internal_error"
  | (string & {});

/**
 * Marks a RelayError whichever copy of this module made it: `npm run dev` reloads the functions'
 * modules (a fresh copy of lib/) while the stores it keeps across reloads throw errors of the first
 * copy, and a 503 from them must still be answered as a 503, not as an unknown 500.
 */
const RELAY_ERROR = Symbol.for("langgraph-relay.RelayError");

export class RelayError extends Error {
  /** `instanceof RelayError` holds for a RelayError of any copy of this module (subclasses check as usual). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== RelayError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [RELAY_ERROR]?: unknown })[RELAY_ERROR] === true;
  }

  override readonly name = "RelayError";
  readonly [RELAY_ERROR] = true;
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra headers for the error response (e.g. `Allow` for a 405). */
  readonly headers: Record<string, string>;
  /**
   * What the request's log line should also say (e.g. the `run_id` of the callback that could not be
   * recorded): ids only, never a token or a body. Added by `withLogFields` where the handler knows them.
   */
  readonly logFields: Record<string, unknown> = {};

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (code: "invalid_json" | "invalid_body" | "invalid_request", message: string) =>
  new RelayError(400, code, message);

export const unauthorized = (message: string) => new RelayError(401, "unauthorized", message);

export const notFound = (message: string) => new RelayError(404, "not_found", message);

export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new RelayError(405, "method_not_allowed", `Method ${method} is not allowed here; use ${allowed.join(" or ")}.`, {
    headers: { allow: allowed.join(", ") },
  });

export const payloadTooLarge = (limitBytes: number) =>
  new RelayError(413, "payload_too_large", `The request body is larger than the limit of ${limitBytes} bytes.`);

/**
 * A Redis URL as a log or a message may show it: scheme, host and port, never the user name or
 * password it may carry (`redis://default:secret@host:6379/0` → `redis://host:6379`).
 */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}${parsed.port === "" ? "" : `:${parsed.port}`}`;
  } catch {
    return "(an unparsable URL)";
  }
}

/**
 * 503 of a delivery store that could not be reached. It names the variable to check and the address
 * (without credentials) when the store is Redis, and says what happened to the request: a write
 * recorded nothing, a read could not read (it does not mean that nothing was recorded).
 */
export const storeUnavailable = (cause: unknown, where?: { url: string; operation?: "read" | "write" | "claim" }) => {
  const what =
    where === undefined
      ? "The delivery store is unavailable; nothing was recorded."
      : where.operation === "read"
        ? `The delivery store (Redis at ${redisAddress(where.url)}, REDIS_URL) did not answer, so the deliveries could not be read (this is not an empty list).`
        : where.operation === "claim"
          ? `The delivery store (Redis at ${redisAddress(where.url)}, REDIS_URL) did not answer, so no due work could be taken (nothing was attempted).`
          : `The delivery store (Redis at ${redisAddress(where.url)}, REDIS_URL) did not answer; nothing was recorded.`;
  return new RelayError(503, "store_unavailable", `${what} Retry later.`, { cause });
};

/**
 * 503 of one of the other Redis-backed stores (run ledger, idempotency, decisions): names the store,
 * Redis, REDIS_URL and its address without credentials, and what the request did not do.
 */
export const redisStoreUnavailable = (store: string, consequence: string) => (cause: unknown, where: { url: string }) =>
  new RelayError(
    503,
    "store_unavailable",
    `The ${store} (Redis at ${redisAddress(where.url)}, REDIS_URL) did not answer${consequence}. Retry later.`,
    { cause },
  );

/**
 * Adds ids to the log line of the request an error fails (see RelayError.logFields), and returns the
 * error to rethrow. Errors of other kinds are returned as they are.
 */
export function withLogFields(error: unknown, fields: Record<string, unknown>): unknown {
  if (error instanceof RelayError) {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined && !(key in error.logFields)) error.logFields[key] = value;
  }
  return error;
}

export const notConfigured = (message: string) => new RelayError(500, "not_configured", message);

/**
 * A store's 503 met while reading (listing, one record, counts): the message says that the read
 * failed, naming REDIS_URL's address, rather than the write's "nothing was recorded". Anything else
 * is returned as it is.
 */
export function asReadFailure(error: unknown, redisUrl: string | undefined, operation: "read" | "claim" = "read"): unknown {
  if (!(error instanceof RelayError) || error.code !== "store_unavailable" || redisUrl === undefined) return error;
  return storeUnavailable(error.cause, { url: redisUrl, operation });
}
