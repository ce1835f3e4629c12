// The one place a thrown error becomes a response: a RelayError is answered in the pinned shape
// `{"error": {"code", "message"}}` with its status and headers; anything else is a logged 500 that
// says nothing about what went wrong.
import { RelayError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import { describeError, jsonLogger } from "../shared/log.js";
import { json } from "./response.js";

/** Where errors are logged when the handler's own logger is unavailable: stderr, one JSON line each. */
export const fallbackLog: Logger = jsonLogger((line) => console.error(line));

export function errorResponse(error: unknown, log: Logger = fallbackLog): Response {
  if (error instanceof RelayError) {
    return json(error.status, { error: { code: error.code, message: error.message } }, error.headers);
  }
  log.error("unhandled error", { error: describeError(error) });
  return json(500, { error: { code: "internal_error", message: "Internal error; see the function's logs." } });
}
