// The one place a thrown error becomes a response: a RelayError is answered in the pinned shape
// `{"error": {"code", "message"}}` with its status and headers; anything else is a logged 500 that
// says nothing about what went wrong.
// zod/mini: every function loads this module on its cold start, and the classic API costs that start
// ~20 ms (bench/README.md); `register` is mini's `.meta`.
import * as z from "zod/mini";
import { RelayError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import { describeError, jsonLogger } from "../shared/log.js";
import { json } from "./response.js";

/** The pinned error shape, as lib/openapi publishes it: every failure of every endpoint is one of these. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string().register(z.globalRegistry, { description: "Stable and machine-readable, e.g. invalid_body, unauthorized, not_found, langgraph_rejected." }),
    message: z.string().register(z.globalRegistry, { description: "For people: what is wrong and what to do. Never echoes a token, a secret or a body." }),
  }),
});
export type ErrorBody = z.output<typeof errorBodySchema>;

/** Where errors are logged when the handler's own logger is unavailable: stderr, one JSON line each. */
export const fallbackLog: Logger = jsonLogger((line) => console.error(line));

export function errorResponse(error: unknown, log: Logger = fallbackLog): Response {
  if (error instanceof RelayError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    return json(error.status, body, error.headers);
  }
  log.error("unhandled error", { error: describeError(error) });
  return json(500, { error: { code: "internal_error", message: "Internal error; see the function's logs." } });
}
