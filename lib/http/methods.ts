// Method dispatch for the functions in api/: `route` builds one export per HTTP method, so that every
// method — served or not — is answered by the relay, and every failure goes through errorResponse.
import { methodNotAllowed, RelayError } from "../shared/errors.js";
import { describeError, type Logger } from "../shared/log.js";
import { errorResponse, fallbackLog } from "./errors.js";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type Handler = (request: Request) => Promise<Response>;

/** The handler's logger, or stderr when building it fails (e.g. invalid configuration). */
function safeLogger(log: () => Logger): Logger {
  try {
    return log();
  } catch {
    return fallbackLog;
  }
}

/**
 * Builds one export per HTTP method: the given handlers for their methods, and a pinned 405 for the
 * rest (Vercel would otherwise answer unexported methods with an empty 405).
 */
export interface RouteOptions {
  /**
   * Whether the request presented a valid credential. A configuration error (`not_configured`) is
   * explained only to such a caller; anyone else gets the 401 of a wrong token, and the log the reason.
   */
  authenticated?: (request: Request) => boolean;
}

const NOT_AUTHORISED = new RelayError(401, "unauthorized", "Missing or invalid credentials.");
/** errorResponse's own log line is not needed where route() has written the request's line. */
const SILENT: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function route(
  handlers: Partial<Record<HttpMethod, Handler>>,
  log: () => Logger = () => fallbackLog,
  options: RouteOptions = {},
): Record<HttpMethod, Handler> {
  const allowed = HTTP_METHODS.filter((method) => handlers[method] !== undefined);
  const out = {} as Record<HttpMethod, Handler>;
  // HEAD is GET without a body, as HTTP says, wherever GET is served.
  const head = handlers.GET;
  if (handlers.HEAD === undefined && head !== undefined) {
    handlers = {
      ...handlers,
      HEAD: (request) => head(new Request(request, { method: "GET" })),
    };
    allowed.splice(allowed.indexOf("GET") + 1, 0, "HEAD");
  }
  for (const method of HTTP_METHODS) {
    const handler = handlers[method];
    const serve = async (request: Request): Promise<Response> => {
      try {
        if (handler === undefined) throw methodNotAllowed(request.method, allowed);
        return await handler(request);
      } catch (error) {
        const logger = safeLogger(log);
        // One line for every request refused or failed, so that a 401 to LangGraph or a 503 lost with
        // its callback leaves a trace. The path only: a query can carry a token. Ids the handler
        // knew (the callback's run_id) come with the error (withLogFields).
        const where = { method: request.method, path: new URL(request.url).pathname };
        if (!(error instanceof RelayError)) {
          logger.error("request failed", { status: 500, code: "internal_error", ...where, error: describeError(error) });
          return errorResponse(error, SILENT);
        }
        let answer: RelayError = error;
        if (error.code === "not_configured" && options.authenticated !== undefined && !options.authenticated(request)) answer = NOT_AUTHORISED;
        const fields = { status: answer.status, code: answer.code, ...where, ...error.logFields };
        if (error.code === "not_configured") logger.error("configuration error", { ...fields, error: error.message });
        // 501: a feature this deployment's LangGraph lacks (crons on the local server), said plainly — not a failure.
        else if (error.status >= 500 && error.status !== 501) logger.error("request failed", { ...fields, error: error.message });
        else logger.warn("request refused", { ...fields, error: error.message });
        return errorResponse(answer, logger);
      }
    };
    out[method] =
      method === "HEAD"
        ? async (request) => {
            const response = await serve(request);
            return new Response(null, { status: response.status, headers: response.headers });
          }
        : serve;
  }
  return out;
}
