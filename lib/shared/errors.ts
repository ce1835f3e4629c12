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

export class RelayError extends Error {
  override readonly name = "RelayError";
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra headers for the error response (e.g. `Allow` for a 405). */
  readonly headers: Record<string, string>;

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

export const storeUnavailable = (cause: unknown) =>
  new RelayError(503, "store_unavailable", "The delivery store is unavailable; nothing was recorded. Retry later.", {
    cause,
  });

export const notConfigured = (message: string) => new RelayError(500, "not_configured", message);
